/**
 * Reaping dead hosts on SQLite (see src/domain/hosts.ts; the PostgreSQL twin is
 * src/store/postgres/host-reaper.ts). One IMMEDIATE transaction takes the database's single
 * write lock, so two reapers (processes on one file) never reap the same epoch twice: the second
 * finds `reaped_epoch` already raised.
 *
 * The host commands it fails wake no watcher: their askers are other processes (an appliance is
 * one host), whose HostCommandClient reads the command again every second anyway.
 */
import type { ReapedHost } from '../../domain/index.js';
import { emptyReport, reapedPartDetail } from '../common/hosts.js';
import { EXPIRED_CODE, reapedCommandMessage } from '../common/host-commands.js';
import type { SqliteDatabase } from './database.js';
import { OutboundEvents } from './outbound-events.js';
import { prepareOutboundStatements } from './outbound-statements.js';
import { prepareSlotStatements } from './outbound-slot-statements.js';
import type { OutboxWriter } from './outbox-writer.js';

interface DeadHostRow {
  readonly id: string;
  readonly epoch: number;
}

interface ClaimedPartRow {
  readonly message_id: string;
  readonly sequence: number;
  readonly sim_iccid: string;
}

type HostAt = { host: string; at: number };

function prepareReaperStatements(db: SqliteDatabase) {
  return {
    dead: db.prepare<{ self: string; at: number }, DeadHostRow>(
      `SELECT id, epoch FROM hosts
        WHERE id != @self AND reaped_epoch < epoch
          AND (stopped_at IS NOT NULL OR lease_until <= @at)
        ORDER BY id`,
    ),
    // As markModemSimsOffline writes it: last_seen_at keeps when the SIM was last seen.
    simsOffline: db.prepare<HostAt>(
      `UPDATE sims SET status = 'offline', status_changed_at = @at
        WHERE host_id = @host AND status != 'offline'`,
    ),
    modemsOffline: db.prepare<HostAt>(
      `UPDATE modems SET state = 'offline', state_changed_at = @at
        WHERE host_id = @host AND state != 'offline'`,
    ),
    // Claimed (`sending`) but with no send path yet: see reapOutbound.
    claimedParts: db.prepare<[string], ClaimedPartRow>(
      `SELECT p.message_id, p.sequence, p.sim_iccid
         FROM outbound_parts p JOIN sims s ON s.iccid = p.sim_iccid
        WHERE s.host_id = ? AND p.status = 'sending' AND p.send_path IS NULL
        ORDER BY p.message_id, p.sequence`,
    ),
    webhooksPending: db.prepare<[string]>(
      `UPDATE webhook_deliveries SET status = 'pending', claimed_by_host = NULL,
              claimed_until = NULL
        WHERE status = 'delivering' AND claimed_by_host = ?`,
    ),
    sandboxFailed: db.prepare<HostAt>(
      `UPDATE sandbox_deliveries SET delivered_at = @at, outcome = 'failed'
        WHERE delivered_at IS NULL
          AND sim_iccid IN (SELECT iccid FROM sims WHERE host_id = @host)`,
    ),
    hostCommandsFailed: db.prepare<HostAt & { code: string; message: string }>(
      `UPDATE host_commands
          SET status = 'failed', error_code = @code, error_message = @message,
              finished_at = @at
        WHERE host_id = @host AND status IN ('pending', 'running')`,
    ),
    markReaped: db.prepare<{ host: string; epoch: number }>(
      'UPDATE hosts SET reaped_epoch = epoch WHERE id = @host AND epoch = @epoch',
    ),
  };
}

export class SqliteHostReaper {
  private readonly s: ReturnType<typeof prepareReaperStatements>;
  // The outbound queue's own statements: a reaped part goes back exactly as a part interrupted
  // by a stop does (requeueInterrupted), and its message is released the same way.
  private readonly outbound: ReturnType<typeof prepareOutboundStatements>;
  private readonly slots: ReturnType<typeof prepareSlotStatements>;
  private readonly history: OutboundEvents;
  private readonly reapTx: (self: string, at: number) => ReapedHost[];

  constructor(db: SqliteDatabase, outbox: OutboxWriter) {
    this.s = prepareReaperStatements(db);
    this.outbound = prepareOutboundStatements(db);
    this.slots = prepareSlotStatements(db);
    this.history = new OutboundEvents(db, outbox);
    const tx = db.transaction((self: string, at: number) =>
      this.s.dead.all({ self, at }).map((host) => this.reapOne(host, at)),
    );
    this.reapTx = (self, at) => tx.immediate(self, at);
  }

  /** Every dead host other than `self`, each once per epoch. */
  reap(self: string, at: number): ReapedHost[] {
    return this.reapTx(self, at);
  }

  private reapOne(host: DeadHostRow, at: number): ReapedHost {
    const where = { host: host.id, at };
    const report = {
      ...emptyReport(host.id, host.epoch),
      sims: this.s.simsOffline.run(where).changes,
      modems: this.s.modemsOffline.run(where).changes,
      requeuedParts: this.reapOutbound(host.id, at),
      webhookDeliveries: this.s.webhooksPending.run(host.id).changes,
      sandboxDeliveries: this.s.sandboxFailed.run(where).changes,
      hostCommands: this.s.hostCommandsFailed.run({
        ...where,
        code: EXPIRED_CODE,
        message: reapedCommandMessage(host.id),
      }).changes,
    };
    this.s.markReaped.run({ host: host.id, epoch: host.epoch });
    return report;
  }

  /**
   * The dead host's outbound parts that were claimed for one of its SIMs but never handed to
   * its modem (`send_path` still NULL: neither `AT+CMGW` answered with a slot nor `AT+CMGS`
   * about to be written) go back to the queue, for any host's SIM to send.
   *
   * The others stay as they are, `sending`: a part with a slot in modem storage (send_path
   * `stored`) is settled by its own SIM, which reads that slot (STO SENT or not) when its host
   * comes back; a part sent with `AT+CMGS` (send_path `direct`) may have gone out, and only its
   * host's start-up recovery may decide, by the delivery guarantee, whether it is sent again or
   * ends `unknown`. Re-queuing either here could send an SMS twice.
   */
  private reapOutbound(hostId: string, at: number): number {
    const parts = this.s.claimedParts.all(hostId);
    const messages = new Set<string>();
    for (const part of parts) {
      const key = { id: part.message_id, sequence: part.sequence };
      this.slots.requeuePart.run({ ...key, at });
      this.history.record(key.id, key.sequence, 'queued', at, {
        iccid: part.sim_iccid,
        detail: reapedPartDetail(hostId),
      });
      messages.add(key.id);
    }
    for (const id of messages) this.releaseMessage(id, at);
    return parts.length;
  }

  /** As SqliteOutboundRepository releases one: its SIM kept only when some of it went out. */
  private releaseMessage(id: string, at: number): void {
    if (this.outbound.partInFlight.get(id)) return;
    const keepSender = this.outbound.anyPartSent.get(id) !== undefined ? 1 : 0;
    const changed = this.outbound.release.run({
      id,
      keepSender,
      avoid: null,
      avoidUntil: null,
      at,
    }).changes;
    if (changed > 0) this.history.record(id, null, 'queued', at);
  }
}

/**
 * Reaping dead hosts on PostgreSQL (src/domain/hosts.ts; the SQLite twin is
 * src/store/sqlite/host-reaper.ts, whose comments say which outbound parts go back to the queue
 * and why the others must not). Every live host runs it every few seconds; one dead host's epoch
 * is reaped once in all:
 *
 * - each dead host is reaped in its own short transaction that first locks its `hosts` row with
 *   FOR UPDATE SKIP LOCKED: a second reaper at the same moment skips it rather than waiting, and
 *   once the first commits, `reaped_epoch = epoch` takes the row out of everyone's candidates
 *   (READ COMMITTED re-checks the WHERE clause of a row updated since the statement began);
 * - a locked row is never waited for nor retried without SKIP LOCKED: whoever holds it is
 *   another reaper, or the host itself (starting, renewing, or writing under its epoch), and
 *   either way there is nothing for this reaper to do now; the next pass looks again;
 * - locks are taken in the order hosts → sims, modems → outbound_messages → outbound_parts, the
 *   queue's own order (a message before its parts), then webhook deliveries, sandbox deliveries
 *   and host commands, none of which is written together with a `hosts` lock elsewhere;
 * - the host commands it fails wake their askers on every host (NOTIFY at commit, as `complete`).
 */
import type { ReapedHost } from '../../domain/index.js';
import { emptyReport, reapedPartDetail } from '../common/hosts.js';
import {
  EXPIRED_CODE,
  HOST_COMMAND_DONE_CHANNEL,
  reapedCommandMessage,
} from '../common/host-commands.js';
import type { PostgresDatabase } from './database.js';
import { DB_NOW_MS } from './db-clock.js';
import type { PostgresClient } from './transaction.js';
import { notify } from './listener.js';
import { OUTBOUND_QUEUED_CHANNEL } from './outbound-steps.js';

/** Dead hosts reaped by one pass at most (the next pass takes the rest). */
const MAX_HOSTS_PER_PASS = 100;

const DEAD_HOST = `
SELECT h.id, h.epoch, c.now
  FROM hosts h, (SELECT ${DB_NOW_MS} AS now) c
 WHERE h.id <> $1 AND h.reaped_epoch < h.epoch
   AND (h.stopped_at IS NOT NULL OR h.lease_until <= c.now)
 ORDER BY h.id
 LIMIT 1
   FOR UPDATE OF h SKIP LOCKED`;

// As the pool writes a SIM or modem going offline: last_seen_at keeps when it was last seen.
const SIMS_OFFLINE = `
UPDATE sims SET status = 'offline', status_changed_at = $2
 WHERE host_id = $1 AND status <> 'offline'`;

const MODEMS_OFFLINE = `
UPDATE modems SET state = 'offline', state_changed_at = $2
 WHERE host_id = $1 AND state <> 'offline'`;

/** Parts claimed for the host's SIMs that never reached its modem (no send path yet). */
const CLAIMED_PARTS = `
SELECT p.message_id FROM outbound_parts p JOIN sims s ON s.iccid = p.sim_iccid
 WHERE s.host_id = $1 AND p.status = 'sending' AND p.send_path IS NULL`;

const LOCK_MESSAGES = `
SELECT id FROM outbound_messages WHERE id IN (${CLAIMED_PARTS}) ORDER BY id FOR UPDATE`;

// As a stop's requeueInterrupted puts a part back (one more attempt, due now, no SIM), with
// its history row naming the SIM it had been claimed for.
const REQUEUE_PARTS = `
WITH requeued AS (
  UPDATE outbound_parts p
     SET status = 'queued', attempts = p.attempts + 1, next_attempt_at = $2,
         sim_iccid = NULL, claimed_at = NULL, send_path = NULL,
         slot_storage = NULL, slot_index = NULL
    FROM sims s
   WHERE s.iccid = p.sim_iccid AND s.host_id = $1
     AND p.status = 'sending' AND p.send_path IS NULL
  RETURNING p.message_id, p.sequence, s.iccid)
INSERT INTO outbound_history (message_id, sequence, status, sim_iccid, detail, at)
SELECT message_id, sequence, 'queued', iccid, $3, $2 FROM requeued
 ORDER BY message_id, sequence`;

// As the queue releases a message: back to `queued` once none of its parts is in flight, bound
// to its sender only when some of it went out already (the recipient sees one sender).
const RELEASE_MESSAGES = `
WITH released AS (
  UPDATE outbound_messages m
     SET status = 'queued', updated_at = $2,
         sender_iccid = CASE WHEN EXISTS (SELECT 1 FROM outbound_parts s
                                          WHERE s.message_id = m.id AND s.status = 'sent')
                             THEN m.sender_iccid ELSE m.sim_iccid END
   WHERE m.id = ANY($1::text[]) AND m.status = 'sending'
     AND NOT EXISTS (SELECT 1 FROM outbound_parts q
                      WHERE q.message_id = m.id AND q.status = 'sending')
  RETURNING m.id)
INSERT INTO outbound_history (message_id, sequence, status, sim_iccid, detail, at)
SELECT id, NULL, 'queued', NULL, NULL, $2 FROM released ORDER BY id`;

const WEBHOOKS_PENDING = `
UPDATE webhook_deliveries SET status = 'pending', claimed_by_host = NULL, claimed_until = NULL
 WHERE status = 'delivering' AND claimed_by_host = $1`;

const SANDBOX_FAILED = `
UPDATE sandbox_deliveries SET delivered_at = $2, outcome = 'failed'
 WHERE delivered_at IS NULL AND sim_iccid IN (SELECT iccid FROM sims WHERE host_id = $1)`;

// Not SKIP LOCKED: a row locked by a claim of the dead host's worker (a late one, cut off) is
// waited for, and READ COMMITTED re-checks it as `running`, so it fails too.
const HOST_COMMANDS_FAILED = `
WITH failed AS (
  UPDATE host_commands
     SET status = 'failed', error_code = $2, error_message = $3, finished_at = $4
   WHERE host_id = $1 AND status IN ('pending', 'running')
  RETURNING id)
SELECT id, pg_notify('${HOST_COMMAND_DONE_CHANNEL}', id) FROM failed`;

const MARK_REAPED = 'UPDATE hosts SET reaped_epoch = epoch WHERE id = $1';

/** Every dead host other than `self`, each once per epoch across all reapers. */
export async function reapDeadHosts(db: PostgresDatabase, self: string): Promise<ReapedHost[]> {
  const reaped: ReapedHost[] = [];
  for (let pass = 0; pass < MAX_HOSTS_PER_PASS; pass++) {
    const one = await db.transaction((client) => reapOne(client, self));
    if (one === undefined) break;
    reaped.push(one);
  }
  return reaped;
}

async function reapOne(client: PostgresClient, self: string): Promise<ReapedHost | undefined> {
  const dead = await client.query<{ id: string; epoch: number; now: number }>(DEAD_HOST, [self]);
  const host = dead.rows[0];
  if (host === undefined) return undefined;
  const at = host.now;
  const sims = await client.query(SIMS_OFFLINE, [host.id, at]);
  const modems = await client.query(MODEMS_OFFLINE, [host.id, at]);
  const messages = await client.query<{ id: string }>(LOCK_MESSAGES, [host.id]);
  const parts = await client.query(REQUEUE_PARTS, [host.id, at, reapedPartDetail(host.id)]);
  if (messages.rows.length > 0) {
    await client.query(RELEASE_MESSAGES, [messages.rows.map((m) => m.id), at]);
  }
  // The living hosts' senders take the parts back at once (at commit), not at their next sweep.
  if ((parts.rowCount ?? 0) > 0) await notify(client, OUTBOUND_QUEUED_CHANNEL);
  const webhooks = await client.query(WEBHOOKS_PENDING, [host.id]);
  const sandbox = await client.query(SANDBOX_FAILED, [host.id, at]);
  const commands = await client.query(HOST_COMMANDS_FAILED, [
    host.id,
    EXPIRED_CODE,
    reapedCommandMessage(host.id),
    at,
  ]);
  await client.query(MARK_REAPED, [host.id]);
  return {
    ...emptyReport(host.id, host.epoch),
    sims: sims.rowCount ?? 0,
    modems: modems.rowCount ?? 0,
    requeuedParts: parts.rowCount ?? 0,
    webhookDeliveries: webhooks.rowCount ?? 0,
    sandboxDeliveries: sandbox.rowCount ?? 0,
    hostCommands: commands.rowCount ?? 0,
  };
}

import { SimpoolError } from '../../shared/index.js';
import {
  URGENT_PRIORITY,
  type DeliveryGuarantee,
  type InterruptedParts,
  type NewOutboundMessage,
  type OutboundMessageRow,
  type OutboundPartToSend,
  type OutboundRepository,
  type PartFailure,
  type PartSlot,
  type RoutableMessage,
  type SendStep,
  type SendStepOutcome,
  type SlottedPart,
} from '../../pool/index.js';
import { EXPIRED_ERROR, offLimitsFromRows } from '../common/outbound-decisions.js';
import {
  outboundMessageFromRow,
  outboundPartFromRow,
  routableFromRow,
  slottedPartFromRow,
  type OutboundMessageTableRow,
  type OutboundPartRow,
  type OutboundPartTableRow,
  type RoutableRow,
  type SlottedPartRow,
} from '../common/outbound-rows.js';
import type { PostgresDatabase } from './database.js';
import type { Fencing } from './fencing.js';
import { PostgresOutboundEvents } from './outbound-events.js';
import * as q from './outbound-statements.js';
import { SLOTTED } from './outbound-slot-statements.js';
import { PostgresOutboundSteps, type PartKey } from './outbound-steps.js';
import { PostgresOutboundWakeups, type OutboundWakeupOptions } from './outbound-wakeups.js';
import type { PostgresOutboxWriter } from './outbox-writer.js';
import { isRetryableTransactionError, type PostgresClient } from './transaction.js';

export interface PostgresOutboundOptions extends OutboundWakeupOptions {
  /** This host's id: start-up recovery touches only the parts of its SIMs. */
  readonly hostId: string;
  /** Checked first by every write made on behalf of this host's modems. */
  readonly fencing: Fencing;
  readonly outbox: PostgresOutboxWriter;
}

/**
 * Outbound SMS on PostgreSQL, one queue for every host: a message queued through any host is
 * claimed by a host owning a suitable SIM (routing on each host offers only its own SIMs), and
 * a part is claimed for one SIM only, however many hosts race for it: a claim locks the
 * message's row, so the second claimer sees the message bound to the first one's SIM (or its
 * part in flight) and gets nothing. Each call is one transaction; `applySendSteps` runs the
 * steps of one moment in one, each in a savepoint. The writes made on behalf of this host's
 * modems check first that its epoch is still current (fencing.ts). `enqueue`, and any write
 * that puts a message back in the queue, wake every host's router at commit (`onQueued`).
 */
export class PostgresOutboundRepository implements OutboundRepository {
  private readonly steps: PostgresOutboundSteps;
  private readonly wakeups: PostgresOutboundWakeups;
  private readonly hostId: string;
  private readonly fencing: Fencing;

  constructor(
    private readonly db: PostgresDatabase,
    options: PostgresOutboundOptions,
  ) {
    this.hostId = options.hostId;
    this.fencing = options.fencing;
    this.steps = new PostgresOutboundSteps(new PostgresOutboundEvents(options.outbox));
    this.wakeups = new PostgresOutboundWakeups(db, options);
  }

  /**
   * Calls `listener` whenever any host queued outbound work (or put some back in the queue),
   * and after the LISTEN connection came back; starts listening if not yet done. The daemon
   * wires it to `pool.wakeSenders()`. Returns the function that stops calling it.
   */
  onQueued(listener: () => void): () => void {
    return this.wakeups.subscribe(listener);
  }

  /** Resolves once `onQueued` listeners hear every commit from now on. */
  startListening(): Promise<void> {
    return this.wakeups.startListening();
  }

  /** Stops listening for queued work. The database stays open. */
  close(): Promise<void> {
    return this.wakeups.close();
  }

  enqueue(message: NewOutboundMessage): Promise<void> {
    return this.db.transaction((c) => this.enqueueWithin(c, message));
  }

  /** `enqueue` inside the caller's transaction (a keyed send records its key with it). */
  async enqueueWithin(c: PostgresClient, message: NewOutboundMessage): Promise<void> {
    if (message.parts.length === 0) {
      throw new SimpoolError('invalid_argument', `outbound message ${message.id} has no parts`);
    }
    await this.steps.enqueue(c, message);
  }

  applySendSteps(steps: readonly SendStep[]): Promise<SendStepOutcome[]> {
    if (steps.length === 0) return Promise.resolve([]);
    return this.fenced(async (c) => {
      const ids = [...new Set(steps.map((step) => step.messageId))];
      await c.query(q.LOCK_MESSAGES, [ids]);
      const outcomes: SendStepOutcome[] = [];
      for (const step of steps) {
        // One round trip: the previous step's savepoint (kept, or rolled back to) released,
        // this one's taken. COMMIT releases the last.
        await c.query(
          outcomes.length === 0
            ? 'SAVEPOINT send_step'
            : 'RELEASE SAVEPOINT send_step; SAVEPOINT send_step',
        );
        try {
          const part = await this.applyStep(c, step);
          outcomes.push(part === undefined ? { ok: true } : { ok: true, part });
        } catch (error) {
          // A deadlock or serialization failure is the transaction's, not the step's: the
          // whole batch runs again (PostgresDatabase.transaction).
          if (isRetryableTransactionError(error)) throw error;
          await c.query('ROLLBACK TO SAVEPOINT send_step');
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    });
  }

  async listRoutable(
    at: number,
    limit: number,
    senders: { readonly ready: readonly string[]; readonly urgentReady: readonly string[] },
  ): Promise<RoutableMessage[]> {
    const rows = await this.db.query<RoutableRow>(q.ROUTABLE, [
      at,
      limit,
      senders.ready,
      senders.urgentReady,
      URGENT_PRIORITY,
    ]);
    return rows.rows.map(routableFromRow);
  }

  async hasClaimable(at: number): Promise<boolean> {
    return ((await this.db.query(q.ANY_DUE, [at])).rowCount ?? 0) > 0;
  }

  claimPart(messageId: string, iccid: string, at: number): Promise<OutboundPartToSend | undefined> {
    return this.fenced((c) => this.steps.claim(c, messageId, iccid, at));
  }

  markPartSent(
    messageId: string,
    sequence: number,
    iccid: string,
    messageReference: number | null,
    at: number,
  ): Promise<void> {
    const key = { id: messageId, sequence };
    return this.fenced((c) => this.steps.markSent(c, key, iccid, messageReference, at));
  }

  recordStoredSlot(messageId: string, sequence: number, slot: PartSlot): Promise<void> {
    return this.fenced((c) => this.steps.recordSlot(c, { id: messageId, sequence }, slot));
  }

  recordDirectSend(messageId: string, sequence: number): Promise<void> {
    return this.fenced((c) => this.steps.setDirect(c, { id: messageId, sequence }));
  }

  clearSlot(messageId: string, sequence: number, slot: PartSlot): Promise<void> {
    return this.fenced((c) => this.steps.clearSlot(c, { id: messageId, sequence }, slot));
  }

  markPartUnknown(messageId: string, sequence: number, detail: string, at: number): Promise<void> {
    return this.fenced((c) => this.steps.markUnknown(c, { id: messageId, sequence }, detail, at));
  }

  async slottedParts(iccid: string): Promise<SlottedPart[]> {
    return (await this.db.query<SlottedPartRow>(SLOTTED, [iccid])).rows.map(slottedPartFromRow);
  }

  markPartFailed(
    messageId: string,
    sequence: number,
    failure: PartFailure,
    at: number,
  ): Promise<void> {
    const key = { id: messageId, sequence };
    return this.fenced((c) => this.steps.markFailed(c, key, failure, at));
  }

  release(messageId: string, at: number): Promise<void> {
    return this.fenced((c) => this.steps.release(c, messageId, at));
  }

  /** Any host may expire a message; hosts sweeping at once expire each one once. */
  expireDue(at: number): Promise<string[]> {
    return this.db.transaction((c) => this.steps.expire(c, at, EXPIRED_ERROR));
  }

  requeueInterrupted(at: number, guarantee: DeliveryGuarantee): Promise<InterruptedParts> {
    return this.fenced((c) => this.steps.requeueInterrupted(c, this.hostId, at, guarantee));
  }

  async sendTimes(iccid: string, since: number): Promise<number[]> {
    const rows = await this.db.query<{ at: number }>(q.SEND_TIMES, [iccid, since]);
    return rows.rows.map((row) => row.at);
  }

  async simsOffLimits(): Promise<{ rented: ReadonlySet<string>; disabled: ReadonlySet<string> }> {
    return offLimitsFromRows(
      (await this.db.query<{ iccid: string; rented: number }>(q.OFF_LIMITS)).rows,
    );
  }

  async getMessage(id: string): Promise<OutboundMessageRow | undefined> {
    const row = (await this.db.query<OutboundMessageTableRow>(q.MESSAGE, [id])).rows[0];
    return row ? outboundMessageFromRow(row) : undefined;
  }

  /** The parts of a message in sequence order (not part of the pool's port). */
  async getParts(id: string): Promise<OutboundPartRow[]> {
    return (await this.db.query<OutboundPartTableRow>(q.PARTS, [id])).rows.map(outboundPartFromRow);
  }

  /** A transaction written on behalf of this host's modems: refused once its epoch is stale. */
  private fenced<T>(work: (c: PostgresClient) => Promise<T>): Promise<T> {
    return this.db.transaction(async (c) => {
      await this.fencing.check(c);
      return work(c);
    });
  }

  /** One step of `applySendSteps`, inside its savepoint. */
  private async applyStep(
    c: PostgresClient,
    step: SendStep,
  ): Promise<OutboundPartToSend | undefined> {
    switch (step.kind) {
      case 'claimPart':
        return this.steps.claim(c, step.messageId, step.iccid, step.at);
      case 'markPartSent':
        await this.steps.markSent(c, keyOf(step), step.iccid, step.messageReference, step.at);
        return undefined;
      case 'recordStoredSlot':
        await this.steps.recordSlot(c, keyOf(step), step.slot);
        return undefined;
      case 'recordDirectSend':
        await this.steps.setDirect(c, keyOf(step));
        return undefined;
      case 'clearSlot':
        await this.steps.clearSlot(c, keyOf(step), step.slot);
        return undefined;
      case 'markPartUnknown':
        await this.steps.markUnknown(c, keyOf(step), step.detail, step.at);
        return undefined;
      case 'markPartFailed':
        await this.steps.markFailed(c, keyOf(step), step.failure, step.at);
        return undefined;
      case 'release':
        await this.steps.release(c, step.messageId, step.at);
        return undefined;
    }
  }
}

function keyOf(step: { readonly messageId: string; readonly sequence: number }): PartKey {
  return { id: step.messageId, sequence: step.sequence };
}

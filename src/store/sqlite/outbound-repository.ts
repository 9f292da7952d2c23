import type Database from 'better-sqlite3';
import { SimpoolError } from '../../shared/index.js';
import {
  URGENT_PRIORITY,
  type DeliveryGuarantee,
  type InterruptedParts,
  type NewOutboundMessage,
  type PartSlot,
  type SlottedPart,
  type OutboundMessageRow,
  type OutboundPartToSend,
  type OutboundRepository,
  type PartFailure,
  type RoutableMessage,
  type SendStep,
  type SendStepOutcome,
} from '../../pool/index.js';
import {
  EXPIRED_ERROR,
  INTERRUPTED_DETAIL,
  INTERRUPTED_UNKNOWN_DETAIL,
  failureKind,
  interruptedOutcome,
  offLimitsFromRows,
  retrySchedule,
  sendFailedError,
  sentDetail,
  type MessageError,
} from '../common/outbound-decisions.js';
import {
  outboundMessageFromRow,
  outboundPartFromRow,
  partToSendFromRow,
  routableFromRow,
  slottedPartFromRow,
  type OutboundPartRow,
  type OutboundPartTableRow,
} from '../common/outbound-rows.js';
import type { SqliteDatabase } from './database.js';
import { OutboundEvents } from './outbound-events.js';
import { prepareOutboundStatements, type OutboundStatements } from './outbound-statements.js';
import { prepareSlotStatements, type SlotStatements } from './outbound-slot-statements.js';
import type { OutboxWriter } from './outbox-writer.js';
import { settled } from './settled.js';

type PartKey = { id: string; sequence: number };
type Tx<A extends unknown[], R> = Database.Transaction<(...args: A) => R>;

/**
 * Outbound SMS in SQLite. A part is claimed for one SIM (and committed) before it is handed to
 * the modem, and all parts of a message go out through the SIM that claimed the first one (the
 * recipient sees one sender). Every change writes its history row, and the changes the
 * Messaging API publishes their outbox event, in the same transaction. Each call does its work
 * synchronously when made (settled.ts); `applySendSteps` nests the steps' transactions as
 * savepoints of one, so many SIMs' writes share one commit and one fsync.
 */
export class SqliteOutboundRepository implements OutboundRepository {
  private readonly s: OutboundStatements;
  private readonly slots: SlotStatements;
  private readonly events: OutboundEvents;
  private readonly enqueueTx: Tx<[NewOutboundMessage], void>;
  private readonly claimTx: Tx<[string, string, number], OutboundPartToSend | undefined>;
  private readonly sentTx: Tx<[PartKey, string, number | null, number], void>;
  private readonly slotTx: Tx<[PartKey, PartSlot], void>;
  private readonly unknownTx: Tx<[PartKey, string, number], void>;
  private readonly failedTx: Tx<[PartKey, PartFailure, number], void>;
  private readonly releaseTx: Tx<[string, number], void>;
  private readonly expireTx: Tx<[number], string[]>;
  private readonly requeueTx: Tx<[number, DeliveryGuarantee], InterruptedParts>;
  private readonly stepsTx: Tx<[readonly SendStep[]], SendStepOutcome[]>;

  constructor(
    db: SqliteDatabase,
    outbox: OutboxWriter,
    options: {
      /** This host's id: start-up recovery touches only the parts of its SIMs. Default ''. */
      readonly hostId?: string;
    } = {},
  ) {
    const hostId = options.hostId ?? '';
    // The steps' own transactions run as savepoints of this one: one commit, one fsync.
    this.stepsTx = db.transaction((steps: readonly SendStep[]) =>
      steps.map((step): SendStepOutcome => {
        try {
          const part = this.applyStep(step);
          return part === undefined ? { ok: true } : { ok: true, part };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
    const s = prepareOutboundStatements(db);
    this.s = s;
    const slots = prepareSlotStatements(db);
    this.slots = slots;
    const events = new OutboundEvents(db, outbox);
    this.events = events;
    this.enqueueTx = db.transaction((message: NewOutboundMessage) => {
      if (message.parts.length === 0) {
        throw new SimpoolError('invalid_argument', `outbound message ${message.id} has no parts`);
      }
      if (s.messageExists.get(message.id)) {
        throw new SimpoolError('invalid_argument', `outbound message ${message.id} exists`);
      }
      const at = message.createdAt;
      s.insertMessage.run({
        ...message,
        parts: message.parts.length,
        deliveryReport: message.deliveryReport ? 1 : 0,
        at,
      });
      message.parts.forEach((part, index) => {
        s.insertPart.run({
          id: message.id,
          sequence: index + 1,
          pdu: part.pduHex,
          length: part.tpduLength,
          at,
        });
      });
      events.record(message.id, null, 'queued', at, { iccid: message.iccid });
    });
    this.claimTx = db.transaction((id: string, iccid: string, at: number) => {
      const message = s.message.get(id);
      if (!message || (message.status !== 'queued' && message.status !== 'sending')) return;
      if (message.sender_iccid !== null && message.sender_iccid !== iccid) return;
      // Past valid_until only a message with nothing sent yet stops (it will expire).
      const expired = message.valid_until !== null && message.valid_until <= at;
      if (expired && s.anyPartSent.get(id) === undefined) return;
      if (s.partInFlight.get(id)) return;
      const row = s.nextPart.get({ id, at });
      if (!row) return;
      s.claimPart.run({ id, sequence: row.sequence, iccid, at });
      events.record(id, row.sequence, 'sending', at, { iccid });
      if (message.status === 'queued') {
        s.claimMessage.run({ id, iccid, at });
        events.record(id, null, 'sending', at, { iccid });
      }
      return partToSendFromRow(row);
    });
    this.sentTx = db.transaction((key: PartKey, iccid: string, mr: number | null, at: number) => {
      const part = this.requirePart(key);
      if (part.status === 'sent' && part.message_reference === mr) return;
      s.partSent.run({ ...key, iccid, mr, at });
      events.record(key.id, key.sequence, 'sent', at, { iccid, detail: sentDetail(mr) });
      if (s.messageSentIfAllSent.run({ id: key.id, at }).changes > 0) {
        events.publish('message.sent', key.id, at);
      }
    });
    this.failedTx = db.transaction((key: PartKey, failure: PartFailure, at: number) => {
      const part = this.requirePart(key);
      const message = s.message.get(key.id);
      const cms = failure.cmsError;
      const kind = failureKind(part.status, message?.status, failure);
      if (kind === 'ignore') return;
      if (kind === 'failPart' || kind === 'failMessage') {
        s.partFailed.run({ ...key, cms, detail: failure.detail });
        events.record(key.id, key.sequence, 'failed', at, { detail: failure.detail });
        if (kind === 'failMessage') this.endMessage(key.id, 'failed', sendFailedError(failure), at);
        return;
      }
      const claimedBy = part.sim_iccid;
      const retry = retrySchedule(failure, at, {
        anySent: s.anyPartSent.get(key.id) !== undefined,
        pinned: (message?.sim_iccid ?? null) !== null,
        claimedBy,
      });
      s.partRetry.run({ ...key, cms, detail: failure.detail, retryAt: retry.nextAttemptAt });
      events.record(key.id, key.sequence, 'queued', at, {
        iccid: claimedBy,
        detail: failure.detail,
      });
      this.releaseMessage(key.id, at, retry.avoid);
    });
    this.releaseTx = db.transaction((id: string, at: number) => {
      if (!s.partInFlight.get(id)) this.releaseMessage(id, at, null);
    });
    this.expireTx = db.transaction((at: number) => {
      const ids = s.expiring.all(at);
      for (const id of ids) {
        this.endMessage(id, 'expired', EXPIRED_ERROR, at);
      }
      return ids;
    });
    this.slotTx = db.transaction((key: PartKey, slot: PartSlot) => {
      const part = this.requirePart(key);
      if (part.status !== 'sending' || part.sim_iccid === null) return;
      slots.dropReusedSlot.run({ ...key, ...slot, iccid: part.sim_iccid });
      slots.setSlot.run({ ...key, ...slot });
    });
    this.unknownTx = db.transaction((key: PartKey, detail: string, at: number) => {
      const part = this.requirePart(key);
      if (part.status !== 'sending') return;
      slots.partUnknown.run({ ...key, detail });
      events.record(key.id, key.sequence, 'unknown', at, { iccid: part.sim_iccid, detail });
      s.cancelQueuedParts.run({ id: key.id, detail: 'message unknown' });
      if (slots.messageUnknown.run({ id: key.id, detail, at }).changes > 0) {
        events.publish('message.unknown', key.id, at);
      }
    });
    this.requeueTx = db.transaction((at: number, guarantee: DeliveryGuarantee) => {
      const ids = s.interrupted.all(hostId);
      let requeued = 0;
      let unknown = 0;
      let awaitingSlot = 0;
      for (const part of slots.interruptedParts.all(hostId)) {
        const key = { id: part.message_id, sequence: part.sequence };
        const outcome = interruptedOutcome(part, guarantee);
        if (outcome === 'awaitingSlot') {
          awaitingSlot++;
        } else if (outcome === 'requeue') {
          slots.requeuePart.run({ ...key, at });
          events.record(key.id, key.sequence, 'queued', at, { detail: INTERRUPTED_DETAIL });
          requeued++;
        } else {
          this.unknownTx(key, INTERRUPTED_UNKNOWN_DETAIL, at);
          unknown++;
        }
      }
      for (const id of ids) if (!s.partInFlight.get(id)) this.releaseMessage(id, at, null);
      return { requeued, unknown, awaitingSlot };
    });
  }

  enqueue(message: NewOutboundMessage): Promise<void> {
    return settled(() => this.enqueueTx.immediate(message));
  }

  /** `enqueue` inside the caller's transaction, as a savepoint: throws, never rejects. */
  enqueueWithin(message: NewOutboundMessage): void {
    this.enqueueTx(message);
  }

  applySendSteps(steps: readonly SendStep[]): Promise<SendStepOutcome[]> {
    // IMMEDIATE: the write lock up front, so no step can meet BUSY half-way through the batch.
    return settled(() => (steps.length === 0 ? [] : this.stepsTx.immediate(steps)));
  }

  listRoutable(
    at: number,
    limit: number,
    senders: { readonly ready: readonly string[]; readonly urgentReady: readonly string[] },
  ): Promise<RoutableMessage[]> {
    return settled(() =>
      this.s.routable
        .all({
          at,
          limit,
          ready: JSON.stringify(senders.ready),
          urgentReady: JSON.stringify(senders.urgentReady),
          urgent: URGENT_PRIORITY,
        })
        .map(routableFromRow),
    );
  }

  hasClaimable(at: number): Promise<boolean> {
    return settled(() => this.s.anyDue.get(at) !== undefined);
  }

  claimPart(messageId: string, iccid: string, at: number): Promise<OutboundPartToSend | undefined> {
    return settled(() => this.claimTx.immediate(messageId, iccid, at));
  }

  markPartSent(
    messageId: string,
    sequence: number,
    iccid: string,
    messageReference: number | null,
    at: number,
  ): Promise<void> {
    return settled(() =>
      this.sentTx.immediate({ id: messageId, sequence }, iccid, messageReference, at),
    );
  }

  recordStoredSlot(messageId: string, sequence: number, slot: PartSlot): Promise<void> {
    return settled(() => this.slotTx.immediate({ id: messageId, sequence }, slot));
  }

  recordDirectSend(messageId: string, sequence: number): Promise<void> {
    return settled(() => this.setDirect({ id: messageId, sequence }));
  }

  clearSlot(messageId: string, sequence: number, slot: PartSlot): Promise<void> {
    return settled(() => this.clearSlotNow({ id: messageId, sequence }, slot));
  }

  markPartUnknown(messageId: string, sequence: number, detail: string, at: number): Promise<void> {
    return settled(() => this.unknownTx.immediate({ id: messageId, sequence }, detail, at));
  }

  slottedParts(iccid: string): Promise<SlottedPart[]> {
    return settled(() => this.slots.slotted.all(iccid).map(slottedPartFromRow));
  }

  markPartFailed(
    messageId: string,
    sequence: number,
    failure: PartFailure,
    at: number,
  ): Promise<void> {
    return settled(() => this.failedTx.immediate({ id: messageId, sequence }, failure, at));
  }

  release(messageId: string, at: number): Promise<void> {
    return settled(() => this.releaseTx.immediate(messageId, at));
  }

  expireDue(at: number): Promise<string[]> {
    return settled(() => this.expireTx.immediate(at));
  }

  requeueInterrupted(at: number, guarantee: DeliveryGuarantee): Promise<InterruptedParts> {
    return settled(() => this.requeueTx.immediate(at, guarantee));
  }

  sendTimes(iccid: string, since: number): Promise<number[]> {
    return settled(() => this.s.sendTimes.all(iccid, since));
  }

  simsOffLimits(): Promise<{ rented: ReadonlySet<string>; disabled: ReadonlySet<string> }> {
    return settled(() => offLimitsFromRows(this.s.offLimits.all()));
  }

  getMessage(id: string): Promise<OutboundMessageRow | undefined> {
    return settled(() => {
      const row = this.s.message.get(id);
      return row ? outboundMessageFromRow(row) : undefined;
    });
  }

  /** The parts of a message in sequence order (not part of the pool's port). */
  getParts(id: string): OutboundPartRow[] {
    return this.s.parts.all(id).map(outboundPartFromRow);
  }

  /** One step of `applySendSteps`, inside its transaction (the step's own ones nest). */
  private applyStep(step: SendStep): OutboundPartToSend | undefined {
    switch (step.kind) {
      case 'claimPart':
        return this.claimTx(step.messageId, step.iccid, step.at);
      case 'markPartSent': {
        const key = { id: step.messageId, sequence: step.sequence };
        this.sentTx(key, step.iccid, step.messageReference, step.at);
        return undefined;
      }
      case 'recordStoredSlot':
        this.slotTx({ id: step.messageId, sequence: step.sequence }, step.slot);
        return undefined;
      case 'recordDirectSend':
        this.setDirect({ id: step.messageId, sequence: step.sequence });
        return undefined;
      case 'clearSlot':
        this.clearSlotNow({ id: step.messageId, sequence: step.sequence }, step.slot);
        return undefined;
      case 'markPartUnknown':
        this.unknownTx({ id: step.messageId, sequence: step.sequence }, step.detail, step.at);
        return undefined;
      case 'markPartFailed':
        this.failedTx({ id: step.messageId, sequence: step.sequence }, step.failure, step.at);
        return undefined;
      case 'release':
        this.releaseTx(step.messageId, step.at);
        return undefined;
    }
  }

  private setDirect(key: PartKey): void {
    this.slots.setDirect.run(key);
  }

  private clearSlotNow(key: PartKey, slot: PartSlot): void {
    this.slots.clearSlot.run({ ...key, ...slot });
  }

  /** Back in the queue; its SIM kept when some of it went out already. */
  private releaseMessage(
    id: string,
    at: number,
    avoid: { iccid: string | null; until: number } | null,
  ): void {
    const keepSender = this.s.anyPartSent.get(id) !== undefined ? 1 : 0;
    const changed = this.s.release.run({
      id,
      keepSender,
      avoid: avoid?.iccid ?? null,
      avoidUntil: avoid?.until ?? null,
      at,
    }).changes;
    if (changed > 0) this.events.record(id, null, 'queued', at);
  }

  /** Failed or expired: the parts not yet out will never go. */
  private endMessage(
    id: string,
    status: 'failed' | 'expired',
    error: MessageError,
    at: number,
  ): void {
    this.s.cancelQueuedParts.run({ id, detail: `message ${status}` });
    const changed = this.s.messageFailed.run({ id, status, ...error, at }).changes;
    if (changed > 0) this.events.publish('message.failed', id, at);
  }

  private requirePart(key: PartKey): OutboundPartTableRow {
    const part = this.s.part.get(key.id, key.sequence);
    if (!part) {
      throw new SimpoolError('not_found', `no outbound part ${key.id}#${key.sequence}`, {
        details: { messageId: key.id, sequence: key.sequence },
      });
    }
    return part;
  }
}

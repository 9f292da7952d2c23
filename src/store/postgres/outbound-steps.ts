/**
 * The outbound queue's writes on PostgreSQL, each inside the caller's transaction (a method of
 * PostgresOutboundRepository, or one step of `applySendSteps` in its savepoint). They decide as
 * the SQLite queue does (src/store/sqlite/outbound-repository.ts; the decisions themselves are
 * in src/store/common/outbound-decisions.ts), after locking the message's row: see the lock
 * order in outbound-statements.ts.
 */
import { SimpoolError } from '../../shared/index.js';
import type {
  DeliveryGuarantee,
  InterruptedParts,
  NewOutboundMessage,
  OutboundPartToSend,
  PartFailure,
  PartSlot,
} from '../../pool/index.js';
import {
  INTERRUPTED_DETAIL,
  INTERRUPTED_UNKNOWN_DETAIL,
  failureKind,
  interruptedOutcome,
  retrySchedule,
  sendFailedError,
  sentDetail,
  type MessageError,
} from '../common/outbound-decisions.js';
import {
  partToSendFromRow,
  type InterruptedPartRow,
  type OutboundMessageTableRow,
  type OutboundPartTableRow,
} from '../common/outbound-rows.js';
import { notify } from './listener.js';
import type { PostgresOutboundEvents } from './outbound-events.js';
import * as q from './outbound-statements.js';
import * as slots from './outbound-slot-statements.js';
import type { PostgresClient } from './transaction.js';

export type PartKey = { readonly id: string; readonly sequence: number };

/** Heard by every host's `onQueued` (outbound-wakeups.ts): work any host may take is queued. */
export const OUTBOUND_QUEUED_CHANNEL = 'simpool_outbound';

interface ClaimFacts {
  readonly any_sent: boolean;
  readonly in_flight: boolean;
  readonly sequence: number | null;
  readonly pdu: string | null;
  readonly tpdu_length: number | null;
  readonly attempts: number | null;
}

export class PostgresOutboundSteps {
  constructor(private readonly events: PostgresOutboundEvents) {}

  /** Tells every listening host, at commit, that queued work may be waiting for a SIM. */
  async wakeSenders(c: PostgresClient): Promise<void> {
    // One payload for all: PostgreSQL folds a transaction's identical notifications into one.
    await notify(c, OUTBOUND_QUEUED_CHANNEL);
  }

  /** The message and its parts, queued; every host's router is told at commit. */
  async enqueue(c: PostgresClient, message: NewOutboundMessage): Promise<void> {
    const at = message.createdAt;
    const inserted = await c.query(q.INSERT_MESSAGE, [
      message.id,
      message.iccid,
      message.to,
      message.toCountry,
      message.body,
      message.parts.length,
      message.priority,
      message.deliveryReport ? 1 : 0,
      message.validUntil,
      message.customerId,
      message.apiKeyId,
      at,
    ]);
    if (inserted.rowCount !== 1) {
      throw new SimpoolError('invalid_argument', `outbound message ${message.id} exists`);
    }
    await c.query(q.INSERT_PARTS, [
      message.id,
      message.parts.map((p) => p.pduHex),
      message.parts.map((p) => p.tpduLength),
      at,
    ]);
    await this.events.record(c, message.id, null, 'queued', at, { iccid: message.iccid });
    await this.wakeSenders(c);
  }

  async claim(
    c: PostgresClient,
    id: string,
    iccid: string,
    at: number,
  ): Promise<OutboundPartToSend | undefined> {
    // Locked first: a second SIM claiming the same message waits here, then sees it bound.
    const message = await this.lockMessage(c, id);
    if (!message || (message.status !== 'queued' && message.status !== 'sending')) return;
    if (message.sender_iccid !== null && message.sender_iccid !== iccid) return;
    const facts = (await c.query<ClaimFacts>(q.CLAIM_FACTS, [id, at])).rows[0];
    if (!facts) return;
    // Past valid_until only a message with nothing sent yet stops (it will expire).
    const expired = message.valid_until !== null && message.valid_until <= at;
    if (expired && !facts.any_sent) return;
    if (facts.in_flight || facts.sequence === null) return;
    const claim = await c.query<{ claimed: boolean }>(q.CLAIM, [id, facts.sequence, iccid, at]);
    if (!claim.rows[0]?.claimed) return;
    return partToSendFromRow({
      message_id: id,
      sequence: facts.sequence,
      pdu: facts.pdu ?? '',
      tpdu_length: facts.tpdu_length ?? 0,
      attempts: facts.attempts ?? 0,
      part_count: message.part_count,
      to_number: message.to_number,
    });
  }

  async markSent(
    c: PostgresClient,
    key: PartKey,
    iccid: string,
    mr: number | null,
    at: number,
  ): Promise<void> {
    await this.lockMessage(c, key.id);
    const part = await this.requirePart(c, key);
    if (part.status === 'sent' && part.message_reference === mr) return;
    await c.query(q.PART_SENT, [key.id, key.sequence, iccid, mr, at, sentDetail(mr)]);
    if ((await c.query(q.MESSAGE_SENT_IF_ALL_SENT, [key.id, at])).rowCount) {
      await this.events.publish(c, 'message.sent', key.id, at);
    }
  }

  async markFailed(c: PostgresClient, key: PartKey, failure: PartFailure, at: number) {
    const message = await this.lockMessage(c, key.id);
    const part = await this.requirePart(c, key);
    const cms = failure.cmsError;
    const kind = failureKind(part.status, message?.status, failure);
    if (kind === 'ignore') return;
    if (kind === 'failPart' || kind === 'failMessage') {
      await c.query(q.PART_FAILED, [key.id, key.sequence, cms, failure.detail]);
      await this.events.record(c, key.id, key.sequence, 'failed', at, { detail: failure.detail });
      if (kind === 'failMessage')
        await this.endMessage(c, key.id, 'failed', sendFailedError(failure), at);
      return;
    }
    const claimedBy = part.sim_iccid;
    const retry = retrySchedule(failure, at, {
      anySent: await this.anyPartSent(c, key.id),
      pinned: (message?.sim_iccid ?? null) !== null,
      claimedBy,
    });
    await c.query(q.PART_RETRY, [key.id, key.sequence, cms, failure.detail, retry.nextAttemptAt]);
    await this.events.record(c, key.id, key.sequence, 'queued', at, {
      iccid: claimedBy,
      detail: failure.detail,
    });
    await this.releaseMessage(c, key.id, at, retry.avoid);
  }

  async recordSlot(c: PostgresClient, key: PartKey, slot: PartSlot): Promise<void> {
    await this.lockMessage(c, key.id);
    const part = await this.requirePart(c, key);
    if (part.status !== 'sending' || part.sim_iccid === null) return;
    await c.query(slots.DROP_REUSED_SLOT, [
      key.id,
      key.sequence,
      part.sim_iccid,
      slot.storage,
      slot.index,
    ]);
    await c.query(slots.SET_SLOT, [key.id, key.sequence, slot.storage, slot.index]);
  }

  /** One conditional statement: nothing to decide, so no lock on the message. */
  async setDirect(c: PostgresClient, key: PartKey): Promise<void> {
    await c.query(slots.SET_DIRECT, [key.id, key.sequence]);
  }

  /** One conditional statement: nothing to decide, so no lock on the message. */
  async clearSlot(c: PostgresClient, key: PartKey, slot: PartSlot): Promise<void> {
    await c.query(slots.CLEAR_SLOT, [key.id, key.sequence, slot.storage, slot.index]);
  }

  async markUnknown(c: PostgresClient, key: PartKey, detail: string, at: number): Promise<void> {
    await this.lockMessage(c, key.id);
    const part = await this.requirePart(c, key);
    if (part.status !== 'sending') return;
    await c.query(slots.PART_UNKNOWN, [key.id, key.sequence, detail]);
    await this.events.record(c, key.id, key.sequence, 'unknown', at, {
      iccid: part.sim_iccid,
      detail,
    });
    await c.query(q.CANCEL_QUEUED_PARTS, [key.id, 'message unknown']);
    if ((await c.query(slots.MESSAGE_UNKNOWN, [key.id, detail, at])).rowCount) {
      await this.events.publish(c, 'message.unknown', key.id, at);
    }
  }

  async release(c: PostgresClient, id: string, at: number): Promise<void> {
    await this.lockMessage(c, id);
    if (!(await this.partInFlight(c, id))) await this.releaseMessage(c, id, at, null);
  }

  /** The ids of the messages that expired (each locked by this transaction, none by another). */
  async expire(c: PostgresClient, at: number, error: MessageError): Promise<string[]> {
    const expiring = await c.query<{ id: string }>(q.EXPIRING, [at]);
    const ids: string[] = [];
    for (const { id } of expiring.rows) {
      if (await this.endMessage(c, id, 'expired', error, at)) ids.push(id);
    }
    return ids;
  }

  /** Start-up recovery of this host's parts left `sending` (see OutboundRepository). */
  async requeueInterrupted(
    c: PostgresClient,
    hostId: string,
    at: number,
    guarantee: DeliveryGuarantee,
  ): Promise<InterruptedParts> {
    const locked = await c.query<{ id: string; in_flight: boolean }>(q.LOCK_INTERRUPTED, [hostId]);
    const parts = await c.query<InterruptedPartRow>(slots.INTERRUPTED_PARTS, [hostId]);
    let requeued = 0;
    let unknown = 0;
    let awaitingSlot = 0;
    for (const part of parts.rows) {
      const key = { id: part.message_id, sequence: part.sequence };
      const outcome = interruptedOutcome(part, guarantee);
      if (outcome === 'awaitingSlot') {
        awaitingSlot++;
      } else if (outcome === 'requeue') {
        await c.query(slots.REQUEUE_PART, [key.id, key.sequence, at]);
        await this.events.record(c, key.id, key.sequence, 'queued', at, {
          detail: INTERRUPTED_DETAIL,
        });
        requeued++;
      } else {
        await this.markUnknown(c, key, INTERRUPTED_UNKNOWN_DETAIL, at);
        unknown++;
      }
    }
    for (const { id, in_flight } of locked.rows) {
      if (in_flight && !(await this.partInFlight(c, id))) {
        await this.releaseMessage(c, id, at, null);
      }
    }
    return { requeued, unknown, awaitingSlot };
  }

  private async lockMessage(
    c: PostgresClient,
    id: string,
  ): Promise<OutboundMessageTableRow | undefined> {
    return (await c.query<OutboundMessageTableRow>(q.LOCK_MESSAGE, [id])).rows[0];
  }

  private async requirePart(c: PostgresClient, key: PartKey): Promise<OutboundPartTableRow> {
    const part = (await c.query<OutboundPartTableRow>(q.PART, [key.id, key.sequence])).rows[0];
    if (!part) {
      throw new SimpoolError('not_found', `no outbound part ${key.id}#${key.sequence}`, {
        details: { messageId: key.id, sequence: key.sequence },
      });
    }
    return part;
  }

  private async anyPartSent(c: PostgresClient, id: string): Promise<boolean> {
    return ((await c.query(q.ANY_PART_SENT, [id])).rowCount ?? 0) > 0;
  }

  private async partInFlight(c: PostgresClient, id: string): Promise<boolean> {
    return ((await c.query(q.PART_IN_FLIGHT, [id])).rowCount ?? 0) > 0;
  }

  /** Back in the queue (any host may take it: they are told); its SIM kept when some went out. */
  private async releaseMessage(
    c: PostgresClient,
    id: string,
    at: number,
    avoid: { readonly iccid: string | null; readonly until: number } | null,
  ): Promise<void> {
    const keepSender = await this.anyPartSent(c, id);
    const released = await c.query(q.RELEASE, [
      id,
      keepSender,
      avoid?.iccid ?? null,
      avoid?.until ?? null,
      at,
    ]);
    if (!released.rowCount) return;
    await this.events.record(c, id, null, 'queued', at);
    await this.wakeSenders(c);
  }

  /** Failed or expired: the parts not yet out will never go. Whether the message changed. */
  private async endMessage(
    c: PostgresClient,
    id: string,
    status: 'failed' | 'expired',
    error: MessageError,
    at: number,
  ): Promise<boolean> {
    await c.query(q.CANCEL_QUEUED_PARTS, [id, `message ${status}`]);
    const changed = await c.query(q.MESSAGE_FAILED, [
      id,
      status,
      error.code,
      error.cms,
      error.detail,
      at,
    ]);
    if (!changed.rowCount) return false;
    await this.events.publish(c, 'message.failed', id, at);
    return true;
  }
}

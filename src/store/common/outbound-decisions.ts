/**
 * The outbound queue's decisions that do not depend on the engine: what a failure report does to
 * a part, what start-up does with a part left `sending`, and the texts both engines record. The
 * SQL that carries them out is per engine (src/store/{sqlite,postgres}/outbound-repository.ts).
 */
import type { DeliveryGuarantee, PartFailure } from '../../pool/index.js';
import type { InterruptedPartRow, OutboundPartTableRow } from './outbound-rows.js';

/** The error a failed or expired message ends with. */
export interface MessageError {
  readonly code: string;
  readonly cms: number | null;
  readonly detail: string;
}

export const EXPIRED_ERROR: MessageError = {
  code: 'sms_expired',
  cms: null,
  detail: 'valid_until passed before it was sent',
};

export function sendFailedError(failure: PartFailure): MessageError {
  return { code: 'sms_send_failed', cms: failure.cmsError, detail: failure.detail };
}

/** The history detail of a part recorded sent (null: found STO SENT without an answer). */
export function sentDetail(messageReference: number | null): string {
  return messageReference === null
    ? 'found STO SENT in modem storage (TP-MR unknown)'
    : `TP-MR ${messageReference}`;
}

/**
 * What a failure report does:
 * - `ignore`: the part is not being sent (a stale or repeated report);
 * - `failPart`: its message ended meanwhile (a failure report of another part), no retry;
 * - `failMessage`: a permanent error fails the whole message;
 * - `retry`: a temporary one puts the part back in the queue (see retrySchedule).
 */
export function failureKind(
  partStatus: OutboundPartTableRow['status'],
  messageStatus: string | undefined,
  failure: PartFailure,
): 'ignore' | 'failPart' | 'failMessage' | 'retry' {
  if (partStatus !== 'sending') return 'ignore';
  if (messageStatus !== 'queued' && messageStatus !== 'sending') return 'failPart';
  return failure.permanent ? 'failMessage' : 'retry';
}

/** When a part failed temporarily may go again, and which SIM its message should avoid. */
export function retrySchedule(
  failure: PartFailure,
  at: number,
  message: {
    /** Some of its parts went out: it stays with its SIM (the recipient sees one sender). */
    readonly anySent: boolean;
    /** It asked for one SIM: it waits for that SIM. */
    readonly pinned: boolean;
    /** The SIM the part was claimed for. */
    readonly claimedBy: string | null;
  },
): {
  readonly nextAttemptAt: number;
  readonly avoid: { readonly iccid: string | null; readonly until: number } | null;
} {
  const retryAt = failure.retryAt ?? at;
  // A message nobody sent a part of may move to another SIM at once.
  const elsewhere = failure.tryElsewhere === true && !message.anySent && !message.pinned;
  return elsewhere
    ? { nextAttemptAt: at, avoid: { iccid: message.claimedBy, until: retryAt } }
    : { nextAttemptAt: retryAt, avoid: null };
}

export const INTERRUPTED_DETAIL = 'interrupted by a stop';
export const INTERRUPTED_UNKNOWN_DETAIL =
  'sent with AT+CMGS when simpool stopped: may have gone out';

/**
 * What start-up does with a part a stop or crash left `sending`: with a slot in modem storage it
 * waits for its SIM to read the slot; one that never reached the modem's transmitter (no send
 * path) goes back to the queue; one sent with `AT+CMGS` follows the delivery guarantee.
 */
export function interruptedOutcome(
  part: InterruptedPartRow,
  guarantee: DeliveryGuarantee,
): 'awaitingSlot' | 'requeue' | 'unknown' {
  if (part.send_path === 'stored' && part.slot_index !== null) return 'awaitingSlot';
  if (part.send_path === null || guarantee === 'at-least-once') return 'requeue';
  return 'unknown';
}

/** simsOffLimits' answer from its rows (`rented` 1: in an open order; 0: disabled). */
export function offLimitsFromRows(rows: readonly { iccid: string; rented: number }[]): {
  rented: ReadonlySet<string>;
  disabled: ReadonlySet<string>;
} {
  const rented = new Set<string>();
  const disabled = new Set<string>();
  for (const row of rows) (row.rented ? rented : disabled).add(row.iccid);
  return { rented, disabled };
}

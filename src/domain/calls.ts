/**
 * Incoming voice calls as data: every call a SIM gets is recorded; an open order on that SIM
 * receives it, and for services that verify by a missed call ("flash call") the code is the
 * last digits of the caller's number.
 */
import type { Order } from './order-types.js';

/** How a call ended: hung up by us (policy `reject`), by the caller, or ringing stopped. */
export type CallEndReason = 'rejected' | 'caller_hung_up' | 'unknown';

/** A call as the modem layer reported it, on its way into the store. */
export interface IncomingCallRecord {
  readonly iccid: string;
  readonly imei: string | null;
  /** Caller id (`+CLIP`), null when withheld or not provided. */
  readonly caller: string | null;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly rings: number;
  readonly end: CallEndReason;
}

/** A call as an order shows it. */
export interface OrderCall {
  readonly id: number;
  readonly caller: string | null;
  /** The caller's last digits, for services that verify by a missed call; else null. */
  readonly code: string | null;
  readonly rings: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

export type CallMatchResult =
  | {
      readonly kind: 'matched';
      readonly callId: number;
      readonly order: Order;
      readonly code: string | null;
    }
  | { readonly kind: 'duplicate' }
  | {
      readonly kind: 'unmatched';
      readonly callId: number;
      readonly reason: 'no_open_order' | 'sent_before_assignment';
    };

/** Digit counts a service may read from a caller's number. */
export const CALL_CODE_DIGITS = { min: 1, max: 12 } as const;

/**
 * The code a missed-call verification carries: the last `digits` digits of the caller's number.
 * Null when the service does not verify by call, the caller id is missing, or it is too short.
 */
export function callCode(caller: string | null, digits: number | null): string | null {
  if (digits === null || caller === null) return null;
  const all = caller.replace(/\D/g, '');
  return all.length >= digits ? all.slice(-digits) : null;
}

/** An order "has its code" once an SMS or a coded call arrived (it is then sold, not refunded). */
export function hasDelivery(order: Order): boolean {
  return order.smsCount > 0 || order.lastCode !== null;
}

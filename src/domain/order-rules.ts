/**
 * The order rules as pure functions: given rows and the time, what may happen and with what
 * effect. The store runs them inside its transaction and writes the effects; nothing here does
 * I/O, so every rule is tested without a database.
 */
import { hasDelivery } from './calls.js';
import type { Service } from './catalog.js';
import type { Refusal } from './refusals.js';
import { isOpenStatus, type Order } from './order-types.js';

export interface OrderRulesConfig {
  /** A SIM cancelled this many times for a service is no longer offered for it. */
  readonly maxCancelsPerService: number;
  /** Minimum time between the end of one rental of a SIM and the start of the next. */
  readonly cooldownMs: number;
  /** Open orders per key when the key has no limit of its own (legacy CHANNELS_LIMIT). */
  readonly defaultMaxOpenOrders: number;
  /**
   * How far a service-centre timestamp may lag our clock. An SMS sent more than this before the
   * current number was assigned belongs to an earlier rental and is never attached.
   */
  readonly smsClockSkewMs: number;
  /** Live (non-sandbox) orders may get SIMs of simulated modems: the demo appliance. */
  readonly liveOnSimulated: boolean;
  /** How long after a sandbox purchase, retry or swap its synthetic SMS is injected. */
  readonly sandboxSmsDelayMs: number;
}

export const DEFAULT_ORDER_RULES: OrderRulesConfig = {
  maxCancelsPerService: 3,
  cooldownMs: 0,
  defaultMaxOpenOrders: 20,
  smsClockSkewMs: 60_000,
  liveOnSimulated: false,
  sandboxSmsDelayMs: 3_000,
};

export interface OrderTimers {
  readonly holdUntil: number;
  readonly expiresAt: number;
}

/** Hold and lifetime both start when a number is assigned (at purchase and again at a swap). */
export function orderTimers(now: number, service: Service): OrderTimers {
  return {
    holdUntil: now + service.holdSeconds * 1000,
    expiresAt: now + service.lifetimeSeconds * 1000,
  };
}

export interface PurchaseFacts {
  readonly now: number;
  readonly bannedUntil: number | null;
  readonly priceUnits: number;
  readonly maxPriceUnits: number | undefined;
  readonly openOrdersOfKey: number;
  readonly keyLimit: number;
  readonly balanceUnits: number;
}

/** Checks after the service and country were found; allocation comes after these. */
export function decidePurchase(facts: PurchaseFacts): Refusal | null {
  if (facts.bannedUntil !== null && facts.bannedUntil > facts.now) {
    return { code: 'key_banned', until: facts.bannedUntil };
  }
  if (facts.maxPriceUnits !== undefined && facts.priceUnits > facts.maxPriceUnits) {
    return { code: 'max_price_exceeded', priceUnits: facts.priceUnits };
  }
  if (facts.openOrdersOfKey >= facts.keyLimit) {
    return { code: 'channels_limit', limit: facts.keyLimit };
  }
  if (facts.balanceUnits < facts.priceUnits) {
    return {
      code: 'insufficient_balance',
      requiredUnits: facts.priceUnits,
      currentUnits: facts.balanceUnits,
    };
  }
  return null;
}

function holdRefusal(order: Order, now: number): Refusal | null {
  if (order.status !== 'waiting') return { code: 'bad_status', status: order.status };
  if (now < order.holdUntil) {
    return { code: 'too_early', secondsRemaining: Math.ceil((order.holdUntil - now) / 1000) };
  }
  return null;
}

/** Cancel: only without an SMS (status waiting) and after the hold; the price is refunded. */
export function decideCancel(
  order: Order,
  now: number,
):
  | { readonly ok: true; readonly refundUnits: number }
  | { readonly ok: false; readonly refusal: Refusal } {
  const refusal = holdRefusal(order, now);
  return refusal ? { ok: false, refusal } : { ok: true, refundUnits: order.priceUnits };
}

/** Swap: the same conditions as cancel; the store then looks for a replacement SIM. */
export function decideSwap(order: Order, now: number): Refusal | null {
  return holdRefusal(order, now);
}

/**
 * Retry (legacy setStatus 3): after a code, wait for another one. Allowed again while already
 * in retry (clients repeat the call), refused before any SMS: there is nothing to retry.
 */
export function decideRetry(order: Order): Refusal | null {
  return order.status === 'received' || order.status === 'retry'
    ? null
    : { code: 'bad_status', status: order.status };
}

/** Finish (legacy setStatus 6): only once a code arrived. */
export function decideFinish(order: Order): Refusal | null {
  return order.status === 'received' || order.status === 'retry'
    ? null
    : { code: 'bad_status', status: order.status };
}

export type ExpiryDecision =
  | { readonly due: false }
  | { readonly due: true; readonly outcome: 'expired'; readonly refundUnits: number }
  | { readonly due: true; readonly outcome: 'finished' };

/** At expires_at an open order closes: refunded when no code came (SMS or call), else finished. */
export function decideExpiry(order: Order, now: number): ExpiryDecision {
  if (!isOpenStatus(order.status) || order.expiresAt > now) return { due: false };
  return !hasDelivery(order)
    ? { due: true, outcome: 'expired', refundUnits: order.priceUnits }
    : { due: true, outcome: 'finished' };
}

export type SmsDecision =
  | { readonly attach: false; readonly reason: 'no_open_order' | 'sent_before_assignment' }
  | { readonly attach: true; readonly firstSms: boolean };

/**
 * Whether an SMS on the order's SIM belongs to it: sent (service-centre time) no earlier than
 * the number's assignment minus the allowed clock skew. A delayed SMS meant for the previous
 * renter of the SIM is therefore kept as a plain inbound message, never shown to the next one.
 */
export function decideSms(
  order: Order,
  sentAt: number,
  rules: Pick<OrderRulesConfig, 'smsClockSkewMs'>,
): SmsDecision {
  if (!isOpenStatus(order.status)) return { attach: false, reason: 'no_open_order' };
  if (sentAt < order.numberAssignedAt - rules.smsClockSkewMs) {
    return { attach: false, reason: 'sent_before_assignment' };
  }
  // A coded call may have sold the number before the first SMS.
  return { attach: true, firstSms: !hasDelivery(order) };
}

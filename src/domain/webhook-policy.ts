/**
 * What one delivery attempt's outcome means: retry when, give up, disable or pause the endpoint.
 * Pure, so the schedule is unit-tested without a network or a clock.
 */
import type { AttemptRecord, ClaimedDelivery } from './webhook-types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Delays after the 1st, 2nd, … failed attempt; after the last one the delivery is failed. */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  MINUTE,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  12 * HOUR,
];
/** The first attempt plus one per retry. */
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length + 1;
/** Consecutive failed attempts after which the endpoint is paused. */
export const PAUSE_AFTER_FAILURES = 20;
/** Retry-After is honoured within these bounds: a receiver cannot make us hammer it or wait a
 * week (the delivery would outlive its usefulness). */
export const RETRY_AFTER_MIN_MS = 1_000;
export const RETRY_AFTER_MAX_MS = 12 * HOUR;
export const DELIVERY_TIMEOUT_MS = 10_000;
export const RESPONSE_BODY_LIMIT = 1024;

/** Delay before the next attempt after `attemptsMade` failed ones; null = give up. */
export function retryDelay(attemptsMade: number): number | null {
  if (attemptsMade < 1) return 0;
  return RETRY_SCHEDULE_MS[attemptsMade - 1] ?? null;
}

/** `Retry-After` as ms from now: delta-seconds or an HTTP date; undefined if absent/invalid. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only real dates: Date.parse accepts bare numbers like "-1" or "12", which are not HTTP dates.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** What the worker learnt from one attempt. */
export type AttemptResult =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly body: string;
      readonly retryAfter: string | null;
    }
  | { readonly kind: 'error'; readonly message: string };

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** Turns an attempt's result into the row changes for the delivery and its endpoint. */
export function decideAttempt(
  delivery: ClaimedDelivery,
  result: AttemptResult,
  now: number,
): AttemptRecord {
  const attempt = delivery.attempt + 1;
  const response = result.kind === 'response' ? result : undefined;
  const base = {
    deliveryId: delivery.id,
    endpointId: delivery.endpointId,
    attempt,
    responseStatus: response?.status ?? null,
    responseBody: response ? response.body.slice(0, RESPONSE_BODY_LIMIT) : null,
    now,
  };
  if (response && isSuccess(response.status)) {
    return {
      ...base,
      status: 'succeeded',
      nextAttemptAt: null,
      errorMessage: null,
      deliveredAt: now,
      endpoint: { failureCount: 0, pause: false, disable: false },
    };
  }
  const failureCount = delivery.failureCount + 1;
  const errorMessage =
    result.kind === 'error' ? result.message : `receiver answered HTTP ${result.status}`;
  if (response?.status === 410) {
    return {
      ...base,
      status: 'failed',
      nextAttemptAt: null,
      errorMessage: 'receiver answered 410 Gone: endpoint disabled',
      deliveredAt: null,
      endpoint: { failureCount, pause: false, disable: true },
    };
  }
  const endpoint = { failureCount, pause: failureCount >= PAUSE_AFTER_FAILURES, disable: false };
  const scheduled = retryDelay(attempt);
  if (scheduled === null) {
    return {
      ...base,
      status: 'failed',
      nextAttemptAt: null,
      errorMessage,
      deliveredAt: null,
      endpoint,
    };
  }
  const asked = parseRetryAfter(response?.retryAfter, now);
  const delay =
    asked === undefined
      ? scheduled
      : Math.min(RETRY_AFTER_MAX_MS, Math.max(RETRY_AFTER_MIN_MS, asked));
  return {
    ...base,
    status: 'pending',
    nextAttemptAt: now + delay,
    errorMessage,
    deliveredAt: null,
    endpoint,
  };
}

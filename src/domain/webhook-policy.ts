/**
 * What one delivery attempt's outcome means for the delivery (when to try again) and for its
 * endpoint (failing since when, paused, resumed, disabled). Pure, so the schedule is unit-tested
 * without a network or a clock.
 *
 * An endpoint's deliveries go out one at a time in the order they were created; a failing one
 * stays at the head of the queue and is retried, so a receiver that is down for a while gets its
 * backlog in order once it answers again, and nothing is given up because of an outage. Only
 * failures spanning `pauseAfterMs` with no success pause the endpoint (a short outage, however
 * many attempts it fails, never does); a paused endpoint's oldest delivery is still retried every
 * `probeIntervalMs` as a probe, and the first success resumes it.
 */
import type { AttemptRecord, ClaimedDelivery } from './webhook-types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Delays after the 1st, 2nd, 3rd failed attempt; later ones wait the probe interval. */
export const RETRY_SCHEDULE_MS: readonly number[] = [MINUTE, 5 * MINUTE, 30 * MINUTE];

export interface DeliverySettings {
  /** Failures with no success for this long pause the endpoint (default 24 h). */
  readonly pauseAfterMs: number;
  /** How often a paused endpoint is probed; also the longest wait between retries (30 min). */
  readonly probeIntervalMs: number;
}

export const DEFAULT_DELIVERY_SETTINGS: DeliverySettings = {
  pauseAfterMs: 24 * HOUR,
  probeIntervalMs: 30 * MINUTE,
};

/** Retry-After is honoured within these bounds: a receiver cannot make us hammer it or wait a
 * week (the delivery would outlive its usefulness). */
export const RETRY_AFTER_MIN_MS = 1_000;
export const RETRY_AFTER_MAX_MS = 12 * HOUR;
export const DELIVERY_TIMEOUT_MS = 10_000;
export const RESPONSE_BODY_LIMIT = 1024;

/** Delay before the next attempt after `attemptsMade` failed ones: the schedule, then (and
 * never more than) the probe interval. */
export function retryDelay(
  attemptsMade: number,
  probeIntervalMs = DEFAULT_DELIVERY_SETTINGS.probeIntervalMs,
): number {
  if (attemptsMade < 1) return 0;
  return Math.min(RETRY_SCHEDULE_MS[attemptsMade - 1] ?? Infinity, probeIntervalMs);
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

/** When a failed delivery goes again: a paused endpoint waits for its next probe (a receiver's
 * Retry-After may push it later, never sooner); otherwise Retry-After or the schedule. */
function nextAttemptDelay(
  attempt: number,
  paused: boolean,
  retryAfter: string | null | undefined,
  now: number,
  settings: DeliverySettings,
): number {
  const asked = parseRetryAfter(retryAfter, now);
  const bounded =
    asked === undefined
      ? undefined
      : Math.min(RETRY_AFTER_MAX_MS, Math.max(RETRY_AFTER_MIN_MS, asked));
  if (paused) return Math.max(settings.probeIntervalMs, bounded ?? 0);
  return bounded ?? retryDelay(attempt, settings.probeIntervalMs);
}

/** Turns an attempt's result into the row changes for the delivery and its endpoint. */
export function decideAttempt(
  delivery: ClaimedDelivery,
  result: AttemptResult,
  now: number,
  settings: DeliverySettings = DEFAULT_DELIVERY_SETTINGS,
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
  const endpointAsClaimed = { claimedPaused: delivery.paused, disable: false };
  if (response && isSuccess(response.status)) {
    return {
      ...base,
      status: 'succeeded',
      nextAttemptAt: null,
      errorMessage: null,
      deliveredAt: now,
      endpoint: {
        ...endpointAsClaimed,
        failureCount: 0,
        failingSince: null,
        // Only an endpoint paused by failures is probed, so a paused claim is a probe.
        change: delivery.paused ? 'resume' : null,
      },
    };
  }
  const failureCount = delivery.failureCount + 1;
  const failingSince = delivery.failingSince ?? now;
  if (response?.status === 410) {
    return {
      ...base,
      status: 'failed',
      nextAttemptAt: null,
      errorMessage: 'receiver answered 410 Gone: endpoint disabled',
      deliveredAt: null,
      endpoint: { ...endpointAsClaimed, failureCount, failingSince, change: null, disable: true },
    };
  }
  const pauseNow = !delivery.paused && now - failingSince >= settings.pauseAfterMs;
  const paused = delivery.paused || pauseNow;
  return {
    ...base,
    status: 'pending',
    nextAttemptAt: now + nextAttemptDelay(attempt, paused, response?.retryAfter, now, settings),
    errorMessage:
      result.kind === 'error' ? result.message : `receiver answered HTTP ${result.status}`,
    deliveredAt: null,
    endpoint: {
      ...endpointAsClaimed,
      failureCount,
      failingSince,
      change: pauseNow ? 'pause' : null,
    },
  };
}

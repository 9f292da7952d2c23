/**
 * Row shapes of the webhook tables (migrations 6, 12 and 13), their domain forms, and the SQL
 * that reads the same on both engines (src/store/sqlite/webhook-repository.ts,
 * src/store/postgres/webhook-repository.ts).
 */
import type {
  ClaimedDelivery,
  DeliveryStatus,
  PauseReason,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEventType,
} from '../../domain/index.js';

export const DELIVERY_COLUMNS = `id, endpoint_id, event_id, event_type, attempt, status,
  next_attempt_at, response_status, response_body, error_message, delivered_at, created_at`;

/** What a claimed delivery carries to the worker (HEADS aliases: `d` delivery, `e` endpoint). */
export const CLAIM_COLUMNS = `d.id, d.endpoint_id, d.event_id, d.event_type, d.attempt, d.payload,
  e.url, e.secret, e.failure_count, e.failing_since, e.paused`;

/** Endpoints whose queue may be delivered from: active, and not paused by their owner (one
 * paused by failures is probed: its head is due at the next probe). Alias `e`. */
export const DELIVERABLE_ENDPOINT = `e.active = 1 AND (e.paused = 0 OR e.pause_reason = 'failures')`;

/** The endpoint (alias `e`) has no delivery in flight, on any host. */
export const NOTHING_IN_FLIGHT = `NOT EXISTS (SELECT 1 FROM webhook_deliveries f
                  WHERE f.endpoint_id = e.id AND f.status = 'delivering')`;

/** The queue head of endpoint `e`: its oldest pending delivery (index webhook_deliveries_queue,
 * lowest rowid: creation order), so a retried delivery is never overtaken by a newer one. */
export const QUEUE_HEAD_ROWID = `(SELECT q.rowid FROM webhook_deliveries q
   WHERE q.endpoint_id = e.id AND q.status = 'pending' ORDER BY q.rowid LIMIT 1)`;

/**
 * Each deliverable endpoint's queue head, for endpoints with nothing in flight. One row per
 * endpoint, so a backlog to one receiver cannot fill a batch, and a receiver with one in flight
 * gets nothing more.
 */
export const HEADS = `
FROM webhook_endpoints e
JOIN webhook_deliveries d ON d.rowid = ${QUEUE_HEAD_ROWID}
WHERE ${DELIVERABLE_ENDPOINT}
  AND ${NOTHING_IN_FLIGHT}`;

/**
 * How long a claim is said to hold (`claimed_until`), well past an attempt's timeout
 * (DELIVERY_TIMEOUT_MS). Shown to operators; a claim is only ever taken back by its own host's
 * restart (releaseInFlight) or by the reaper once the host's lease ran out, never by this time
 * alone: a slow live host keeps its delivery, so no endpoint gets two attempts at once.
 */
export const DELIVERY_CLAIM_MS = 60_000;

export interface EndpointRow {
  readonly id: string;
  readonly customer_id: string | null;
  readonly url: string;
  readonly events: string;
  readonly description: string;
  readonly threshold_units: number | null;
  readonly secret: string;
  readonly active: number;
  readonly paused: number;
  readonly paused_at: number | null;
  readonly pause_reason: string | null;
  readonly failure_count: number;
  readonly failing_since: number | null;
  readonly created_at: number;
  readonly updated_at: number;
}

export interface DeliveryRow {
  readonly id: string;
  readonly endpoint_id: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly attempt: number;
  readonly status: string;
  readonly next_attempt_at: number | null;
  readonly response_status: number | null;
  readonly response_body: string | null;
  readonly error_message: string | null;
  readonly delivered_at: number | null;
  readonly created_at: number;
}

export interface ClaimRow {
  readonly id: string;
  readonly endpoint_id: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly attempt: number;
  readonly payload: string;
  readonly url: string;
  readonly secret: string;
  readonly failure_count: number;
  readonly failing_since: number | null;
  readonly paused: number;
}

/** The secret never leaves the store through this shape. */
export function endpointFromRow(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    customerId: row.customer_id,
    url: row.url,
    events: JSON.parse(row.events) as WebhookEventType[],
    description: row.description,
    thresholdUnits: row.threshold_units,
    active: row.active === 1,
    paused: row.paused === 1,
    pausedAt: row.paused_at,
    pauseReason: row.pause_reason as PauseReason | null,
    failureCount: row.failure_count,
    failingSince: row.failing_since,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function deliveryFromRow(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type as WebhookEventType,
    attempt: row.attempt,
    status: row.status as DeliveryStatus,
    nextAttemptAt: row.next_attempt_at,
    responseStatus: row.response_status,
    responseBody: row.response_body,
    errorMessage: row.error_message,
    deliveredAt: row.delivered_at,
    createdAt: row.created_at,
  };
}

export function claimFromRow(row: ClaimRow): ClaimedDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type as WebhookEventType,
    attempt: row.attempt,
    payload: row.payload,
    url: row.url,
    secret: row.secret,
    failureCount: row.failure_count,
    failingSince: row.failing_since,
    paused: row.paused === 1,
  };
}

/** Row shapes of the webhook tables (migrations 6 and 12) and their domain forms. */
import type {
  ClaimedDelivery,
  DeliveryStatus,
  PauseReason,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEventType,
} from '../../domain/index.js';

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

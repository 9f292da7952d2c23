/**
 * A webhook endpoint and one delivery attempt as JSON, with their TypeBox fields: one mapping for
 * the customer routes (/api/v1/customer/webhooks) and the operator's (/api/admin/webhooks).
 */
import { Type } from 'typebox';
import {
  PAUSE_REASONS,
  unitsToUsd,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../domain/index.js';
import { iso } from './present.js';
import { Iso, Nullable, Usd } from './schemas.js';

/** Without `secret` (only the create response carries it) and without the owner. */
export const webhookEndpointFields = {
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Type.String(),
  threshold: Nullable(Usd),
  active: Type.Boolean(),
  paused: Type.Boolean(),
  /** Since when, and why: `failures` (probed, resumes by itself) or `manual` (its owner). */
  paused_at: Nullable(Iso),
  pause_reason: Nullable(Type.Enum([...PAUSE_REASONS])),
  /** Failed attempts since the last success, and since when they have been failing. */
  failure_count: Type.Integer(),
  failing_since: Nullable(Iso),
  created_at: Iso,
  updated_at: Iso,
};

export const webhookDeliveryFields = {
  id: Type.String(),
  event_id: Type.String(),
  event_type: Type.String(),
  attempt: Type.Integer(),
  status: Type.String(),
  response_status: Nullable(Type.Integer()),
  response_body: Nullable(Type.String()),
  scheduled_for: Nullable(Iso),
  delivered_at: Nullable(Iso),
  error_message: Nullable(Type.String()),
  created_at: Iso,
};

export function webhookEndpointObject(e: WebhookEndpoint) {
  return {
    id: e.id,
    url: e.url,
    events: [...e.events],
    description: e.description,
    threshold: e.thresholdUnits === null ? null : unitsToUsd(e.thresholdUnits),
    active: e.active,
    paused: e.paused,
    paused_at: e.pausedAt === null ? null : iso(e.pausedAt),
    pause_reason: e.pauseReason,
    failure_count: e.failureCount,
    failing_since: e.failingSince === null ? null : iso(e.failingSince),
    created_at: iso(e.createdAt),
    updated_at: iso(e.updatedAt),
  };
}

export function webhookDeliveryObject(d: WebhookDelivery) {
  return {
    id: d.id,
    event_id: d.eventId,
    event_type: d.eventType,
    attempt: d.attempt,
    status: d.status,
    response_status: d.responseStatus,
    response_body: d.responseBody,
    scheduled_for: d.nextAttemptAt === null ? null : iso(d.nextAttemptAt),
    delivered_at: d.deliveredAt === null ? null : iso(d.deliveredAt),
    error_message: d.errorMessage,
    created_at: iso(d.createdAt),
  };
}

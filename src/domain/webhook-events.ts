/**
 * From outbox events to webhook deliveries: which endpoints get which event, in which envelope.
 * Pure; the store calls `fanOutEvent` inside the transaction that advances its outbox cursor.
 */
import { ulid } from './ids.js';
import { usdToUnits, unitsToUsd } from './money.js';
import type { DomainEvent } from './order-types.js';
import type {
  AttemptRecord,
  NewDelivery,
  WebhookEndpoint,
  WebhookEventType,
} from './webhook-types.js';

/** Outbox types published unchanged (message.* of the Messaging API too); order.created/order.updated and balance.changed are not
 * webhook events (API.md), balance.changed may yield balance.low. */
const PASS_THROUGH: ReadonlySet<string> = new Set([
  'sms.received',
  'call.received',
  'order.cancelled',
  'order.expired',
  'order.swapped',
  'order.finished',
  'message.received',
  'message.sent',
  'message.delivered',
  'message.failed',
  'message.unknown',
  'webhook.paused',
  'webhook.resumed',
]);

/** Events about one endpoint: told to the owner's other endpoints, not to that one. */
function isAbout(event: DomainEvent, endpoint: WebhookEndpoint): boolean {
  return event.type.startsWith('webhook.') && event.data.endpoint_id === endpoint.id;
}

export function newWebhookEndpointId(now: number): string {
  return `whe_${ulid(now)}`;
}

export function newWebhookDeliveryId(now: number): string {
  return `whd_${ulid(now)}`;
}

export function newWebhookEventId(now: number): string {
  return `evt_${ulid(now)}`;
}

export interface Envelope {
  readonly id: string;
  readonly type: WebhookEventType;
  readonly created_at: string;
  readonly account_id: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

export function envelope(
  id: string,
  type: WebhookEventType,
  createdAt: number,
  accountId: string | null,
  data: Readonly<Record<string, unknown>>,
): string {
  const body: Envelope = {
    id,
    type,
    created_at: new Date(createdAt).toISOString(),
    account_id: accountId,
    data,
  };
  return JSON.stringify(body);
}

/** Whether the endpoint sees this customer's events: its own, or all for admin endpoints. */
function owns(endpoint: WebhookEndpoint, customerId: string | null): boolean {
  return endpoint.customerId === null || endpoint.customerId === customerId;
}

/** balance.low is edge-triggered: only the change that crosses the threshold downwards. Sandbox
 * (play-money) balances never fire it. */
function balanceLow(event: DomainEvent, thresholdUnits: number): Record<string, unknown> | null {
  const data = event.data as { sandbox?: unknown; amount?: unknown; balance?: unknown };
  if (data.sandbox !== false) return null;
  if (typeof data.amount !== 'number' || typeof data.balance !== 'number') return null;
  const after = usdToUnits(data.balance);
  const before = after - usdToUnits(data.amount);
  if (!(before >= thresholdUnits && after < thresholdUnits)) return null;
  return {
    balance: data.balance,
    threshold: unitsToUsd(thresholdUnits),
    transaction_id: event.data.transaction_id ?? null,
  };
}

/**
 * The deliveries one outbox event makes. Endpoints created after the event do not get it (the
 * cursor may lag behind a new endpoint). The envelope id is the outbox event's id, so every
 * endpoint and every attempt carries the same id for de-duplication.
 */
export function fanOutEvent(
  event: DomainEvent,
  endpoints: readonly WebhookEndpoint[],
  now: number,
): NewDelivery[] {
  const out: NewDelivery[] = [];
  for (const endpoint of endpoints) {
    if (!endpoint.active || endpoint.createdAt > event.createdAt) continue;
    if (!owns(endpoint, event.customerId) || isAbout(event, endpoint)) continue;
    let type: WebhookEventType | undefined;
    let data: Readonly<Record<string, unknown>> | null = null;
    if (PASS_THROUGH.has(event.type)) {
      type = event.type as WebhookEventType;
      data = event.data;
    } else if (event.type === 'balance.changed' && endpoint.thresholdUnits !== null) {
      type = 'balance.low';
      data = balanceLow(event, endpoint.thresholdUnits);
    }
    if (type === undefined || data === null || !endpoint.events.includes(type)) continue;
    out.push({
      id: newWebhookDeliveryId(now),
      endpointId: endpoint.id,
      eventId: event.id,
      eventType: type,
      payload: envelope(event.id, type, event.createdAt, event.customerId, data),
      nextAttemptAt: now,
      createdAt: now,
    });
  }
  return out;
}

const isoOrNull = (at: number | null): string | null =>
  at === null ? null : new Date(at).toISOString();

/**
 * The outbox event that tells an endpoint's owner it was paused (failing with no success for the
 * configured span) or resumed (a probe succeeded). `endpoint` is as it was before the change. It
 * reaches the owner's other endpoints that subscribe to it (and the operator's), never the
 * endpoint it is about.
 */
export function endpointChangeEvent(
  change: 'pause' | 'resume',
  endpoint: WebhookEndpoint,
  record: AttemptRecord,
): { readonly type: 'webhook.paused' | 'webhook.resumed'; readonly data: Record<string, unknown> } {
  const about = { endpoint_id: endpoint.id, url: endpoint.url, description: endpoint.description };
  if (change === 'resume') {
    return {
      type: 'webhook.resumed',
      data: {
        ...about,
        paused_at: isoOrNull(endpoint.pausedAt),
        resumed_at: isoOrNull(record.now),
      },
    };
  }
  return {
    type: 'webhook.paused',
    data: {
      ...about,
      paused_at: isoOrNull(record.now),
      failing_since: isoOrNull(record.endpoint.failingSince),
      failure_count: record.endpoint.failureCount,
      last_error: record.errorMessage,
    },
  };
}

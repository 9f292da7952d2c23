/**
 * Webhooks: endpoints customers (or the operator) register, and the deliveries of events to
 * them. Deliveries are rows fanned out from the event outbox, so a restart or a receiver down
 * for hours loses nothing; the delivery worker picks due rows.
 */
import type { Page } from './customers.js';

/** What a customer endpoint may subscribe to (API.md "Webhooks"). */
export const WEBHOOK_EVENT_TYPES = [
  'sms.received',
  'call.received',
  'order.cancelled',
  'order.expired',
  'order.swapped',
  'order.finished',
  'balance.low',
  'message.received',
  'message.sent',
  'message.delivered',
  'message.failed',
  'message.unknown',
  'webhook.paused',
  'webhook.resumed',
] as const;
/** Hardware events: only admin endpoints (customerId null) may subscribe. */
export const ADMIN_WEBHOOK_EVENT_TYPES = ['modem.offline', 'modem.online', 'sim.changed'] as const;

export type WebhookEventType =
  (typeof WEBHOOK_EVENT_TYPES)[number] | (typeof ADMIN_WEBHOOK_EVENT_TYPES)[number];

export const DELIVERY_STATUSES = [
  'pending',
  'delivering',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const PAUSE_REASONS = ['failures', 'manual'] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

export interface WebhookEndpoint {
  readonly id: string;
  /** null: an admin endpoint, which receives every customer's events. */
  readonly customerId: string | null;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly description: string;
  /** balance.low fires when the live balance crosses below this (units); null = never. */
  readonly thresholdUnits: number | null;
  /** false: disabled by its owner or by a 410 Gone; no new deliveries are created. */
  readonly active: boolean;
  /** Deliveries queue while paused: by its owner ('manual'), or after failing with no success
   * for the configured span ('failures': its oldest delivery is still probed, and the first
   * success resumes it). */
  readonly paused: boolean;
  readonly pausedAt: number | null;
  readonly pauseReason: PauseReason | null;
  /** Failed attempts since the last success. */
  readonly failureCount: number;
  /** The first failed attempt since the last success; null while healthy. */
  readonly failingSince: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The endpoint with its signing secret: only the store, the worker and creation see this. */
export interface WebhookEndpointWithSecret extends WebhookEndpoint {
  readonly secret: string;
}

export interface WebhookDelivery {
  readonly id: string;
  readonly endpointId: string;
  /** The envelope id (`evt_…`): stable across attempts, for receivers' de-duplication. */
  readonly eventId: string;
  readonly eventType: WebhookEventType;
  /** Attempts made so far. */
  readonly attempt: number;
  readonly status: DeliveryStatus;
  /** When the next attempt is due (pending), else null. */
  readonly nextAttemptAt: number | null;
  readonly responseStatus: number | null;
  readonly responseBody: string | null;
  readonly errorMessage: string | null;
  readonly deliveredAt: number | null;
  readonly createdAt: number;
}

/** A delivery claimed by the worker, with what it needs to send it. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: WebhookEventType;
  /** Attempts made before this one. */
  readonly attempt: number;
  /** The raw JSON body; identical for every attempt. */
  readonly payload: string;
  readonly url: string;
  readonly secret: string;
  readonly failureCount: number;
  readonly failingSince: number | null;
  /** Paused by failures (a manually paused endpoint is never claimed): this attempt is a probe. */
  readonly paused: boolean;
}

/** A delivery to create: by the fan-out or by a test event. */
export interface NewDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: WebhookEventType;
  readonly payload: string;
  readonly nextAttemptAt: number;
  readonly createdAt: number;
}

/** What one attempt changes: on the delivery, and on its endpoint. */
export interface AttemptRecord {
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly attempt: number;
  readonly status: 'pending' | 'succeeded' | 'failed';
  readonly nextAttemptAt: number | null;
  readonly responseStatus: number | null;
  readonly responseBody: string | null;
  readonly errorMessage: string | null;
  readonly deliveredAt: number | null;
  readonly endpoint: {
    readonly failureCount: number;
    readonly failingSince: number | null;
    /** Pause it (failures spanned the configured time) or resume it (a probe succeeded). */
    readonly change: 'pause' | 'resume' | null;
    /** Whether it was paused when claimed: if its owner paused or un-paused it meanwhile, the
     * owner's choice stands and this attempt changes only the delivery. */
    readonly claimedPaused: boolean;
    /** 410 Gone: the endpoint is deactivated and its pending deliveries cancelled. */
    readonly disable: boolean;
  };
  readonly now: number;
}

export interface NewEndpoint {
  readonly id: string;
  readonly customerId: string | null;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly description: string;
  readonly thresholdUnits: number | null;
  readonly secret: string;
  readonly now: number;
}

export interface EndpointPatch {
  readonly url?: string;
  readonly description?: string;
  readonly events?: readonly WebhookEventType[];
  readonly thresholdUnits?: number | null;
  readonly active?: boolean;
  readonly paused?: boolean;
  readonly pausedAt?: number | null;
  readonly pauseReason?: PauseReason | null;
  /** Reset when the endpoint is un-paused (a fresh start for the receiver). */
  readonly failureCount?: number;
  readonly failingSince?: number | null;
}

/** Whose endpoints: one customer's, or (admin) all. */
export type WebhookScope = { readonly customerId: string } | { readonly admin: true };

export interface WebhookPort {
  insertEndpoint(endpoint: NewEndpoint): Promise<WebhookEndpoint>;
  /** Scoped: another customer's endpoint is undefined. */
  getEndpoint(scope: WebhookScope, id: string): Promise<WebhookEndpoint | undefined>;
  listEndpoints(scope: WebhookScope): Promise<WebhookEndpoint[]>;
  updateEndpoint(
    scope: WebhookScope,
    id: string,
    patch: EndpointPatch,
    now: number,
  ): Promise<WebhookEndpoint | undefined>;
  /** Deletes the endpoint and its delivery log. */
  deleteEndpoint(scope: WebhookScope, id: string): Promise<boolean>;
  insertDelivery(delivery: NewDelivery): Promise<WebhookDelivery>;
  listDeliveries(
    endpointId: string,
    query: { readonly limit: number; readonly cursor?: string },
  ): Promise<Page<WebhookDelivery>>;
  /** Reads the outbox past the cursor and creates the deliveries, in one transaction with
   * advancing the cursor. Returns how many outbox events were consumed. */
  fanOut(limit: number, now: number): Promise<number>;
  /** Claims (status → delivering) due deliveries: per endpoint only its oldest pending one (the
   * queue keeps its order), none for an endpoint with one in flight or paused by its owner. */
  claimDue(now: number, limit: number): Promise<ClaimedDelivery[]>;
  /** Records the attempt; a pause or resume writes `webhook.paused`/`webhook.resumed` to the
   * outbox in the same transaction. Returns the change that took effect (null when none did). */
  recordAttempt(record: AttemptRecord): Promise<'pause' | 'resume' | null>;
  /** After a crash: deliveries left `delivering` go back to pending (at-least-once). */
  releaseInFlight(): Promise<number>;
  /** The earliest next_attempt_at among claimable queue heads, for the worker's timer. */
  nextDueAt(): Promise<number | null>;
}

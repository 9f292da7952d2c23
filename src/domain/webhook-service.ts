/**
 * Webhook endpoint management for the REST routes: create (the secret is returned this once),
 * list, get, update (PATCH), delete, test event, delivery log. Scoped: a customer sees only its
 * own endpoints (another customer's is `webhook_not_found`); the admin scope sees all.
 */
import { SimpoolError, type Clock } from '../shared/index.js';
import type { Page } from './customers.js';
import { usdToUnits } from './money.js';
import { pageLimit, validationError } from './validation.js';
import {
  envelope,
  newWebhookDeliveryId,
  newWebhookEndpointId,
  newWebhookEventId,
} from './webhook-events.js';
import { generateWebhookSecret } from './webhook-signing.js';
import {
  ADMIN_WEBHOOK_EVENT_TYPES,
  WEBHOOK_EVENT_TYPES,
  type EndpointPatch,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEventType,
  type WebhookPort,
  type WebhookScope,
} from './webhook-types.js';
import {
  resolveWebhookTarget,
  validateWebhookUrl,
  type HostResolver,
  type WebhookTarget,
  type WebhookUrlPolicy,
} from './webhook-url.js';

export interface WebhookServiceOptions extends Partial<WebhookUrlPolicy> {
  readonly resolve?: HostResolver;
  /** Called after a delivery is queued outside the outbox (test events): wakes the worker. */
  readonly onQueued?: () => void;
}

export interface WebhookInput {
  readonly url: string;
  readonly events: readonly string[];
  readonly description?: string;
  /** balance.low threshold in USD. */
  readonly threshold?: number | null;
}

export interface WebhookUpdate extends Partial<WebhookInput> {
  readonly active?: boolean;
  readonly paused?: boolean;
}

export interface CreatedWebhook {
  readonly endpoint: WebhookEndpoint;
  /** `whsec_…`: shown once, never returned again. */
  readonly secret: string;
}

const MAX_DESCRIPTION = 500;

function notFound(): SimpoolError {
  return new SimpoolError('webhook_not_found', 'no such webhook endpoint');
}

function pausePatch(current: WebhookEndpoint, paused: boolean, now: number): EndpointPatch {
  if (paused) {
    // Paused since the first pause, whoever made it; from now on the owner's (no probes).
    const pausedAt = current.paused ? (current.pausedAt ?? now) : now;
    return { paused, pausedAt, pauseReason: 'manual' };
  }
  return { paused, pausedAt: null, pauseReason: null, failureCount: 0, failingSince: null };
}

export class WebhookService {
  private readonly policy: WebhookUrlPolicy;
  private readonly resolve: HostResolver | undefined;
  private readonly onQueued: () => void;

  constructor(
    private readonly port: WebhookPort,
    private readonly clock: Clock,
    options: WebhookServiceOptions = {},
  ) {
    this.policy = {
      allowPrivate: options.allowPrivate ?? false,
      allowedHosts: options.allowedHosts ?? [],
    };
    this.resolve = options.resolve;
    this.onQueued = options.onQueued ?? (() => undefined);
  }

  /** The URL rules, for creating and changing an endpoint. */
  checkUrl(url: string): Promise<string> {
    return validateWebhookUrl(url, this.policy, this.resolve);
  }

  /**
   * Where a delivery attempt connects: resolved and checked again at each attempt (the host may
   * have been re-pointed at the LAN since), and only to the addresses that were checked.
   */
  deliveryTarget(url: string): Promise<WebhookTarget> {
    return resolveWebhookTarget(url, this.policy, this.resolve);
  }

  async create(scope: WebhookScope, input: WebhookInput): Promise<CreatedWebhook> {
    const customerId = 'customerId' in scope ? scope.customerId : null;
    const url = await this.checkUrl(input.url);
    const events = this.events(input.events, customerId === null);
    const now = this.clock.now();
    const secret = generateWebhookSecret();
    const endpoint = await this.port.insertEndpoint({
      id: newWebhookEndpointId(now),
      customerId,
      url,
      events,
      description: this.description(input.description),
      thresholdUnits: this.threshold(input.threshold),
      secret,
      now,
    });
    return { endpoint, secret };
  }

  list(scope: WebhookScope): Promise<WebhookEndpoint[]> {
    return this.port.listEndpoints(scope);
  }

  async get(scope: WebhookScope, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.port.getEndpoint(scope, id);
    if (!endpoint) throw notFound();
    return endpoint;
  }

  /** PATCH: only the given fields change. Pausing by hand stops the probes too; un-pausing is a
   * fresh start (failures forgotten, the queue due at once). */
  async update(scope: WebhookScope, id: string, input: WebhookUpdate): Promise<WebhookEndpoint> {
    const current = await this.get(scope, id);
    const patch: { -readonly [K in keyof EndpointPatch]: EndpointPatch[K] } = {};
    if (input.url !== undefined) patch.url = await this.checkUrl(input.url);
    if (input.events !== undefined) {
      patch.events = this.events(input.events, current.customerId === null);
    }
    if (input.description !== undefined) patch.description = this.description(input.description);
    if (input.threshold !== undefined) patch.thresholdUnits = this.threshold(input.threshold);
    if (input.active !== undefined) {
      patch.active = this.flag('active', input.active);
      // Re-enabled (after a 410 or by its owner): failures from before do not count towards a pause.
      if (patch.active && !current.active)
        Object.assign(patch, { failureCount: 0, failingSince: null });
    }
    const now = this.clock.now();
    if (input.paused !== undefined) {
      Object.assign(patch, pausePatch(current, this.flag('paused', input.paused), now));
    }
    const updated = await this.port.updateEndpoint(scope, id, patch, now);
    if (!updated) throw notFound();
    if (patch.paused === false || patch.active === true) this.onQueued();
    return updated;
  }

  async delete(scope: WebhookScope, id: string): Promise<void> {
    if (!(await this.port.deleteEndpoint(scope, id))) throw notFound();
  }

  /** Queues a synthetic event (`data.test = true`) of the endpoint's first subscribed type. */
  async sendTest(scope: WebhookScope, id: string): Promise<WebhookDelivery> {
    const endpoint = await this.get(scope, id);
    const now = this.clock.now();
    const type: WebhookEventType = endpoint.events[0] ?? 'sms.received';
    const eventId = newWebhookEventId(now);
    const delivery = await this.port.insertDelivery({
      id: newWebhookDeliveryId(now),
      endpointId: endpoint.id,
      eventId,
      eventType: type,
      payload: envelope(eventId, type, now, endpoint.customerId, { test: true }),
      nextAttemptAt: now,
      createdAt: now,
    });
    this.onQueued();
    return delivery;
  }

  /** The delivery log, newest first. */
  async deliveries(
    scope: WebhookScope,
    id: string,
    query: { readonly limit?: number; readonly cursor?: string } = {},
  ): Promise<Page<WebhookDelivery>> {
    const endpoint = await this.get(scope, id);
    return this.port.listDeliveries(endpoint.id, {
      limit: pageLimit(query.limit),
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
    });
  }

  private events(input: unknown, admin: boolean): WebhookEventType[] {
    const allowed: readonly string[] = admin
      ? [...WEBHOOK_EVENT_TYPES, ...ADMIN_WEBHOOK_EVENT_TYPES]
      : WEBHOOK_EVENT_TYPES;
    if (!Array.isArray(input) || input.length === 0) {
      throw validationError('events', 'must be a non-empty list of event types');
    }
    const out = new Set<WebhookEventType>();
    for (const event of input) {
      if (typeof event !== 'string' || !allowed.includes(event)) {
        throw validationError('events', `unknown event type ${String(event)}`);
      }
      out.add(event as WebhookEventType);
    }
    return [...out];
  }

  private description(input: unknown): string {
    if (input === undefined) return '';
    if (typeof input !== 'string' || input.length > MAX_DESCRIPTION) {
      throw validationError('description', `must be text of at most ${MAX_DESCRIPTION} characters`);
    }
    return input.trim();
  }

  private threshold(input: unknown): number | null {
    if (input === undefined || input === null) return null;
    if (typeof input !== 'number' || !Number.isFinite(input) || input < 0 || input > 1e9) {
      throw validationError('threshold', 'must be a non-negative amount in USD');
    }
    return usdToUnits(input);
  }

  private flag(field: string, input: unknown): boolean {
    if (typeof input !== 'boolean') throw validationError(field, 'must be true or false');
    return input;
  }
}

import type {
  CatalogService,
  CustomerService,
  EventPort,
  IdempotencyPort,
  MatchingService,
  OrderService,
  WebhookService,
} from '../domain/index.js';
import type { Clock, Logger } from '../shared/index.js';
import type { OrderFeedOptions } from './ws/order-feed.js';

/**
 * Everything the HTTP layer may use: domain services and ports only (never the store or the
 * modems). `buildServer(deps)` builds a Fastify instance from it and never listens; the daemon does.
 */
export interface ApiDeps {
  readonly catalog: CatalogService;
  readonly customers: CustomerService;
  readonly orders: OrderService;
  readonly matching: MatchingService;
  /**
   * Webhook endpoint management. Without it (tests, an embedding with no delivery worker) the
   * `/webhooks` routes are not registered and answer 404 like any unknown path: a 503 would
   * promise that retrying later can help, and endpoints that nothing delivers to would mislead.
   */
  readonly webhooks?: WebhookService;
  /**
   * Idempotency-key records; the daemon passes the SQLite ones so a restart does not turn a
   * retry into a second purchase. Without it (tests, embedding) they are kept in memory.
   */
  readonly idempotency?: IdempotencyPort;
  /** The event outbox: with it, `GET /ws/orders` is served (src/api/ws); without it, it is not. */
  readonly events?: EventPort;
  /** `/ws/orders` ping period, send-buffer limit … (defaults in src/api/ws/order-feed.ts). */
  readonly orderFeed?: Partial<OrderFeedOptions>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: ApiConfig;
  /** `GET /readyz`: whether the appliance can take orders (database writable, a modem ready). */
  readonly readiness?: () => Promise<Readiness> | Readiness;
  /** `GET /health`: the daemon's modem status document, served as is. */
  readonly health?: () => HealthReport;
}

export interface Readiness {
  readonly ready: boolean;
  /** One entry per check, e.g. `{ database: true, modems: false }`. */
  readonly checks: Readonly<Record<string, boolean>>;
}

export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly modems: readonly unknown[];
}

export interface ApiConfig {
  /** Requests per minute per API key on /api/v1/customer/* (API.md default 60). */
  readonly rateLimitPerMinute: number;
  /** The legacy API's DaisySMS spelling of a few tokens (LEGACY-API.md). */
  readonly legacyMode: 'sms-activate' | 'daisysms';
}

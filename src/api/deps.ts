import type {
  AdminService,
  CatalogService,
  ClaimHolder,
  CustomerService,
  EventPort,
  IdempotencyPort,
  MatchingService,
  MessagingService,
  OrderService,
  WebhookService,
} from '../domain/index.js';
import type { Clock, Logger } from '../shared/index.js';
import type { TrustProxy } from './client-address.js';
import type { ApiGuards } from './plugins/guards.js';
import type { MetricsSources } from './plugins/metric-families.js';
import type { FeedSocketOptions } from './ws/feed-sockets.js';
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
  /**
   * This host's session (its id and epoch), named as the holder of every claim taken here: when
   * it dies, a retry takes its claims over at once. Without it, only the time limit applies.
   */
  readonly idempotencyHolder?: ClaimHolder;
  /**
   * The Messaging API (`/api/v1/messages`). Without it (tests, an embedding without modems) the
   * routes are not registered and answer 404 like any unknown path.
   */
  readonly messaging?: MessagingService;
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
  /**
   * `GET /metrics` figures read at scrape time (store counts, modems). Without them (tests,
   * embedding) /metrics serves the process and HTTP metrics only.
   */
  readonly metrics?: MetricsSources;
  /**
   * The operator's service: with it, the admin API (`/api/v1/admin`, docs/admin-api.md) and the
   * `/ws/admin` feed are served; without it, they are not.
   */
  readonly admin?: AdminService;
  /** `/ws/admin` ping period and send-buffer limit (defaults in src/api/ws/feed-sockets.ts). */
  readonly adminFeed?: Partial<FeedSocketOptions>;
  /** What `GET /api/v1/admin/system` tells besides health. */
  readonly system?: SystemInfo;
}

/**
 * What the routes get inside the server: the deps plus the server's one set of guards (failed
 * authentication throttle, per-key rate limit), shared by every door.
 */
export interface ServerDeps extends ApiDeps {
  readonly guards: ApiGuards;
}

export interface SystemInfo {
  readonly version: string;
  readonly startedAt: number;
  /** A summary of the configuration: no secrets (PINs, keys). */
  readonly config: Readonly<Record<string, unknown>>;
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
  /**
   * Requests per minute per API key (API.md default 60), one budget across REST, the legacy API
   * and WebSocket upgrades.
   */
  readonly rateLimitPerMinute: number;
  /** Failed authentications per client address before it is refused for a while (default 10). */
  readonly authFailureLimit?: number;
  /** The window those failures are counted in, in seconds (default 300). */
  readonly authFailureWindowSeconds?: number;
  /** The legacy API's DaisySMS spelling of a few tokens (LEGACY-API.md). */
  readonly legacyMode: 'sms-activate' | 'daisysms';
  /**
   * Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (client addresses,
   * HTTPS for the admin cookie's Secure flag). Default false: the peer is the client.
   */
  readonly trustProxy?: TrustProxy;
}

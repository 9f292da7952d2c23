import type {
  CatalogService,
  CustomerService,
  IdempotencyPort,
  MatchingService,
  OrderService,
} from '../domain/index.js';
import type { Clock, Logger } from '../shared/index.js';

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
   * Idempotency-key records; the daemon passes the SQLite ones so a restart does not turn a
   * retry into a second purchase. Without it (tests, embedding) they are kept in memory.
   */
  readonly idempotency?: IdempotencyPort;
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

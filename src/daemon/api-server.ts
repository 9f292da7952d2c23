import type { AddressInfo } from 'node:net';
import { buildServer, type ApiServer } from '../api/index.js';
import type {
  ClaimHolder,
  EventPort,
  IdempotencyPort,
  MessagingService,
  StatsPort,
  WebhookService,
} from '../domain/index.js';
import { MODEM_STATES } from '../modem/index.js';
import type { ModemPool } from '../pool/index.js';
import type { Clock, Logger } from '../shared/index.js';
import type { Admin } from './admin.js';
import type { Config } from './config.js';
import type { OrderEngine } from './order-engine.js';
import { API_LISTEN, listenFailure } from './start-failures.js';

export interface ApiListener {
  /** `http://host:port` the API answers on. */
  readonly url: string;
  readonly app: ApiServer;
  close(): Promise<void>;
}

/**
 * The HTTP API of the daemon: the REST and legacy routes over the rental engine, `/health` with
 * the modems, `/readyz` with the database and modem checks; listening on the configured address.
 */
export async function startApiServer(
  parts: {
    readonly rental: OrderEngine;
    readonly pool: ModemPool;
    /** Whether the database takes a write now (the store's `writable`). */
    readonly databaseWritable: () => Promise<boolean>;
    readonly idempotency: IdempotencyPort;
    /** This host's session: the holder of the idempotency claims its API takes. */
    readonly idempotencyHolder: ClaimHolder;
    readonly webhooks: WebhookService;
    readonly events: EventPort;
    /** The Messaging API (`/api/v1/messages`). */
    readonly messaging: MessagingService;
    /** Row counts for `GET /metrics`. */
    readonly stats: StatsPort;
    /** The admin API (`/api/v1/admin`, `/ws/admin`). */
    readonly admin: Admin;
  },
  config: Config,
  deps: { readonly clock: Clock; readonly logger: Logger },
): Promise<ApiListener> {
  const { rental, pool } = parts;
  const app = buildServer({
    catalog: rental.catalog,
    customers: rental.customers,
    orders: rental.orders,
    matching: rental.matching,
    webhooks: parts.webhooks,
    admin: parts.admin.service,
    system: parts.admin.system,
    // /ws/orders; app.close() (the daemon's stop) closes its sockets with 1001 first.
    events: parts.events,
    messaging: parts.messaging,
    idempotency: parts.idempotency,
    idempotencyHolder: parts.idempotencyHolder,
    clock: deps.clock,
    logger: deps.logger,
    config: { ...config.api, trustProxy: config.trustProxy },
    readiness: async () => {
      const checks = {
        database: await parts.databaseWritable(),
        modems: pool.modems().some((m) => m.state === 'ready'),
      };
      return { ready: checks.database && checks.modems, checks };
    },
    metrics: {
      stats: parts.stats,
      modems: () =>
        pool.modems().map((m) => ({ modem: m.address, state: m.state, signalDbm: m.signalDbm })),
      modemStates: MODEM_STATES,
    },
    health: () => {
      const modems = pool.modems();
      return { status: modems.some((m) => m.state === 'ready') ? 'ok' : 'degraded', modems };
    },
  });
  const address = { host: config.host, port: config.port };
  try {
    await app.listen(address);
  } catch (error) {
    // The built server holds sockets and timers of its own (WebSocket server, limits).
    await app.close().catch(() => undefined);
    throw listenFailure(API_LISTEN, address, error);
  }
  const { port } = app.server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return { url: `http://${host}:${port}`, app, close: () => app.close() };
}

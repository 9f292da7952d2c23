/**
 * buildServer over the real domain services on a real SQLite file (OrderFixture) and a
 * ManualClock, for `app.inject()` tests of the server core and its plugins.
 */
import { buildServer, type ApiDeps, type ApiServer } from '../../../src/api/index.js';
import { silentLogger } from '../../../src/shared/index.js';
import { OrderFixture, iccid } from '../domain/order-fixture.js';

export interface ApiRig {
  readonly fx: OrderFixture;
  readonly app: ApiServer;
  readonly key: string;
  readonly customerId: string;
  close(): Promise<void>;
}

/** `options` may be built from the fixture (services over its store, e.g. webhooks). */
/**
 * `beforeReady` runs on the built app before its plugins load, e.g. to add an `onRoute` hook that
 * sees every route (the security sweep fails when a route is missing from its table).
 */
export async function apiRig(
  options: Partial<ApiDeps> | ((fx: OrderFixture) => Partial<ApiDeps>) = {},
  hooks: { beforeReady?: (app: ApiServer) => void } = {},
): Promise<ApiRig> {
  const fx = new OrderFixture();
  await fx.seed();
  for (let n = 1; n <= 3; n++) await fx.addSim({ iccid: iccid(n) });
  const app = buildServer({
    catalog: fx.catalog,
    customers: fx.customers,
    orders: fx.orders,
    matching: fx.matching,
    idempotency: fx.store.idempotency,
    clock: fx.clock,
    logger: silentLogger,
    config: { rateLimitPerMinute: 60, legacyMode: 'sms-activate' },
    ...(typeof options === 'function' ? options(fx) : options),
  });
  hooks.beforeReady?.(app);
  await app.ready();
  const alice = await fx.customer('alice@example.com', 100_000);
  return {
    fx,
    app,
    key: alice.plainKey,
    customerId: alice.customerId,
    async close() {
      await app.close();
      await fx.close();
    },
  };
}

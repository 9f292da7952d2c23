/**
 * The database the API benchmark serves: the order benchmark's history (seeded catalog, 1,000
 * SIMs, 300 customers, a few thousand finished / cancelled / expired orders, half of them with an
 * SMS; bench/orders/fixture.ts), then, through the real services, what the load needs:
 *   - one more API key for each of `targets` customers (their plain keys are kept for the load)
 *     and an open order of each with a matched SMS (status `received`): the orders polled over
 *     REST and over the legacy getStatus;
 *   - a feed customer with a key and `feedOrders` open orders without SMS: the WebSocket clients
 *     subscribe to it and each fan-out round matches one SMS to one of these orders.
 */
import {
  CatalogService,
  CustomerService,
  MatchingService,
  OrderService,
  type Order,
  type Principal,
} from '../../src/domain/index.js';
import { ManualClock } from '../../src/shared/index.js';
import { createStore, openDatabase } from '../../src/store/index.js';
import { buildFixture, BENCH_SERVICES, COUNTRIES, rowCounts } from '../orders/fixture.js';

export interface ApiFixtureSpec {
  readonly customers: number;
  readonly historicalOrders: number;
  /** Customers whose order with an SMS is polled. */
  readonly targets: number;
  /** Open orders of the feed customer (one SMS each per fan-out round). */
  readonly feedOrders: number;
}

export const DEFAULT_API_FIXTURE: ApiFixtureSpec = {
  customers: 300,
  historicalOrders: 3_000,
  targets: 40,
  feedOrders: 16,
};

export interface PolledOrder {
  readonly key: string;
  readonly orderId: string;
  readonly activationId: number;
}

export interface FeedOrder {
  readonly orderId: string;
  readonly iccid: string;
}

export interface ApiFixture {
  readonly file: string;
  readonly now: number;
  readonly polled: readonly PolledOrder[];
  readonly feed: { readonly key: string; readonly orders: readonly FeedOrder[] };
  readonly rows: Readonly<Record<string, number>>;
  readonly buildMs: number;
}

export async function buildApiFixture(
  dir: string,
  spec: ApiFixtureSpec = DEFAULT_API_FIXTURE,
): Promise<ApiFixture> {
  const started = performance.now();
  const base = await buildFixture(dir, {
    customers: spec.customers,
    historicalOrders: spec.historicalOrders,
    batch: 200,
    seed: 20260105,
  });
  const clock = new ManualClock(base.now);
  const store = createStore(openDatabase(base.file, { synchronous: 'normal' }));
  const customers = new CustomerService(store.customers, clock);
  const orders = new OrderService(store.orders, clock);
  const matching = new MatchingService(store.orders, clock);
  void new CatalogService(store.catalog, clock);

  let pair = 0;
  const buy = async (principal: Principal): Promise<Order> => {
    for (let attempt = 0; attempt < 20; attempt++, pair++) {
      const service = BENCH_SERVICES[pair % BENCH_SERVICES.length]!;
      const country = COUNTRIES[Math.floor(pair / BENCH_SERVICES.length) % COUNTRIES.length]!;
      try {
        return await orders.purchase(principal, { service, country: country.iso2 });
      } catch {
        // no number for this pair, or a per-customer limit: the next pair
      }
    }
    throw new Error(`no order could be bought for ${principal.customerId}`);
  };
  const withKey = async (principal: Principal) => {
    const created = await customers.createKey(principal.customerId, { scopes: ['orders'] });
    return { plain: created.plainKey, principal: { ...principal, apiKeyId: created.key.id } };
  };

  const polled: PolledOrder[] = [];
  const bought: { order: Order; key: string }[] = [];
  for (const p of base.principals.slice(0, spec.targets)) {
    const { plain, principal } = await withKey(p);
    bought.push({ order: await buy(principal), key: plain });
  }
  await clock.advance(20_000);
  for (const { order, key } of bought) {
    await matching.onInboundSms({
      iccid: order.simIccid,
      inboundMessageId: null,
      sender: 'Telegram',
      text: `Telegram code: ${100000 + polled.length}. Do not give this code to anyone.`,
      sentAt: clock.now() - 1_000,
      receivedAt: clock.now(),
    });
    polled.push({ key, orderId: order.id, activationId: order.activationId });
  }

  const feedCustomer = await customers.createCustomer('bench-feed@example.com');
  await customers.credit(feedCustomer.id, 10_000_000);
  const feedKey = await customers.createKey(feedCustomer.id, { scopes: ['orders'] });
  const feedPrincipal = { customerId: feedCustomer.id, apiKeyId: feedKey.key.id };
  const feedOrders: FeedOrder[] = [];
  for (let i = 0; i < spec.feedOrders; i++) {
    const order = await buy(feedPrincipal);
    feedOrders.push({ orderId: order.id, iccid: order.simIccid });
  }
  await clock.advance(10_000);

  const rows = rowCounts(store);
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.db.close();
  return {
    file: base.file,
    now: clock.now(),
    polled,
    feed: { key: feedKey.plainKey, orders: feedOrders },
    rows,
    buildMs: Math.round(performance.now() - started),
  };
}

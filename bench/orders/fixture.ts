/**
 * The database every order scenario starts from, built once per benchmark run through the real
 * services (no hand-written SQL): the seeded catalog, 1,000 ready and registered SIMs in four
 * countries, a few hundred customers with deposits, and 10,000 historical orders (finished,
 * cancelled, expired; with their number history, usage rows, ledger rows and events) made by
 * purchasing in batches on a ManualClock that is fast-forwarded past holds and lifetimes.
 *
 * The build opens the file with synchronous NORMAL (no fsync per commit: the history is set-up,
 * not a figure); the scenarios reopen copies of it with the default synchronous FULL.
 */
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import {
  CatalogService,
  CustomerService,
  MatchingService,
  OrderService,
  SEED_SERVICES,
  isOpenStatus,
  type Order,
  type Principal,
} from '../../src/domain/index.js';
import { ManualClock } from '../../src/shared/index.js';
import { createStore, openDatabase, type SqliteStore } from '../../src/store/index.js';

export const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
export const MINUTE = 60_000;
/** Past the default lifetime (1200 s): every open order is due for expiry. */
export const PAST_LIFETIME = 21 * MINUTE;

export interface CountrySims {
  readonly iso2: string;
  readonly mcc: string;
  readonly callingCode: string;
  readonly operator: string;
  readonly sims: number;
}

export const COUNTRIES: readonly CountrySims[] = [
  { iso2: 'GB', mcc: '234', callingCode: '44', operator: 'Vodafone UK', sims: 400 },
  { iso2: 'DE', mcc: '262', callingCode: '49', operator: 'Telekom.de', sims: 250 },
  { iso2: 'FR', mcc: '208', callingCode: '33', operator: 'Orange F', sims: 200 },
  { iso2: 'NL', mcc: '204', callingCode: '31', operator: 'KPN', sims: 150 },
];

/** The services the scenarios buy (history covers every seeded service). */
export const BENCH_SERVICES: readonly string[] = ['tg', 'wa', 'go', 'fb'];

export interface FixtureSpec {
  readonly customers: number;
  readonly historicalOrders: number;
  /** Orders bought at one instant of the history before the clock moves on. */
  readonly batch: number;
  readonly seed: number;
}

export const DEFAULT_FIXTURE: FixtureSpec = {
  customers: 300,
  historicalOrders: 10_000,
  batch: 200,
  seed: 20260101,
};

export interface FixtureInfo {
  readonly file: string;
  readonly principals: readonly Principal[];
  /** The clock at the end of the history: scenarios continue from here. */
  readonly now: number;
  readonly buildMs: number;
  readonly rows: Readonly<Record<string, number>>;
  readonly history: Readonly<Record<string, number>>;
}

/** Deterministic PRNG (mulberry32): the same history on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TABLES = [
  'sims',
  'customers',
  'orders',
  'order_numbers',
  'order_messages',
  'sim_service_usage',
  'ledger',
  'events',
];

export function rowCounts(store: SqliteStore): Record<string, number> {
  return Object.fromEntries(
    TABLES.map((t) => [
      t,
      store.db.prepare<[], number>(`SELECT COUNT(*) FROM ${t}`).pluck().get() ?? 0,
    ]),
  );
}

export function moveTo(clock: ManualClock, at: number): Promise<void> {
  return clock.advance(Math.max(0, at - clock.now()));
}

type Fate = 'finished' | 'expired_after_sms' | 'cancelled' | 'expired';

function fateOf(r: number): Fate {
  if (r < 0.5) return 'finished';
  if (r < 0.55) return 'expired_after_sms';
  if (r < 0.8) return 'cancelled';
  return 'expired';
}

export async function buildFixture(
  dir: string,
  spec: FixtureSpec = DEFAULT_FIXTURE,
): Promise<FixtureInfo> {
  const started = performance.now();
  const file = path.join(dir, 'template.db');
  const clock = new ManualClock(T0);
  const store = createStore(openDatabase(file, { synchronous: 'normal' }));
  const catalog = new CatalogService(store.catalog, clock);
  const customers = new CustomerService(store.customers, clock);
  const orders = new OrderService(store.orders, clock);
  const matching = new MatchingService(store.orders, clock);
  const random = prng(spec.seed);

  await catalog.seed();

  let n = 0;
  for (const c of COUNTRIES) {
    for (let i = 0; i < c.sims; i++, n++) {
      const iccid = `89${c.callingCode.padEnd(3, '0')}0000000${String(n).padStart(6, '0')}`;
      const at = clock.now();
      await store.inventory.recordSim({
        iccid,
        imsi: `${c.mcc}01${String(n).padStart(10, '0')}`,
        msisdn: `+${c.callingCode}7700${String(n).padStart(6, '0')}`,
        country: c.iso2,
        operator: c.operator,
        imei: `3569380${String(Math.floor(n / 8)).padStart(8, '0')}`,
        path: `/dev/serial/by-path/bench-${Math.floor(n / 8)}-${n % 8}`,
        at,
      });
      await store.inventory.setSimStatus(iccid, 'ready', at);
      await store.inventory.recordSimHealth(
        iccid,
        {
          signalDbm: -70 - (n % 30),
          registration: n % 17 === 0 ? 'roaming' : 'home',
          operator: null,
        },
        at,
      );
    }
  }

  const principals: Principal[] = [];
  for (let i = 0; i < spec.customers; i++) {
    const customer = await customers.createCustomer(`bench${i}@example.com`);
    const created = await customers.createKey(customer.id);
    // 1,000 USD: far more than the history and the scenarios spend.
    await customers.credit(customer.id, 10_000_000);
    principals.push({ customerId: customer.id, apiKeyId: created.key.id });
  }

  const weights = COUNTRIES.map((c) => c.sims);
  const totalSims = weights.reduce((a, b) => a + b, 0);
  const pickCountry = (): string => {
    let r = random() * totalSims;
    for (const c of COUNTRIES) {
      if ((r -= c.sims) < 0) return c.iso2;
    }
    return COUNTRIES[0]!.iso2;
  };

  const history: Record<string, number> = {
    finished: 0,
    expired_after_sms: 0,
    cancelled: 0,
    expired: 0,
    refused: 0,
  };
  let made = 0;
  let customerTurn = 0;
  while (made < spec.historicalOrders) {
    const batchStart = clock.now();
    const bought: { order: Order; principal: Principal; fate: Fate }[] = [];
    const want = Math.min(spec.batch, spec.historicalOrders - made);
    let attempts = 0;
    while (bought.length < want && attempts < want * 5) {
      attempts++;
      const principal = principals[customerTurn++ % principals.length]!;
      const service = SEED_SERVICES[Math.floor(random() * SEED_SERVICES.length)]!.code;
      try {
        const order = await orders.purchase(principal, { service, country: pickCountry() });
        bought.push({ order, principal, fate: fateOf(random()) });
      } catch {
        history.refused!++;
      }
    }
    // The SMS a few seconds later.
    await moveTo(clock, batchStart + 30_000);
    for (const { order, fate } of bought) {
      if (fate !== 'finished' && fate !== 'expired_after_sms') continue;
      const code = String(100000 + Math.floor(random() * 900000));
      await matching.onInboundSms({
        iccid: order.simIccid,
        inboundMessageId: null,
        sender: 'Telegram',
        text: `Your verification code is ${code}. Do not share it.`,
        sentAt: clock.now() - 2_000,
        receivedAt: clock.now(),
      });
    }
    await moveTo(clock, batchStart + 3 * MINUTE);
    for (const { order, principal, fate } of bought) {
      if (fate === 'finished') await orders.finish(principal.customerId, order.id);
      else if (fate === 'cancelled') await orders.cancel(principal.customerId, order.id);
    }
    await moveTo(clock, batchStart + PAST_LIFETIME);
    await orders.expireDue();
    for (const { fate } of bought) history[fate]!++;
    made += bought.length;
    if (bought.length < want) throw new Error(`history stalled at ${made} orders`);
    await moveTo(clock, batchStart + 25 * MINUTE);
  }
  const open = store.db
    .prepare<[], { status: string }>('SELECT status FROM orders')
    .all()
    .filter((r) => isOpenStatus(r.status as Order['status'])).length;
  if (open !== 0) throw new Error(`history left ${open} open orders`);
  const rows = rowCounts(store);
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.db.close();
  return {
    file,
    principals,
    now: clock.now() + 10 * MINUTE,
    buildMs: Math.round(performance.now() - started),
    rows,
    history,
  };
}

/** A private copy of the template for one scenario (checkpointed, so the .db file is whole). */
export function copyTemplate(template: string, dir: string, name: string): string {
  const file = path.join(dir, `${name}.db`);
  copyFileSync(template, file);
  return file;
}

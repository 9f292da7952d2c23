/**
 * The catalog, customer and idempotency ports of either engine, and SQL seeding of what they
 * read but do not write themselves (SIMs, orders, number history, per-service usage), with
 * statements that read the same on both engines.
 */
import type {
  CatalogPort,
  CatalogSeedInput,
  CustomerPort,
  IdempotencyPort,
  LedgerEntry,
  NewApiKey,
} from '../../../src/domain/index.js';
import type { Movement } from '../../../src/store/common/ledger-rows.js';
import { createStore } from '../../../src/store/index.js';
import { createPostgresStore } from '../../../src/store/postgres/index.js';
import { PostgresLedgerWriter } from '../../../src/store/postgres/ledger-writer.js';
import { PostgresOutboxWriter } from '../../../src/store/postgres/outbox-writer.js';
import { LedgerWriter } from '../../../src/store/sqlite/ledger-writer.js';
import { OutboxWriter } from '../../../src/store/sqlite/outbox-writer.js';
import type { EngineDatabase, EngineHandle } from './engines.js';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
export const MINUTE = 60_000;

/** A catalog small enough to compare whole: two services, two real countries, a virtual one. */
export const SMALL_SEED: CatalogSeedInput = {
  services: [
    { code: 'wa', name: 'WhatsApp', senderPatterns: ['^WhatsApp$'], codePattern: null },
    {
      code: 'tg',
      name: 'Telegram',
      senderPatterns: ['^Telegram$', '^42777$'],
      codePattern: 'code: (?<code>\\d{5})',
      callCodeDigits: 4,
    },
  ],
  countries: [
    {
      activateId: 187,
      iso2: 'us',
      eng: 'USA',
      rus: 'США',
      chn: '美国',
      callingCode: 1,
      mccs: ['310'],
    },
    {
      activateId: 16,
      iso2: 'GB',
      eng: 'United Kingdom',
      rus: 'Англия',
      chn: '英国',
      callingCode: 44,
      mccs: ['234', '235'],
    },
    {
      activateId: 12,
      iso2: 'US',
      eng: 'USA (virtual)',
      rus: 'США (виртуальный)',
      chn: '美国 (虚拟)',
      callingCode: 1,
      mccs: [],
      virtual: true,
    },
  ],
  defaultPriceUnits: 4000,
  defaultHoldSeconds: 90,
  defaultLifetimeSeconds: 900,
};

/** A live key row for `customerId`, hash `hash-<id>`. */
export function newKey(
  id: string,
  customerId: string,
  overrides: Partial<NewApiKey> = {},
): NewApiKey {
  return {
    id,
    customerId,
    prefix: `sp_live_${id.slice(-4)}`,
    hash: `hash-${id}`,
    scopes: ['orders'],
    sandbox: false,
    maxOpenOrders: null,
    label: null,
    createdAt: T0,
    ...overrides,
  };
}

export interface AccountPorts {
  readonly catalog: CatalogPort;
  readonly customers: CustomerPort;
  readonly idempotency: IdempotencyPort;
}

export function accountPorts(handle: EngineHandle): AccountPorts {
  const store =
    handle.engine === 'sqlite'
      ? createStore(handle.db)
      : createPostgresStore(handle.db, { hostId: 'contract' });
  return { catalog: store.catalog, customers: store.customers, idempotency: store.idempotency };
}

export interface SimSeed {
  readonly iccid: string;
  readonly msisdn?: string | null;
  readonly country?: string;
  readonly status?: 'ready' | 'degraded' | 'offline';
  readonly registration?: string | null;
  /** Default a real port; `simulated:N` for a simulated modem's SIM. */
  readonly path?: string;
  readonly enabled?: boolean;
}

/** Fixed ICCIDs: iccid(1) … iccid(n). */
export function iccid(n: number): string {
  return `894400000000000${String(n).padStart(4, '0')}`;
}

export async function addSim(db: EngineDatabase, sim: SimSeed, at = 0): Promise<void> {
  await db.exec(
    `INSERT INTO sims (iccid, msisdn, country, operator, slot_path, status, status_changed_at,
       registration, first_seen_at, last_seen_at, enabled)
     VALUES (?, ?, ?, 'Vodafone UK', ?, ?, ?, ?, ?, ?, ?)`,
    [
      sim.iccid,
      sim.msisdn === undefined ? `+4477009${sim.iccid.slice(-5)}` : sim.msisdn,
      sim.country ?? 'GB',
      sim.path ?? `/dev/ttyUSB-${sim.iccid}`,
      sim.status ?? 'ready',
      at,
      sim.registration === undefined ? 'home' : sim.registration,
      at,
      at,
      sim.enabled === false ? 0 : 1,
    ],
  );
}

let activationIds = 1000;

/** An order of `sim` (its customer and key must exist), with its number-history row. */
export async function addOrder(
  db: EngineDatabase,
  order: {
    readonly id: string;
    readonly customerId: string;
    readonly apiKeyId: string;
    readonly sim: string;
    readonly service: string;
    readonly status: 'waiting' | 'received' | 'retry' | 'finished' | 'cancelled' | 'expired';
    readonly at: number;
    readonly releasedAt?: number;
    readonly sandbox?: boolean;
    readonly priceUnits?: number;
  },
): Promise<void> {
  await db.exec(
    `INSERT INTO orders (id, activation_id, customer_id, api_key_id, sandbox, service, country,
       price_units, sim_iccid, phone_number, status, created_at, number_assigned_at, hold_until,
       expires_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'GB', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      order.id,
      ++activationIds,
      order.customerId,
      order.apiKeyId,
      order.sandbox === true ? 1 : 0,
      order.service,
      order.priceUnits ?? 5000,
      order.sim,
      `+4477009${order.sim.slice(-5)}`,
      order.status,
      order.at,
      order.at,
      order.at + 120_000,
      order.at + 1_200_000,
      order.at,
    ],
  );
  await db.exec(
    `INSERT INTO order_numbers (order_id, sim_iccid, phone_number, assigned_at, released_at,
       release_reason) VALUES (?, ?, ?, ?, ?, ?)`,
    [
      order.id,
      order.sim,
      `+4477009${order.sim.slice(-5)}`,
      order.at,
      order.releasedAt ?? null,
      order.releasedAt === undefined ? null : 'cancelled',
    ],
  );
}

export async function addUsage(
  db: EngineDatabase,
  usage: {
    readonly sim: string;
    readonly service: string;
    readonly outcome: 'sold' | 'cancelled' | 'expired' | 'swapped';
    readonly orderId: string;
    readonly at: number;
  },
): Promise<void> {
  await db.exec(
    'INSERT INTO sim_service_usage (sim_iccid, service, outcome, order_id, at) VALUES (?, ?, ?, ?, ?)',
    [usage.sim, usage.service, usage.outcome, usage.orderId, usage.at],
  );
}

/**
 * A movement of money through the engine's ledger writer in a transaction of its own, as the
 * order transactions use it (not a port: each engine's writer has its own signature).
 */
export async function moveMoney(handle: EngineHandle, movement: Movement): Promise<LedgerEntry> {
  if (handle.engine === 'sqlite') {
    const ledger = new LedgerWriter(handle.db, new OutboxWriter(handle.db));
    return handle.db.transaction(() => ledger.move(movement)).immediate();
  }
  const ledger = new PostgresLedgerWriter(new PostgresOutboxWriter(handle.db));
  return handle.db.transaction((client) => ledger.move(client, movement));
}

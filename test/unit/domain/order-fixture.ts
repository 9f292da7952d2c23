/**
 * The domain services over a real store with the catalog seeded and SIMs in the inventory, on a
 * ManualClock: a SQLite file (`new OrderFixture()`), or either engine (`OrderFixture.open(engine)`,
 * PostgreSQL being a fresh database on the run's server), so the domain tests of orders run as
 * the OrderPort contract on both. `reopen()` closes the database and opens it again (a restart).
 */
import {
  CatalogService,
  CustomerService,
  DEFAULT_ORDER_RULES,
  MatchingService,
  OrderService,
  type OrderRulesConfig,
  type Principal,
} from '../../../src/domain/index.js';
import type { InventoryRepository } from '../../../src/pool/index.js';
import { ManualClock } from '../../../src/shared/index.js';
import { createStore, type SqliteStore } from '../../../src/store/index.js';
import { createPostgresStore, type PostgresStore } from '../../../src/store/postgres/index.js';
import {
  openEngineDatabase,
  openSqliteEngine,
  type EngineDatabase,
  type EngineHandle,
  type EngineName,
} from '../../store/contract/engines.js';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

/** The host the fixture's PostgreSQL store runs as (the host of the SIMs it adds). */
const FIXTURE_HOST = 'fixture-host';

export interface SimSpec {
  readonly iccid: string;
  readonly msisdn?: string | null;
  readonly country?: string;
  readonly status?: 'ready' | 'degraded' | 'offline';
  readonly registration?: 'home' | 'roaming' | 'searching' | 'denied';
  /** Slot path; default a real port (`/dev/ttyUSB-…`), `simulated:N` for a simulated modem. */
  readonly path?: string;
}

type StoreOf<E extends EngineName> = E extends 'sqlite' ? SqliteStore : PostgresStore;

export class OrderFixture<E extends EngineName = 'sqlite'> {
  readonly clock = new ManualClock(T0);
  store!: StoreOf<E>;
  catalog!: CatalogService;
  customers!: CustomerService;
  orders!: OrderService;
  matching!: MatchingService;
  private readonly database: EngineDatabase;

  /** A SQLite file, opened at once. */
  constructor(rules?: Partial<OrderRulesConfig>);
  /** @internal Use OrderFixture.open(engine). */
  constructor(rules: Partial<OrderRulesConfig>, database: EngineDatabase);
  constructor(
    private readonly rules: Partial<OrderRulesConfig> = {},
    database?: EngineDatabase,
  ) {
    this.database = database ?? openSqliteEngine();
    this.connect();
  }

  /** Either engine's store under the same services. */
  static async open<E extends EngineName>(
    engine: E,
    rules: Partial<OrderRulesConfig> = {},
  ): Promise<OrderFixture<E>> {
    return new OrderFixture(rules, await openEngineDatabase(engine, 'orders'));
  }

  get engine(): E {
    return this.database.engine as E;
  }

  /** The SQLite file (other processes open it too). */
  get file(): string {
    if (!('file' in this.database)) throw new Error('only a SQLite fixture has a file');
    return this.database.file as string;
  }

  private connect(): void {
    // SQLite: a lone appliance's rows (host ''), as `simpool start` without a host id.
    const handle = this.database.current();
    this.store = this.storeOf(handle, handle.engine === 'sqlite' ? '' : FIXTURE_HOST);
    this.catalog = new CatalogService(this.store.catalog, this.clock, {
      eligibility: this.fullRules(),
    });
    this.customers = new CustomerService(this.store.customers, this.clock);
    this.orders = new OrderService(this.store.orders, this.clock, { rules: this.rules });
    this.matching = new MatchingService(this.store.orders, this.clock, this.rules);
  }

  private fullRules(): OrderRulesConfig {
    return { ...DEFAULT_ORDER_RULES, ...this.rules };
  }

  /**
   * The store of another host (`hostId`) on the same database: on PostgreSQL a pool of its own,
   * on SQLite another connection to the file. Closed with the fixture.
   */
  async otherHost(hostId: string): Promise<StoreOf<E>> {
    return this.storeOf(await this.database.connectAgain(), hostId);
  }

  private storeOf(handle: EngineHandle, hostId: string): StoreOf<E> {
    return (
      handle.engine === 'sqlite'
        ? createStore(handle.db, { hostId })
        : createPostgresStore(handle.db, { hostId })
    ) as StoreOf<E>;
  }

  async reopen(): Promise<void> {
    await this.database.reopen();
    this.connect();
  }

  close(): Promise<void> {
    return this.database.close();
  }

  async seed(): Promise<void> {
    await this.catalog.seed();
  }

  /** A SIM as a modem reports it, into this host's inventory (or the given host's). */
  async addSim(
    spec: SimSpec,
    inventory: InventoryRepository = this.store.inventory,
  ): Promise<void> {
    const at = this.clock.now();
    await inventory.recordSim({
      iccid: spec.iccid,
      imsi: '234150000000000',
      msisdn: spec.msisdn === undefined ? `+4477009${spec.iccid.slice(-5)}` : spec.msisdn,
      country: spec.country ?? 'GB',
      operator: 'Vodafone UK',
      imei: `35693803${spec.iccid.slice(-7)}`,
      path: spec.path ?? `/dev/ttyUSB-${spec.iccid}`,
      at,
    });
    await inventory.setSimStatus(spec.iccid, spec.status ?? 'ready', at);
    await inventory.recordSimHealth(
      spec.iccid,
      { signalDbm: -71, registration: spec.registration ?? 'home', operator: null },
      at,
    );
  }

  /** A customer with one live key and `balanceUnits` deposited (none when 0). */
  async customer(
    email: string,
    balanceUnits = 100_000,
    key: { maxOpenOrders?: number } = {},
  ): Promise<Principal & { plainKey: string }> {
    const customer = await this.customers.createCustomer(email);
    const created = await this.customers.createKey(customer.id, key);
    if (balanceUnits > 0) await this.customers.credit(customer.id, balanceUnits);
    return { customerId: customer.id, apiKeyId: created.key.id, plainKey: created.plainKey };
  }

  /** SQL that reads the same on both engines, for looking at rows the ports do not show. */
  rows<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.database.rows<T>(sql, params);
  }

  /** SQL that writes the same on both engines, for rows a crash leaves behind. */
  exec(sql: string, params: readonly unknown[] = []): Promise<void> {
    return this.database.exec(sql, params);
  }

  async count(table: string): Promise<number> {
    const [row] = await this.rows<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
    return Number(row?.n ?? 0);
  }

  /** Row counts of everything a refused command must leave alone. */
  async snapshot(): Promise<Record<string, number>> {
    const tables = ['orders', 'order_numbers', 'ledger', 'sim_service_usage', 'events'];
    const counts: Record<string, number> = {};
    for (const table of tables) counts[table] = await this.count(table);
    return counts;
  }

  /** The sum of a customer's ledger amounts (must equal the balance). */
  async ledgerSum(customerId: string): Promise<number> {
    const [row] = await this.rows<{ n: number | null }>(
      'SELECT SUM(amount) AS n FROM ledger WHERE customer_id = ?',
      [customerId],
    );
    return Number(row?.n ?? 0);
  }
}

/** Fixed ICCIDs: sim(1) … sim(n). */
export function iccid(n: number): string {
  return `894400000000000${String(n).padStart(4, '0')}`;
}

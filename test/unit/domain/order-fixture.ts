/**
 * A real SQLite file with the catalog seeded, SIMs in the inventory and the domain services over
 * the store, on a ManualClock. `reopen()` closes the file and opens it again (a restart).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CatalogService,
  CustomerService,
  DEFAULT_ORDER_RULES,
  MatchingService,
  OrderService,
  type OrderRulesConfig,
  type Principal,
} from '../../../src/domain/index.js';
import { ManualClock } from '../../../src/shared/index.js';
import { createStore, openDatabase, type Store } from '../../../src/store/index.js';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

export interface SimSpec {
  readonly iccid: string;
  readonly msisdn?: string | null;
  readonly country?: string;
  readonly status?: 'ready' | 'degraded' | 'offline';
  readonly registration?: 'home' | 'roaming' | 'searching' | 'denied';
  /** Slot path; default a real port (`/dev/ttyUSB-…`), `simulated:N` for a simulated modem. */
  readonly path?: string;
}

export class OrderFixture {
  readonly clock = new ManualClock(T0);
  readonly dir = mkdtempSync(path.join(tmpdir(), 'simpool-orders-'));
  readonly file = path.join(this.dir, 'simpool.db');
  store!: Store;
  catalog!: CatalogService;
  customers!: CustomerService;
  orders!: OrderService;
  matching!: MatchingService;

  constructor(private readonly rules: Partial<OrderRulesConfig> = {}) {
    this.open();
  }

  private open(): void {
    this.store = createStore(openDatabase(this.file));
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

  reopen(): void {
    this.store.db.close();
    this.open();
  }

  close(): void {
    if (this.store.db.open) this.store.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async seed(): Promise<void> {
    await this.catalog.seed();
  }

  async addSim(spec: SimSpec): Promise<void> {
    const at = this.clock.now();
    const imei = `35693803${spec.iccid.slice(-7)}`;
    await this.store.inventory.recordSim({
      iccid: spec.iccid,
      imsi: '234150000000000',
      msisdn: spec.msisdn === undefined ? `+4477009${spec.iccid.slice(-5)}` : spec.msisdn,
      country: spec.country ?? 'GB',
      operator: 'Vodafone UK',
      imei,
      path: spec.path ?? `/dev/ttyUSB-${spec.iccid}`,
      at,
    });
    await this.store.inventory.setSimStatus(spec.iccid, spec.status ?? 'ready', at);
    await this.store.inventory.recordSimHealth(
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

  count(table: string): number {
    return this.store.db.prepare<[], number>(`SELECT COUNT(*) FROM ${table}`).pluck().get() ?? 0;
  }

  /** Row counts of everything a refused command must leave alone. */
  snapshot(): Record<string, number> {
    const tables = ['orders', 'order_numbers', 'ledger', 'sim_service_usage', 'events'];
    return Object.fromEntries(tables.map((t) => [t, this.count(t)]));
  }

  /** The sum of a customer's ledger amounts (must equal the balance). */
  ledgerSum(customerId: string): number {
    return (
      this.store.db
        .prepare<[string], number>(
          'SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE customer_id = ?',
        )
        .pluck()
        .get(customerId) ?? 0
    );
  }
}

/** Fixed ICCIDs: sim(1) … sim(n). */
export function iccid(n: number): string {
  return `894400000000000${String(n).padStart(4, '0')}`;
}

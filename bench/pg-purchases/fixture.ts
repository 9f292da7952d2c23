/**
 * The PostgreSQL purchase benchmark's hosts and seeded database: one `openPostgres` pool and
 * store per host (default pool size, as a daemon has); the seeded catalog, SIMs spread over the
 * hosts (recorded through each host's inventory) and customers with a key and a deposit.
 */
import { CatalogService, CustomerService, type Principal } from '../../src/domain/index.js';
import { systemClock } from '../../src/shared/index.js';
import {
  createPostgresStore,
  openPostgres,
  type PostgresDatabase,
  type PostgresStore,
} from '../../src/store/postgres/index.js';

/** As many as the API benchmark's: a key holds a dozen open orders at most by the end. */
export const CUSTOMERS = 300;

export interface Host {
  readonly db: PostgresDatabase;
  readonly store: PostgresStore;
}

/** Hosts `bench-<first>` … on `url`. */
export async function openHosts(url: string, count: number, first = 0): Promise<Host[]> {
  const hosts: Host[] = [];
  for (let i = first; i < first + count; i++) {
    const db = await openPostgres(url, { hostId: `bench-${i}` });
    hosts.push({ db, store: createPostgresStore(db, { hostId: `bench-${i}` }) });
  }
  return hosts;
}

export async function closeHosts(hosts: readonly Host[]): Promise<void> {
  await Promise.all(hosts.map(async (h) => h.store.close()));
}

const iccid = (n: number) => `8944${String(n).padStart(15, '0')}`;

/** Runs `work` over 0…count−1, `width` at a time. */
async function inParallel(count: number, width: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

export async function seed(url: string, sims: number): Promise<Principal[]> {
  const hosts = await openHosts(url, 3);
  try {
    const at = systemClock.now();
    await new CatalogService(hosts[0]!.store.catalog, systemClock).seed();
    await inParallel(sims, 24, async (n) => {
      const { inventory } = hosts[n % 3]!.store;
      await inventory.recordSim({
        iccid: iccid(n),
        imsi: null,
        msisdn: `+447700${String(n).padStart(6, '0')}`,
        country: 'GB',
        operator: 'Vodafone UK',
        imei: `35693803${String(n).padStart(7, '0')}`,
        path: `/dev/ttyUSB${n}`,
        at,
      });
      await inventory.setSimStatus(iccid(n), 'ready', at);
      const health = { signalDbm: -70, registration: 'home', operator: null } as const;
      await inventory.recordSimHealth(iccid(n), health, at);
    });
    const accounts = new CustomerService(hosts[0]!.store.customers, systemClock);
    const principals: Principal[] = [];
    for (let i = 0; i < CUSTOMERS; i++) {
      const customer = await accounts.createCustomer(`bench${i}@example.com`);
      const { key } = await accounts.createKey(customer.id, { maxOpenOrders: 100_000 });
      await accounts.credit(customer.id, 1_000_000_000);
      principals.push({ customerId: customer.id, apiKeyId: key.id });
    }
    return principals;
  } finally {
    await closeHosts(hosts);
  }
}

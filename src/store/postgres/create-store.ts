/**
 * The PostgreSQL engine's repositories over one open (and migrated) database: the same ports as
 * the SQLite store (src/store/sqlite/create-store.ts), for hosts sharing one database.
 */
import { PostgresCatalogRepository } from './catalog-repository.js';
import { PostgresCustomerRepository } from './customer-repository.js';
import type { PostgresDatabase } from './database.js';
import { PostgresIdempotencyRepository } from './idempotency-repository.js';
import { PostgresLedgerWriter } from './ledger-writer.js';
import { PostgresOutboxWriter } from './outbox-writer.js';
import { PostgresSimEligibility } from './sim-eligibility.js';

export interface PostgresStoreOptions {
  /** This host's id (docs/several-hosts.md): what its modems, slots and SIMs are recorded under. */
  readonly hostId: string;
}

export function createPostgresStore(db: PostgresDatabase, options: PostgresStoreOptions) {
  const events = new PostgresOutboxWriter(db);
  // Building blocks of the order transactions (ledger.move / tryMove, eligibility.pick).
  const ledger = new PostgresLedgerWriter(events);
  const eligibility = new PostgresSimEligibility();
  const catalog = new PostgresCatalogRepository(db, eligibility);
  return {
    db,
    hostId: options.hostId,
    catalog,
    customers: new PostgresCustomerRepository(db, ledger),
    idempotency: new PostgresIdempotencyRepository(db),
  };
}

export type PostgresStore = ReturnType<typeof createPostgresStore>;

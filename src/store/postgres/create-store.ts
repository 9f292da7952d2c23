/**
 * The PostgreSQL engine's repositories over one open (and migrated) database: the same ports as
 * the SQLite store (src/store/sqlite/create-store.ts), for hosts sharing one database.
 */
import type { InboundRepositoryOptions } from '../common/delivery-reports.js';
import type { PostgresDatabase } from './database.js';
import { Fencing } from './fencing.js';
import { PostgresInboundRepository } from './inbound-repository.js';
import { PostgresInventoryRepository } from './inventory-repository.js';
import { PostgresOutboxWriter } from './outbox-writer.js';

export interface PostgresStoreOptions extends InboundRepositoryOptions {
  /** This host's id (docs/several-hosts.md): what its modems, slots and SIMs are recorded under. */
  readonly hostId: string;
}

export function createPostgresStore(db: PostgresDatabase, options: PostgresStoreOptions) {
  /** Bound to the host session once it started (fencing.ts); checked by modem-side writes. */
  const fencing = new Fencing();
  const events = new PostgresOutboxWriter(db);
  return {
    db,
    hostId: options.hostId,
    fencing,
    /** This host's modems, slots and SIMs; reads cover every host (InventoryRepository). */
    inventory: new PostgresInventoryRepository(db, fencing, options.hostId),
    /** Inbound SMS and status reports (InboundRepository, RawPduReads). */
    inbound: new PostgresInboundRepository(db, events, fencing, options),
  };
}

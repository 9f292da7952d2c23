/**
 * The PostgreSQL engine's repositories over one open (and migrated) database: the same ports as
 * the SQLite store (src/store/sqlite/create-store.ts), for hosts sharing one database.
 */
import type { PostgresDatabase } from './database.js';
import { PostgresHostRegistry } from './host-registry.js';

export interface PostgresStoreOptions {
  /** This host's id (docs/several-hosts.md): what its modems, slots and SIMs are recorded under. */
  readonly hostId: string;
}

export function createPostgresStore(db: PostgresDatabase, options: PostgresStoreOptions) {
  return {
    db,
    hostId: options.hostId,
    /** The hosts sharing this database: leases, epochs, fencing, the dead-host reaper. */
    hosts: new PostgresHostRegistry(db),
  };
}

/**
 * The PostgreSQL engine's repositories over one open (and migrated) database: the same ports as
 * the SQLite store (src/store/sqlite/create-store.ts), for hosts sharing one database.
 */
import type { PostgresDatabase } from './database.js';
import { Fencing } from './fencing.js';
import { PostgresHostCommandRepository } from './host-command-repository.js';

export interface PostgresStoreOptions {
  /** This host's id (docs/several-hosts.md): what its modems, slots and SIMs are recorded under. */
  readonly hostId: string;
}

export function createPostgresStore(db: PostgresDatabase, options: PostgresStoreOptions) {
  /** Bound to the host session once it started (fencing.ts); checked by modem-side writes. */
  const fencing = new Fencing();
  return {
    db,
    hostId: options.hostId,
    fencing,
    /** Modem actions asked of another host (HostCommandPort); close() it to stop listening. */
    hostCommands: new PostgresHostCommandRepository(db),
  };
}

/**
 * The PostgreSQL engine's repositories over one open (and migrated) database: the same ports as
 * the SQLite store (src/store/sqlite/create-store.ts), for hosts sharing one database.
 */
import type { PostgresDatabase } from './database.js';
import { Fencing } from './fencing.js';
import type { PostgresListener } from './listener.js';
import { PostgresOutboxWriter } from './outbox-writer.js';
import { PostgresHostRegistry } from './host-registry.js';

export interface PostgresStoreOptions {
  /** This host's id (docs/several-hosts.md): what its modems, slots and SIMs are recorded under. */
  readonly hostId: string;
  /**
   * The process's LISTEN connection, shared by the readers that are woken across hosts. Without
   * one, those that need it start their own when first subscribed to.
   */
  readonly listener?: PostgresListener;
  /** Failures of background work (numbering events on a notification, LISTEN errors). */
  readonly onError?: (error: Error) => void;
}

export function createPostgresStore(db: PostgresDatabase, options: PostgresStoreOptions) {
  /** Bound to the host session once it started (fencing.ts); checked by modem-side writes. */
  const fencing = new Fencing();
  const events = new PostgresOutboxWriter(db, {
    ...(options.listener ? { listener: options.listener } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  return {
    db,
    hostId: options.hostId,
    fencing,
    /** The event outbox (EventPort); close() it to stop its listening. */
    events,
    /** The hosts sharing this database: leases, epochs, fencing, the dead-host reaper. */
    hosts: new PostgresHostRegistry(db),
  };
}

/**
 * The PostgreSQL engine's repositories over one open (and migrated) database: the same ports as
 * the SQLite store (src/store/sqlite/create-store.ts), for hosts sharing one database.
 */
import type { ModemInventoryRow } from '../common/modem-listing.js';
import { createAdminPorts } from './admin-ports.js';
import type { PostgresDatabase } from './database.js';
import { Fencing } from './fencing.js';
import type { PostgresListener } from './listener.js';
import { listModemInventory } from './modem-listing.js';
import { PostgresOutboxWriter } from './outbox-writer.js';
import { PostgresHostRegistry } from './host-registry.js';
import { PostgresStatsRepository } from './stats-repository.js';
import { PostgresWebhookRepository } from './webhook-repository.js';

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
    /** Webhook endpoints, deliveries and the outbox fan-out (WebhookPort), claims by this host. */
    webhooks: new PostgresWebhookRepository(db, events, options.hostId),
    /** The admin API's storage: operator account, every host's SIMs, reads across accounts. */
    admin: createAdminPorts(db),
    /** Row counts for `GET /metrics` (StatsPort). */
    stats: new PostgresStatsRepository(db),
    /** Every host's modems as last recorded, with their SIMs and hosts (`simpool modems`). */
    modemInventory: (): Promise<ModemInventoryRow[]> => listModemInventory(db),
    /** Whether the database takes a write now (readiness). */
    writable: (): Promise<boolean> => db.ping(),
    /** The hosts sharing this database: leases, epochs, fencing, the dead-host reaper. */
    hosts: new PostgresHostRegistry(db),
  };
}

import type { AdminPorts } from '../../domain/index.js';
import { systemClock } from '../../shared/index.js';
import type { Store } from '../store.js';
import { createAdminPorts } from './admin-ports.js';
import { SqliteCatalogRepository } from './catalog-repository.js';
import { SqliteCustomerRepository } from './customer-repository.js';
import type { SqliteDatabase } from './database.js';
import { SqliteHostCommandRepository } from './host-command-repository.js';
import { SqliteHostRegistry, type SqliteHostRegistryOptions } from './host-registry.js';
import { SqliteIdempotencyRepository } from './idempotency-repository.js';
import { SqliteInboundRepository, type InboundRepositoryOptions } from './inbound-repository.js';
import { SqliteInventoryRepository } from './inventory-repository.js';
import { SqliteMessagingRepository } from './messaging-repository.js';
import { LedgerWriter } from './ledger-writer.js';
import { listModemInventory } from './modem-listing.js';
import { SqliteOrderRepository } from './order-repository.js';
import { SqliteOutboundRepository } from './outbound-repository.js';
import { OutboxWriter } from './outbox-writer.js';
import { schemaVersion } from './migrate.js';
import { databaseWritable } from './readiness.js';
import { SqliteSandboxDeliveries } from './sandbox-deliveries.js';
import { SqliteStatsRepository } from './stats-repository.js';
import { SqliteWebhookRepository } from './webhook-repository.js';

export interface StoreOptions extends InboundRepositoryOptions, SqliteHostRegistryOptions {
  /**
   * This host's id (docs/several-hosts.md): what its modems, slots and SIMs are recorded under.
   * Default '', a lone appliance's rows from before hosts existed.
   */
  readonly hostId?: string;
}

/** The SQLite engine's Store (src/store/store.ts), with its concrete repositories. */
export interface SqliteStore extends Store {
  readonly engine: 'sqlite';
  readonly db: SqliteDatabase;
  readonly inbound: SqliteInboundRepository;
  readonly inventory: SqliteInventoryRepository;
  readonly outbound: SqliteOutboundRepository;
  readonly catalog: SqliteCatalogRepository;
  readonly customers: SqliteCustomerRepository;
  readonly orders: SqliteOrderRepository;
  /** Sandbox orders' synthetic SMS schedule, for the daemon's sandbox sender. */
  readonly sandboxDeliveries: SqliteSandboxDeliveries;
  /** The event outbox (EventPort): readers resume from a seq. */
  readonly events: OutboxWriter;
  /** Idempotency-key records of the HTTP API (IdempotencyPort). */
  readonly idempotency: SqliteIdempotencyRepository;
  /** Webhook endpoints, deliveries and the outbox fan-out (WebhookPort). */
  readonly webhooks: SqliteWebhookRepository;
  /** The admin API's storage: operator account, SIM inventory edits, reads across accounts. */
  readonly admin: AdminPorts;
  /** Row counts for `GET /metrics` (StatsPort). */
  readonly stats: SqliteStatsRepository;
  /** The Messaging API's queue and reads (MessagingPort). */
  readonly messaging: SqliteMessagingRepository;
  /** Modem actions asked of another host (HostCommandPort). */
  readonly hostCommands: SqliteHostCommandRepository;
  /** This database's hosts: leases, epochs, the dead-host reaper (HostRegistryPort). */
  readonly hosts: SqliteHostRegistry;
}

/** The repositories over one open (and migrated) database; statements are prepared once here. */
export function createStore(db: SqliteDatabase, options: StoreOptions = {}): SqliteStore {
  const events = new OutboxWriter(db);
  const ledger = new LedgerWriter(db, events);
  const catalog = new SqliteCatalogRepository(db);
  const sandboxDeliveries = new SqliteSandboxDeliveries(db);
  const inventory = new SqliteInventoryRepository(db, options.hostId);
  const outbound = new SqliteOutboundRepository(db, events, { hostId: options.hostId ?? '' });
  const clock = options.clock ?? systemClock;
  return {
    engine: 'sqlite',
    db,
    inbound: new SqliteInboundRepository(db, events, options),
    inventory,
    outbound,
    catalog,
    customers: new SqliteCustomerRepository(db, ledger),
    orders: new SqliteOrderRepository(db, catalog, ledger, events, sandboxDeliveries),
    sandboxDeliveries,
    events,
    idempotency: new SqliteIdempotencyRepository(db),
    webhooks: new SqliteWebhookRepository(db, events, options.hostId),
    admin: createAdminPorts(db, clock),
    stats: new SqliteStatsRepository(db),
    messaging: new SqliteMessagingRepository(db, outbound, inventory),
    hostCommands: new SqliteHostCommandRepository(db),
    hosts: new SqliteHostRegistry(db, events, options),
    modemInventory: () => Promise.resolve(listModemInventory(db, clock.now())),
    writable: () => Promise.resolve(databaseWritable(db)),
    schemaVersion: () => Promise.resolve(schemaVersion(db)),
    // One process owns a SQLite queue: its MessagingService wakes the senders itself.
    onOutboundQueuedElsewhere: () => () => undefined,
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

/** The name the daemon's tests use for the same thing. */
export const createRepositories: (db: SqliteDatabase, options?: StoreOptions) => SqliteStore =
  createStore;

/**
 * The PostgreSQL engine's repositories over one open (and migrated) database: the same ports as
 * the SQLite store (src/store/sqlite/create-store.ts), for hosts sharing one database.
 */
import type { InboundRepositoryOptions } from '../common/delivery-reports.js';
import { PostgresCatalogRepository } from './catalog-repository.js';
import { PostgresCustomerRepository } from './customer-repository.js';
import type { PostgresDatabase } from './database.js';
import { Fencing } from './fencing.js';
import { postgresSchemaVersion } from './migrate.js';
import { PostgresIdempotencyRepository } from './idempotency-repository.js';
import { PostgresInboundRepository } from './inbound-repository.js';
import { PostgresInventoryRepository } from './inventory-repository.js';
import { PostgresLedgerWriter } from './ledger-writer.js';
import type { PostgresListener } from './listener.js';
import { PostgresOrderRepository } from './order-repository.js';
import { PostgresOutboxWriter } from './outbox-writer.js';
import { PostgresSandboxDeliveries } from './sandbox-deliveries.js';
import { PostgresSimEligibility } from './sim-eligibility.js';
import { PostgresHostCommandRepository } from './host-command-repository.js';
import { PostgresHostRegistry } from './host-registry.js';
import { PostgresMessagingRepository } from './messaging-repository.js';
import { PostgresOutboundRepository } from './outbound-repository.js';
import type { ModemInventoryRow } from '../common/modem-listing.js';
import { createAdminPorts } from './admin-ports.js';
import { listModemInventory } from './modem-listing.js';
import { PostgresStatsRepository } from './stats-repository.js';
import { PostgresWebhookRepository } from './webhook-repository.js';

export interface PostgresStoreOptions extends InboundRepositoryOptions {
  /** This host's id (docs/several-hosts.md): what its modems, slots and SIMs are recorded under. */
  readonly hostId: string;
  /**
   * The process's LISTEN connection, shared by the readers that are woken across hosts, closed
   * by the store's close(). Without one, those that need it start their own when subscribed to.
   */
  readonly listener?: PostgresListener;
  /** Failures of background work (numbering events on a notification, LISTEN errors). */
  readonly onError?: (error: Error) => void;
}

export function createPostgresStore(db: PostgresDatabase, options: PostgresStoreOptions) {
  // (satisfies Store, src/store/store.ts: checked where openPostgresStore returns it)
  /** Bound to the host session once it started (fencing.ts); checked by modem-side writes. */
  const fencing = new Fencing();
  const events = new PostgresOutboxWriter(db, {
    ...(options.listener ? { listener: options.listener } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  // Building blocks of the order transactions (ledger.move / tryMove, eligibility.pick).
  const ledger = new PostgresLedgerWriter(events);
  const eligibility = new PostgresSimEligibility();
  const catalog = new PostgresCatalogRepository(db, eligibility);
  const sandboxDeliveries = new PostgresSandboxDeliveries(db, options.hostId);
  const outbound = new PostgresOutboundRepository(db, {
    hostId: options.hostId,
    fencing,
    outbox: events,
    ...(options.listener ? { listener: options.listener } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const hostCommands = new PostgresHostCommandRepository(
    db,
    options.listener ? { listener: options.listener } : {},
  );
  return {
    engine: 'postgres' as const,
    db,
    hostId: options.hostId,
    fencing,
    /** The event outbox (EventPort); close() it to stop its listening. */
    events,
    catalog,
    customers: new PostgresCustomerRepository(db, ledger),
    idempotency: new PostgresIdempotencyRepository(db),
    orders: new PostgresOrderRepository(db, {
      ledger,
      outbox: events,
      eligibility,
      catalog,
      sandbox: sandboxDeliveries,
    }),
    /** This host's sandbox deliveries (the SIMs it drives). */
    sandboxDeliveries,
    /** Modem actions asked of another host (HostCommandPort); close() it to stop listening. */
    hostCommands,
    /** This host's modems, slots and SIMs; reads cover every host (InventoryRepository). */
    inventory: new PostgresInventoryRepository(db, fencing, options.hostId),
    /** Inbound SMS and status reports (InboundRepository, RawPduReads). */
    inbound: new PostgresInboundRepository(db, events, fencing, options),
    /** The hosts sharing this database: leases, epochs, the dead-host reaper; start() fences. */
    hosts: new PostgresHostRegistry(db, fencing),
    /**
     * The outbound queue shared by every host (OutboundRepository); `onQueued` hears work queued
     * on any host; close() it to stop its listening.
     */
    outbound,
    /** The Messaging API's queue and reads (MessagingPort). */
    messaging: new PostgresMessagingRepository(db, outbound),
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
    schemaVersion: (): Promise<number> => postgresSchemaVersion(db),
    onOutboundQueuedElsewhere: (listener: () => void): (() => void) => outbound.onQueued(listener),
    /**
     * Stops the listening of events, outbound and host commands, closes the listener given in
     * the options (the store owns it from then on), then the database.
     */
    async close(): Promise<void> {
      await Promise.allSettled([events.close(), outbound.close(), hostCommands.close()]);
      await options.listener?.close();
      await db.close();
    },
  };
}

export type PostgresStore = ReturnType<typeof createPostgresStore>;

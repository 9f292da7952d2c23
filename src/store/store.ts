/**
 * What the daemon and the commands get from either engine: every repository as the port the inner
 * layers define (src/domain, src/pool), plus the few things a running process needs of the store
 * as a whole. SQLite's `createStore` (src/store/sqlite/create-store.ts) and PostgreSQL's
 * `createPostgresStore` (src/store/postgres/create-store.ts) both satisfy it; the contract suites
 * in test/store/contract/ hold them to the same behaviour.
 */
import type {
  AdminPorts,
  CatalogPort,
  CustomerPort,
  EventPort,
  HostCommandPort,
  HostRegistryPort,
  IdempotencyPort,
  MessagingPort,
  OrderPort,
  SandboxDeliveryPort,
  StatsPort,
  WebhookPort,
} from '../domain/index.js';
import type {
  InboundRepository,
  InventoryRepository,
  OutboundRepository,
  RawPduReads,
} from '../pool/index.js';
import type { ModemInventoryRow } from './common/modem-listing.js';

export type StoreEngine = 'sqlite' | 'postgres';

export interface Store {
  readonly engine: StoreEngine;
  readonly inbound: InboundRepository & RawPduReads;
  readonly inventory: InventoryRepository;
  readonly outbound: OutboundRepository;
  readonly catalog: CatalogPort;
  readonly customers: CustomerPort;
  readonly orders: OrderPort;
  /** Sandbox orders' synthetic SMS schedule (this host's SIMs), for the sandbox sender. */
  readonly sandboxDeliveries: SandboxDeliveryPort;
  /** The event outbox: readers resume from a seq; on PostgreSQL every host's events. */
  readonly events: EventPort;
  readonly idempotency: IdempotencyPort;
  readonly webhooks: WebhookPort;
  readonly admin: AdminPorts;
  readonly stats: StatsPort;
  readonly messaging: MessagingPort;
  /** Modem actions asked of another host. */
  readonly hostCommands: HostCommandPort;
  /**
   * The hosts sharing this database. On PostgreSQL, the session `start` returns also fences this
   * store's modem-side writes (a stale epoch cannot write).
   */
  readonly hosts: HostRegistryPort;
  /** Every host's modems as last recorded, with their SIMs and hosts (`simpool modems`). */
  modemInventory(): Promise<ModemInventoryRow[]>;
  /** Whether the database takes a write now (readiness). */
  writable(): Promise<boolean>;
  /** The id of the newest migration applied (`simpool migrate`). */
  schemaVersion(): Promise<number>;
  /**
   * Calls `listener` when outbound work was queued by another process sharing the database
   * (PostgreSQL: NOTIFY at commit); never on SQLite, where one process owns the queue. Returns
   * the unsubscribe.
   */
  onOutboundQueuedElsewhere(listener: () => void): () => void;
  /** Stops background listening and closes the database. */
  close(): Promise<void>;
}

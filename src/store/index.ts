/**
 * SQLite storage (better-sqlite3): the only place with SQL. Implements the pool's ports
 * (src/pool/ports.ts).
 *
 *   openDatabase(file, { synchronous?, busyTimeoutMs?, onMigration? }) → SqliteDatabase
 *     WAL, synchronous FULL by default, foreign keys, busy timeout, then migrations.
 *   createStore(db, { hostId?, reportMatchWindowMs?, clock? }) → { db, inbound, inventory, outbound,
 *     …, hosts } (also exported as createRepositories / Repositories); `clock` times the hosts'
 *     leases
 *   or the repositories one by one: SqliteInboundRepository, SqliteInventoryRepository,
 *   SqliteOutboundRepository.
 */
export { openDatabase } from './sqlite/database.js';
export type { OpenDatabaseOptions, SqliteDatabase } from './sqlite/database.js';
export { runMigrations, schemaVersion } from './sqlite/migrate.js';
export type { Migration } from './common/migrations.js';
export { createStore, createRepositories } from './sqlite/create-store.js';
export type { SqliteStore, StoreOptions } from './sqlite/create-store.js';
export type { Store, StoreEngine } from './store.js';
/** The name the commands use for the same thing. */
export type { Store as Repositories } from './store.js';
export { SqliteInboundRepository } from './sqlite/inbound-repository.js';
export type { InboundRepositoryOptions } from './sqlite/inbound-repository.js';
export { DEFAULT_REPORT_MATCH_WINDOW_MS } from './common/delivery-reports.js';
export { SqliteInventoryRepository } from './sqlite/inventory-repository.js';
export type { SimPlacement } from './common/inventory-rows.js';
export { SqliteOutboundRepository } from './sqlite/outbound-repository.js';
export type { OutboundPartRow } from './common/outbound-rows.js';
export { pduFingerprint } from './common/inbound-rows.js';
export { SqliteSandboxDeliveries } from './sqlite/sandbox-deliveries.js';
export { SqliteIdempotencyRepository } from './sqlite/idempotency-repository.js';
export { SqliteWebhookRepository } from './sqlite/webhook-repository.js';
export { SqliteStatsRepository } from './sqlite/stats-repository.js';
export type { ModemInventoryRow } from './common/modem-listing.js';
export { SqliteMessagingRepository } from './sqlite/messaging-repository.js';
export { SqliteMessageReads } from './sqlite/message-reads.js';
export { SqliteHostCommandRepository } from './sqlite/host-command-repository.js';
export { SqliteHostRegistry, SqliteHostSession } from './sqlite/host-registry.js';
export type { SqliteHostRegistryOptions } from './sqlite/host-registry.js';

/*
 * PostgreSQL (node-postgres), for several hosts sharing one database: see src/store/postgres.
 * Loaded on demand (`loadPostgresEngine`, `loadApplianceCopy`): a SQLite appliance never loads
 * the PostgreSQL adapter's modules (about 11 MB of a small appliance's memory). What any
 * engine's config check needs is here directly.
 */
export { isPostgresUrl, redactDatabaseUrl } from './postgres/redact.js';
export { passwordFromFileText } from './postgres/password-file.js';
export type {
  OpenPostgresOptions,
  OpenPostgresStoreOptions,
  Queryable,
  IsolationLevel,
  PostgresClient,
  TransactionOptions,
  ChannelHandler,
  ListenerState,
  PostgresListenerOptions,
} from './postgres/index.js';
export type { CopyApplianceOptions, CopyReport, TableCopied } from './copy/index.js';
import type * as PostgresEngine from './postgres/index.js';
import type * as ApplianceCopy from './copy/index.js';

/** The PostgreSQL engine (src/store/postgres/index.ts), loaded on first use. */
export function loadPostgresEngine(): Promise<typeof PostgresEngine> {
  return import('./postgres/index.js');
}

/** Copying a SQLite appliance into an empty PostgreSQL database (`simpool migrate --from`). */
export function loadApplianceCopy(): Promise<typeof ApplianceCopy> {
  return import('./copy/index.js');
}

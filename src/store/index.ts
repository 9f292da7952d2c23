/**
 * SQLite storage (better-sqlite3): the only place with SQL. Implements the pool's ports
 * (src/pool/ports.ts).
 *
 *   openDatabase(file, { synchronous?, busyTimeoutMs?, onMigration? }) → SqliteDatabase
 *     WAL, synchronous FULL by default, foreign keys, busy timeout, then migrations.
 *   createStore(db, { reportMatchWindowMs? }) → { db, inbound, inventory, outbound }
 *     (also exported as createRepositories / Repositories)
 *   or the repositories one by one: SqliteInboundRepository, SqliteInventoryRepository,
 *   SqliteOutboundRepository.
 */
export { openDatabase } from './database.js';
export type { OpenDatabaseOptions, SqliteDatabase } from './database.js';
export { runMigrations, schemaVersion } from './migrate.js';
export type { Migration } from './migrate.js';
export { createStore, createRepositories } from './create-store.js';
export type { Repositories, Store, StoreOptions } from './create-store.js';
export { SqliteInboundRepository } from './inbound-repository.js';
export type { InboundRepositoryOptions } from './inbound-repository.js';
export { DEFAULT_REPORT_MATCH_WINDOW_MS } from './delivery-reports.js';
export { SqliteInventoryRepository } from './inventory-repository.js';
export type { SimPlacement } from './inventory-rows.js';
export { SqliteOutboundRepository } from './outbound-repository.js';
export type { OutboundPartRow } from './outbound-rows.js';
export { pduFingerprint } from './inbound-rows.js';
export { SqliteSandboxDeliveries } from './sandbox-deliveries.js';
export { SqliteIdempotencyRepository } from './idempotency-repository.js';
export { databaseWritable } from './readiness.js';
export { SqliteWebhookRepository } from './webhook-repository.js';
export { SqliteStatsRepository } from './stats-repository.js';
export { createAdminPorts } from './admin-ports.js';
export { listModemInventory } from './modem-listing.js';
export type { ModemInventoryRow } from './modem-listing.js';
export { SqliteMessagingRepository } from './messaging-repository.js';
export { SqliteMessageReads } from './message-reads.js';

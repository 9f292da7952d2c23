/**
 * PostgreSQL storage (node-postgres): the foundation the PostgreSQL repositories build on.
 *
 *   openPostgres(url, options) → PostgresDatabase      pool, type parsers, migrations
 *     db.query(sql, params)                             one statement, any pooled connection
 *     db.transaction(work, { isolation, readOnly, maxAttempts })
 *                                                       BEGIN … COMMIT, retried on 40001/40P01
 *     db.connectClient()                                a dedicated connection (LISTEN, locks)
 *     db.ping({ timeoutMs })                            takes a write now? (readiness)
 *     db.close()
 *   PostgresListener.start(db, options) → listener      LISTEN connection that reconnects
 *     listener.listen(channel, { onNotification, onReconnect }) → unlisten
 *   notify(db | client, channel, payload?)              pg_notify, delivered at commit
 *   runPostgresMigrations / postgresSchemaVersion       (openPostgres migrates already)
 *   redactDatabaseUrl(url), isPostgresUrl(s)            the only way a URL is ever shown
 *   new PostgresOutboxWriter(db, { listener?, onError? })  EventPort; append(client, event)
 *                                                       inside the caller's transaction
 *   PostgresHostRegistry(db).start(request) → session  a host's lease, epoch and lock
 *     session.assertCurrent(client)                     fencing, inside a pool-side transaction
 *   assertCurrentEpoch(client, hostId, epoch)           the same, without the session object
 */
export { openPostgres, PostgresDatabase } from './database.js';
export type { OpenPostgresOptions, Queryable } from './database.js';
export { DEFAULT_TRANSACTION_ATTEMPTS, isRetryableTransactionError } from './transaction.js';
export type { IsolationLevel, PostgresClient, TransactionOptions } from './transaction.js';
export { MIGRATION_LOCK_KEY, postgresSchemaVersion, runPostgresMigrations } from './migrate.js';
export { migrations as postgresMigrations } from './migrations/index.js';
export { PostgresListener, notify } from './listener.js';
export type { ChannelHandler, ListenerState, PostgresListenerOptions } from './listener.js';
export { isPostgresUrl, redactDatabaseUrl } from './redact.js';
export { PostgresOutboxWriter } from './outbox-writer.js';
export type { PostgresOutboxOptions } from './outbox-writer.js';
export {
  EVENT_SEQUENCER_LOCK_KEY,
  EVENTS_APPENDED_CHANNEL,
  EVENTS_NUMBERED_CHANNEL,
} from './event-sequencer.js';
export { createPostgresStore } from './create-store.js';
export { Fencing } from './fencing.js';
export type { FencedSession } from './fencing.js';
export {
  PostgresHostRegistry,
  PostgresHostSession,
  assertCurrentEpoch,
  HOST_ADOPTION_LOCK_KEY,
} from './host-registry.js';
export { HOST_LOCK_CLASS, hostLockApplicationName } from './host-lock.js';
export { DB_NOW_MS } from './db-clock.js';
export type { PostgresStoreOptions } from './create-store.js';

/**
 * PostgreSQL storage (node-postgres): the foundation the PostgreSQL repositories build on.
 *
 *   openPostgresStore(url, { hostId, … }) → Store       what a host runs on: the pool, one
 *                                                       LISTEN connection, the repositories
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
 *   createPostgresStore(db, { hostId, listener? }) → the repositories (same fields as SQLite's
 *     Store): events, catalog, customers, idempotency, orders, sandboxDeliveries (this host's),
 *     outbound (onQueued(fn) hears work queued on any host), messaging, …
 *     Inside it, the building blocks of the order transactions take the transaction's client:
 *     PostgresLedgerWriter.move/tryMove(client, movement) and
 *     PostgresSimEligibility.pick(client, policy, …) (see their files).
 *   PostgresHostRegistry(db).start(request) → session  a host's lease, epoch and lock
 *     session.assertCurrent(client)                     fencing, inside a pool-side transaction
 *   assertCurrentEpoch(client, hostId, epoch)           the same, without the session object
 */
export { openPostgres, PostgresDatabase } from './database.js';
export { passwordFromFileText } from './password-file.js';
export type { OpenPostgresOptions, Queryable } from './database.js';
export {
  DEFAULT_TRANSACTION_ATTEMPTS,
  isRetryableTransactionError,
  isStalePreparedStatement,
  onCommit,
  sendWithCommit,
  sqlLiteral,
} from './transaction.js';
export type { IsolationLevel, PostgresClient, TransactionOptions } from './transaction.js';
export { postgresSchemaVersion, runPostgresMigrations } from './migrate.js';
export {
  EVENT_SEQUENCER_LOCK_KEY,
  HOST_ADOPTION_LOCK_KEY,
  HOST_LOCK_CLASS,
  MIGRATION_LOCK_KEY,
  MULTIPART_GROUP_LOCK_CLASS,
} from './advisory-locks.js';
export { migrations as postgresMigrations } from './migrations/index.js';
export { PostgresListener, notify } from './listener.js';
export type { ChannelHandler, ListenerState, PostgresListenerOptions } from './listener.js';
export { isPostgresUrl, redactDatabaseUrl } from './redact.js';
export { PostgresOutboxWriter } from './outbox-writer.js';
export type { PostgresOutboxOptions } from './outbox-writer.js';
export { EVENTS_NUMBERED_CHANNEL } from './event-sequencer.js';
export { createPostgresStore } from './create-store.js';
export { openPostgresStore } from './open-store.js';
export type { OpenPostgresStoreOptions } from './open-store.js';
export { Fencing } from './fencing.js';
export { PostgresHostCommandRepository } from './host-command-repository.js';
export type { PostgresHostCommandOptions } from './host-command-repository.js';
export type { FencedSession } from './fencing.js';
export type { PostgresStore } from './create-store.js';
export { PostgresHostRegistry, PostgresHostSession, assertCurrentEpoch } from './host-registry.js';
export { hostLockApplicationName } from './host-lock.js';
export { DB_NOW_MS } from './db-clock.js';
export type { PostgresStoreOptions } from './create-store.js';
export { PostgresOutboundRepository } from './outbound-repository.js';
export type { PostgresOutboundOptions } from './outbound-repository.js';
export { OUTBOUND_QUEUED_CHANNEL } from './outbound-steps.js';
export { PostgresMessagingRepository } from './messaging-repository.js';

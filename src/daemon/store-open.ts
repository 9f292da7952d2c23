/**
 * The one place that chooses the store engine for the configured database: the daemon and every
 * command that opens the store (src/cli/common.ts, `simpool migrate`) come through here.
 */
import { SimpoolError, type Clock } from '../shared/index.js';
import {
  createStore,
  loadPostgresEngine,
  openDatabase,
  type OpenDatabaseOptions,
  type SqliteDatabase,
  type Store,
} from '../store/index.js';
import type { Config } from './config-types.js';
import { databaseFailure, postgresFailure } from './start-failures.js';

export interface OpenStoreOptions {
  /** Called once per migration applied, for progress output. */
  readonly onMigration?: (id: number, name: string) => void;
  /** Failures of background work on PostgreSQL (LISTEN connection, idle connections). */
  readonly onError?: (error: Error) => void;
  readonly clock?: Clock;
}

/**
 * Opens (and migrates) the configured database as this host's store: a SQLite file, or a
 * PostgreSQL database shared with other hosts (its password never shown). A database that cannot
 * be used is `store_open_failed` naming what to change; a schema from a newer simpool is
 * `store_schema_too_new`.
 */
export async function openConfiguredStore(
  config: Pick<Config, 'database' | 'hostId'>,
  options: OpenStoreOptions = {},
): Promise<Store> {
  const { database } = config;
  const clock = options.clock ? { clock: options.clock } : {};
  if (database.engine === 'sqlite') {
    const db = openConfiguredSqlite(config, options);
    return createStore(db, { hostId: config.hostId, ...clock });
  }
  const { openPostgresStore } = await loadPostgresEngine();
  return await openPostgresStore(database.url, {
    hostId: config.hostId,
    ...(database.passwordFile ? { passwordFile: database.passwordFile } : {}),
    ...(options.onMigration ? { onMigration: options.onMigration } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
    ...clock,
  }).catch((error: unknown) => {
    throw postgresFailure(error);
  });
}

/**
 * The configured SQLite file itself, for what only SQLite has (tests reading a daemon's file).
 * A file that cannot be opened is a `store_open_failed` naming the file and the settings that
 * place it.
 */
export function openConfiguredSqlite(
  config: Pick<Config, 'database'>,
  options: OpenDatabaseOptions = {},
): SqliteDatabase {
  const { database } = config;
  if (database.engine !== 'sqlite') {
    throw new SimpoolError('invalid_argument', 'the configured database is not a SQLite file');
  }
  try {
    return openDatabase(database.file, options);
  } catch (error) {
    throw databaseFailure(database.file, error);
  }
}

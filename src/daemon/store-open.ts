/**
 * The one place that chooses the store engine for the configured database: the daemon and every
 * command that opens the store (src/cli/common.ts, `simpool migrate`) come through here.
 */
import { openDatabase, type OpenDatabaseOptions, type SqliteDatabase } from '../store/index.js';
import type { Config } from './config-types.js';
import { databaseFailure, postgresUnavailable } from './start-failures.js';

/**
 * Opens (and migrates) the configured database. A SQLite file that cannot be opened is a
 * `store_open_failed` naming the file and the settings that place it. A PostgreSQL URL is a
 * `store_engine_unavailable` (its password masked) until the PostgreSQL engine is built in.
 */
export function openConfiguredStore(
  config: Pick<Config, 'database'>,
  options: OpenDatabaseOptions = {},
): SqliteDatabase {
  const { database } = config;
  if (database.engine === 'postgres') throw postgresUnavailable(database);
  try {
    return openDatabase(database.file, options);
  } catch (error) {
    throw databaseFailure(database.file, error);
  }
}

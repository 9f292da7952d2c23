import { chmodSync, closeSync, existsSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SimpoolError, isSimpoolError } from '../../shared/index.js';
import { runMigrations } from './migrate.js';

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /**
   * `full` fsyncs the WAL on every commit, so a power cut cannot undo a commit after which an
   * SMS was deleted from its SIM. `normal` survives process crashes (kill -9) but not power loss.
   */
  readonly synchronous?: 'full' | 'normal';
  /** How long a writer waits for another connection's write lock. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /** Called once per migration applied, for progress output. */
  readonly onMigration?: (id: number, name: string) => void;
}

/**
 * The database holds SMS bodies, e-mails and webhook secrets: only simpool's user may read it,
 * whoever starts simpool and whatever their umask. A missing directory is created 0700 (an
 * existing one keeps its mode: it may be shared, e.g. /var/lib). The file is created 0600 before
 * SQLite opens it, so the -wal and -shm files SQLite makes later take the same mode (SQLite gives
 * them its database file's); files left by an older simpool are brought down to 0600 too.
 */
function preparePrivateFile(file: string): void {
  const dir = path.dirname(file);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700); // mkdir's mode passes through the umask
  }
  const fd = openSync(file, 'a', 0o600);
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
  for (const companion of [`${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    try {
      chmodSync(companion, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/**
 * Opens (creating if needed) the SQLite file, sets the pragmas simpool relies on and migrates.
 * Anything that goes wrong before the database is usable (unwritable directory, a file that is
 * not a database, WAL refused) is `store_open_failed`; a schema from a newer simpool is
 * `store_schema_too_new`. The connection is closed on failure.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  let db: SqliteDatabase | undefined;
  try {
    if (file !== ':memory:') preparePrivateFile(file);
    db = new Database(file);
    // busy_timeout first: switching to WAL itself needs a lock another process may hold.
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    const mode = String(db.pragma('journal_mode = WAL', { simple: true }));
    if (file !== ':memory:' && mode.toLowerCase() !== 'wal') {
      throw new SimpoolError('store_open_failed', `cannot switch ${file} to WAL (got ${mode})`);
    }
    db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma('foreign_keys = ON');
    runMigrations(db, options.onMigration);
    return db;
  } catch (cause) {
    db?.close();
    if (isSimpoolError(cause)) throw cause;
    throw new SimpoolError('store_open_failed', `cannot open database ${file}`, { cause });
  }
}

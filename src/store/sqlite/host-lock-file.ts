import { closeSync, fchmodSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * The SQLite engine's twin of PostgreSQL's session advisory lock on a host id: a small SQLite
 * file beside the database (`simpool.db.host-<id>.lock`), held with an exclusive lock for as
 * long as the process runs.
 *
 * Why a SQLite file rather than a pid in the `hosts` row or a plain lock file: SQLite's exclusive
 * lock is a POSIX advisory lock (fcntl), which the kernel drops the moment the process dies —
 * kill -9 included — and never outlives it; a pid could be reused by another program after a
 * reboot, a lock file's mere presence would need cleaning after a crash. SQLite also keeps locks
 * straight between two connections of one process (fcntl alone would not), so two registries in
 * one test process behave like two daemons. better-sqlite3 is already loaded: no native addon
 * for flock is needed.
 *
 * `locking_mode = EXCLUSIVE` keeps the lock taken by `BEGIN EXCLUSIVE` after the commit, until
 * the connection closes. Another process's attempt fails at once (busy timeout 0).
 */
export class HostLockFile {
  private constructor(
    readonly file: string,
    private connection: Database.Database | undefined,
  ) {}

  /** The lock file of `hostId` beside `databaseFile`; none for an in-memory database. */
  static pathFor(databaseFile: string, hostId: string): string | undefined {
    if (databaseFile === '' || databaseFile === ':memory:') return undefined;
    // The host id pattern (letters, digits, . _ -) makes it a safe file name.
    return `${databaseFile}.host-${hostId}.lock`;
  }

  /** The lock, or undefined while another connection (of any process) holds it. */
  static tryAcquire(file: string): HostLockFile | undefined {
    // Private like the database itself, whoever's umask.
    const fd = openSync(file, 'a', 0o600);
    try {
      fchmodSync(fd, 0o600);
    } finally {
      closeSync(fd);
    }
    const connection = new Database(file, { timeout: 0 });
    try {
      connection.pragma('locking_mode = EXCLUSIVE');
      connection.exec('BEGIN EXCLUSIVE; COMMIT');
      return new HostLockFile(file, connection);
    } catch (error) {
      connection.close();
      const code = (error as { code?: unknown }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return undefined;
      throw error;
    }
  }

  get held(): boolean {
    return this.connection !== undefined;
  }

  /** Lets go of the lock (closing its connection). Idempotent. */
  release(): void {
    this.connection?.close();
    this.connection = undefined;
  }
}

import type { SqliteDatabase } from './database.js';

class RollBack extends Error {}

/**
 * Whether the database takes writes now (readiness probes): one real row written in the main
 * database inside a transaction that is then rolled back, so nothing is left behind. A read-only
 * file, a full disk or a lock held past the busy timeout all answer false.
 */
export function databaseWritable(db: SqliteDatabase): boolean {
  try {
    db.transaction(() => {
      db.prepare(
        "INSERT INTO schema_migrations (id, name, applied_at) VALUES (-1, 'readiness probe', 0)",
      ).run();
      throw new RollBack();
    }).immediate();
    return true;
  } catch (error) {
    return error instanceof RollBack;
  }
}

import type Database from 'better-sqlite3';
import { refuseNewerSchema, type Migration } from '../common/migrations.js';
import { migrations as allMigrations } from './migrations/index.js';

export type { Migration } from '../common/migrations.js';

/**
 * Numbered, forward-only migrations. Each runs in its own IMMEDIATE transaction together with
 * the row that records it, so a crash mid-migration leaves the database at the previous version,
 * and two processes starting at once (daemon and a CLI command) cannot both apply one. Returns
 * the number applied. A database migrated by a newer simpool is refused, never touched.
 */
export function runMigrations(
  db: Database.Database,
  onMigration?: (id: number, name: string) => void,
  migrations: readonly Migration[] = allMigrations,
): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const newestApplied = db.prepare<[], { id: number | null }>(
    'SELECT MAX(id) AS id FROM schema_migrations',
  );
  const isApplied = db.prepare<[number], { id: number }>(
    'SELECT id FROM schema_migrations WHERE id = ?',
  );
  const record = db.prepare<[number, string, number]>(
    'INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)',
  );
  const newest = newestApplied.get()?.id ?? 0;
  refuseNewerSchema(newest, migrations);
  let count = 0;
  for (const migration of [...migrations].sort((a, b) => a.id - b.id)) {
    const applied = db
      .transaction(() => {
        // Checked again inside the write lock: another process may have applied it meanwhile.
        if (isApplied.get(migration.id)) return false;
        db.exec(migration.sql);
        record.run(migration.id, migration.name, Date.now());
        return true;
      })
      .immediate();
    if (!applied) continue;
    onMigration?.(migration.id, migration.name);
    count++;
  }
  return count;
}

/** The schema version of an open database (0 when nothing was applied). */
export function schemaVersion(db: Database.Database): number {
  return (
    db.prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM schema_migrations').get()
      ?.id ?? 0
  );
}

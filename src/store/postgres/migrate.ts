import type pg from 'pg';
import { SimpoolError } from '../../shared/index.js';
import { refuseNewerSchema, type Migration } from '../common/migrations.js';
import type { PostgresDatabase, Queryable } from './database.js';
import { migrations as allMigrations } from './migrations/index.js';
import { MIGRATION_LOCK_KEY } from './advisory-locks.js';

const CREATE_SCHEMA_MIGRATIONS = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

/** The schema version of a database (0 when nothing was applied, or no table yet). */
export async function postgresSchemaVersion(db: Queryable): Promise<number> {
  const exists = await db.query<{ present: boolean }>(
    `SELECT to_regclass('schema_migrations') IS NOT NULL AS present`,
  );
  if (!exists.rows[0]?.present) return 0;
  const newest = await db.query<{ id: number | null }>(
    'SELECT MAX(id) AS id FROM schema_migrations',
  );
  return newest.rows[0]?.id ?? 0;
}

async function applyOne(client: pg.Client, migration: Migration): Promise<boolean> {
  await client.query('BEGIN');
  try {
    const applied = await client.query('SELECT 1 FROM schema_migrations WHERE id = $1', [
      migration.id,
    ]);
    if (applied.rowCount !== 0) {
      await client.query('ROLLBACK');
      return false;
    }
    await client.query(migration.sql);
    await client.query('INSERT INTO schema_migrations (id, name, applied_at) VALUES ($1, $2, $3)', [
      migration.id,
      migration.name,
      Date.now(),
    ]);
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Numbered, forward-only migrations, the same ids and names as SQLite's. The whole run holds
 * the session advisory lock MIGRATION_LOCK_KEY on a dedicated connection (not the pool's, so a
 * pool of one connection works too); each migration runs in its own transaction with the row
 * that records it, so a crash leaves the database at the previous version. Returns the number
 * applied. A database migrated by a newer simpool is refused (`store_schema_too_new`), never
 * touched.
 */
export async function runPostgresMigrations(
  db: PostgresDatabase,
  onMigration?: (id: number, name: string) => void,
  migrations: readonly Migration[] = allMigrations,
): Promise<number> {
  const client = await db.connectClient();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(CREATE_SCHEMA_MIGRATIONS);
    const newest = await postgresSchemaVersion(client);
    refuseNewerSchema(newest, migrations);
    let count = 0;
    for (const migration of [...migrations].sort((a, b) => a.id - b.id)) {
      let applied: boolean;
      try {
        applied = await applyOne(client, migration);
      } catch (cause) {
        const safe = db.sanitize(cause);
        throw new SimpoolError(
          'store_open_failed',
          `migration ${migration.id} (${migration.name}) failed: ${safe.message}`,
          { cause: safe },
        );
      }
      if (!applied) continue;
      onMigration?.(migration.id, migration.name);
      count++;
    }
    return count;
  } finally {
    // Ending the session releases the advisory lock too, even if the unlock cannot be sent.
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => false);
    await client.end().catch(() => undefined);
  }
}

import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations as sqliteMigrations } from '../../src/store/sqlite/migrations/index.js';
import {
  openPostgres,
  postgresMigrations,
  postgresSchemaVersion,
  runPostgresMigrations,
  type PostgresDatabase,
} from '../../src/store/postgres/index.js';
import { freshPostgresDatabase } from '../helpers/postgres.js';

const opened: PostgresDatabase[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
});

async function appliedMigrations(url: string): Promise<{ id: number; name: string }[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ id: string; name: string }>(
      'SELECT id, name FROM schema_migrations ORDER BY id',
    );
    return result.rows.map((row) => ({ id: Number(row.id), name: row.name }));
  } finally {
    await client.end();
  }
}

describe('PostgreSQL migrations', () => {
  it('have the ids and names of the SQLite ones', () => {
    expect(postgresMigrations.map((m) => [m.id, m.name])).toEqual(
      sqliteMigrations.map((m) => [m.id, m.name]),
    );
  });

  it('three hosts migrating one empty database at once apply each migration exactly once', async () => {
    const url = await freshPostgresDatabase('migrate_race');
    const applied: [number, number, string][] = [];
    const hosts = [1, 2, 3].map((host) =>
      openPostgres(url, {
        hostId: `host-${host}`,
        poolSize: 1,
        onMigration: (id, name) => applied.push([host, id, name]),
      }),
    );
    const results = await Promise.allSettled(hosts);
    for (const result of results) if (result.status === 'fulfilled') opened.push(result.value);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);

    // Every migration reported once, by whichever host took the lock first.
    expect(applied.map(([, id]) => id).sort((a, b) => a - b)).toEqual(
      postgresMigrations.map((m) => m.id),
    );
    expect(new Set(applied.map(([host]) => host)).size).toBe(1);
    expect(await appliedMigrations(url)).toEqual(
      postgresMigrations.map((m) => ({ id: m.id, name: m.name })),
    );
    expect(await postgresSchemaVersion(opened[0]!)).toBe(12);

    // A later run finds nothing to do.
    expect(await runPostgresMigrations(opened[0]!)).toBe(0);
    expect(await appliedMigrations(url)).toHaveLength(postgresMigrations.length);
  });

  it('leaves the database at the previous version when a migration fails', async () => {
    const url = await freshPostgresDatabase('migrate_fail');
    const broken = [
      ...postgresMigrations.slice(0, 2),
      { id: 3, name: 'broken', sql: 'CREATE TABLE half_done (x BIGINT); SELECT no_such_column' },
    ];
    const db = await openPostgres(url);
    opened.push(db);
    await db.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    const failure = await runPostgresMigrations(db, undefined, broken).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'store_open_failed' });
    expect((failure as Error).message).toContain('migration 3 (broken) failed');
    expect(await postgresSchemaVersion(db)).toBe(2);
    const leftover = await db.query("SELECT to_regclass('half_done') IS NULL AS gone");
    expect(leftover.rows[0]).toEqual({ gone: true });
  });
});

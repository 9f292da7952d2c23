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
    expect(await postgresSchemaVersion(opened[0]!)).toBe(postgresMigrations.length);

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

  it('gives the triggers and sequences the behaviour SQLite has', async () => {
    const db = await openPostgres(await freshPostgresDatabase('migrate_behaviour'));
    opened.push(db);
    await db.query(`INSERT INTO customers (id, email, created_at) VALUES ('c1', 'a@b.c', 0);
      INSERT INTO api_keys (id, customer_id, prefix, key_hash, scopes, sandbox, created_at)
        VALUES ('k1', 'c1', 'sk', 'hash', '[]', 0, 0);
      INSERT INTO sims (iccid, status_changed_at, first_seen_at, last_seen_at)
        VALUES ('8901', 0, 0, 0)`);
    const insertOrder = (id: string, sandbox: number) =>
      db.query<{ activation_id: number }>(
        `INSERT INTO orders (id, customer_id, api_key_id, sandbox, service, country, price_units,
           sim_iccid, phone_number, status, created_at, number_assigned_at, hold_until,
           expires_at, updated_at)
         VALUES ($1, 'c1', 'k1', $2, 'tg', 'GB', 100, '8901', '+44', 'waiting', 0, 0, 0, 0, 0)
         RETURNING activation_id`,
        [id, sandbox],
      );

    // Activation ids from the sequence, starting where SQLite's do.
    expect((await insertOrder('o1', 0)).rows[0]).toEqual({ activation_id: 100_000_001 });
    await db.query("UPDATE orders SET status = 'finished' WHERE id = 'o1'");
    expect((await insertOrder('o2', 1)).rows[0]).toEqual({ activation_id: 100_000_002 });

    // Status counts follow every insert and status change (at commit).
    const counts = await db.query(
      'SELECT subject, status, count FROM status_counts WHERE count <> 0 ORDER BY 1, 2',
    );
    expect(counts.rows).toEqual([
      { subject: 'orders', status: 'finished', count: 1 },
      { subject: 'orders_sandbox', status: 'waiting', count: 1 },
    ]);

    // The latest assignment of a SIM is kept on it.
    await db.query(`INSERT INTO order_numbers (order_id, sim_iccid, phone_number, assigned_at)
      VALUES ('o1', '8901', '+44', 500), ('o2', '8901', '+44', 300)`);
    expect((await db.query('SELECT last_assigned_at FROM sims')).rows[0]).toEqual({
      last_assigned_at: 500,
    });

    // The ledger is append-only.
    await db.query(`INSERT INTO ledger (customer_id, sandbox, type, amount, balance_before,
      balance_after, description, created_at) VALUES ('c1', 0, 'deposit', 5, 0, 5, 'd', 0)`);
    for (const change of [
      'UPDATE ledger SET amount = 6',
      'DELETE FROM ledger',
      'TRUNCATE ledger',
    ]) {
      await expect(db.query(change)).rejects.toThrow('ledger is append-only');
    }

    // Each event records the transaction that wrote it, and gets its seq only once committed
    // (numbered by the event sequencer, migration 13).
    const written = await db.transaction(async (client) => {
      await client.query(`INSERT INTO events (id, type, data, created_at)
        VALUES ('evt_1', 'order.created', '{}', 0)`);
      const own = await client.query<{ txid: string }>('SELECT pg_current_xact_id()::text AS txid');
      return own.rows[0]!.txid;
    });
    const event = await db.query('SELECT seq, txid::text AS txid FROM events');
    expect(event.rows).toEqual([{ seq: null, txid: written }]);
  });
});

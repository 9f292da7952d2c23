import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { named } from '../../src/store/postgres/prepared.js';
import {
  isStalePreparedStatement,
  onCommit,
  openPostgres,
  sendWithCommit,
  sqlLiteral,
  type PostgresDatabase,
} from '../../src/store/postgres/index.js';
import { freshPostgresDatabase, requirePostgres } from '../helpers/postgres.js';

const opened: PostgresDatabase[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
});

async function open(url: string, options: Parameters<typeof openPostgres>[1] = {}) {
  const db = await openPostgres(url, options);
  opened.push(db);
  return db;
}

/** Resolves when both sides have arrived (once). */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    if (++arrived === parties) release();
    return all;
  };
}

describe('openPostgres: types and pool', () => {
  it('reads BIGINT, NUMERIC and their arrays as numbers, on its own pool only', async () => {
    const url = await freshPostgresDatabase('pg_types');
    const db = await open(url, { hostId: 'host-a' });
    const result = await db.query(
      `SELECT 1767225600000::bigint AS ms, COUNT(*) AS n, SUM(x) AS total, 2.5::numeric AS ratio,
              ARRAY[1, NULL, 3]::bigint[] AS ids, ARRAY[[1], [2]]::bigint[] AS grid,
              ARRAY[1.5]::numeric[] AS ratios, 9007199254740991::bigint AS largest
         FROM (VALUES (1::bigint), (2::bigint)) AS t(x)`,
    );
    expect(result.rows[0]).toEqual({
      ms: 1767225600000,
      n: 2,
      total: 3,
      ratio: 2.5,
      ids: [1, null, 3],
      grid: [[1], [2]],
      ratios: [1.5],
      largest: Number.MAX_SAFE_INTEGER,
    });
    await expect(db.query('SELECT 9007199254740993::bigint AS too_big')).rejects.toThrow(
      /does not fit a JavaScript number/,
    );

    // node-postgres' global defaults are untouched: a plain client still gets strings.
    const plain = new pg.Client({ connectionString: url });
    await plain.connect();
    try {
      const raw = await plain.query('SELECT 5::bigint AS n');
      expect(raw.rows[0]).toEqual({ n: '5' });
    } finally {
      await plain.end();
    }
  });

  it('names its connections simpool:<hostId>', async () => {
    const db = await open(await freshPostgresDatabase('pg_appname'), { hostId: 'rack-2' });
    const result = await db.query<{ application_name: string }>(
      'SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()',
    );
    expect(result.rows[0]?.application_name).toBe('simpool:rack-2');
  });
  it('reports an idle connection killed under it to onError, and carries on', async () => {
    const errors: Error[] = [];
    const url = await freshPostgresDatabase('pg_idle');
    const db = await open(url, { onError: (error) => errors.push(error) });
    await db.query('SELECT 1');
    expect(db.pool.idleCount).toBe(1);
    const admin = new pg.Client({ connectionString: requirePostgres() });
    await admin.connect();
    try {
      await admin.query(
        'SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1',
        [new URL(url).pathname.slice(1)],
      );
    } finally {
      await admin.end();
    }
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    expect(errors[0]!.message).toMatch(/terminat/);
    expect((await db.query('SELECT 2 AS n')).rows[0]).toEqual({ n: 2 });
  });
});

describe('PostgresDatabase.transaction', () => {
  it('commits what work did, or rolls all of it back when work throws', async () => {
    const db = await open(await freshPostgresDatabase('pg_tx'));
    await db.query('CREATE TABLE t (k TEXT PRIMARY KEY, v BIGINT NOT NULL)');
    const value = await db.transaction(async (client) => {
      await client.query("INSERT INTO t VALUES ('kept', 1)");
      return 'done';
    });
    expect(value).toBe('done');

    const failure = new Error('work failed');
    await expect(
      db.transaction(async (client) => {
        await client.query("INSERT INTO t VALUES ('dropped', 2)");
        throw failure;
      }),
    ).rejects.toBe(failure);
    const rows = await db.query('SELECT k FROM t ORDER BY k');
    expect(rows.rows).toEqual([{ k: 'kept' }]);
    expect(db.pool.totalCount).toBe(db.pool.idleCount); // every client went back
  });

  it('runs commit hooks once the transaction committed, never after a rollback', async () => {
    const db = await open(await freshPostgresDatabase('pg_hooks'));
    await db.query('CREATE TABLE t (k TEXT PRIMARY KEY)');
    const seen: string[] = [];
    await db.transaction(async (client) => {
      await client.query("INSERT INTO t VALUES ('a')");
      onCommit(client, () => seen.push('committed'));
      // Not yet: the hook waits for the COMMIT.
      expect(seen).toEqual([]);
      onCommit(client, () => {
        throw new Error('a failing hook neither undoes the commit nor fails the caller');
      });
    });
    expect(seen).toEqual(['committed']);
    await expect(
      db.transaction(async (client) => {
        onCommit(client, () => seen.push('rolled back'));
        await client.query("INSERT INTO t VALUES ('a')"); // duplicate key: rolls back
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(seen).toEqual(['committed']);
    const other = await db.pool.connect();
    try {
      expect(() => onCommit(other, () => undefined)).toThrow(/outside of/);
    } finally {
      other.release();
    }
  });

  it('sends statements with the COMMIT in one round trip, inside the transaction, values written in as they were', async () => {
    const db = await open(await freshPostgresDatabase('pg_with_commit'));
    await db.query('CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT)');
    const texts = ["it's", 'back\\slash \\', "'; DROP TABLE t; --", "E'x'", 'ünï ☎ \n', ''];
    const sent: string[] = [];
    let held: { query: unknown } | undefined;
    await db.transaction(async (client) => {
      // Every message this client sends, the COMMIT included (it goes through client.query).
      const query = client.query.bind(client);
      held = client;
      held.query = (text: string, ...rest: unknown[]) => {
        sent.push(text);
        return (query as (...a: unknown[]) => unknown)(text, ...rest);
      };
      texts.forEach((text, i) =>
        sendWithCommit(client, `INSERT INTO t VALUES (${sqlLiteral(text)}, ${sqlLiteral(i)})`),
      );
      sendWithCommit(client, `INSERT INTO t VALUES ('null', ${sqlLiteral(null)})`);
      // Not yet sent: nothing in the transaction sees them.
      expect((await client.query('SELECT COUNT(*) AS n FROM t')).rows[0]).toEqual({ n: 0 });
    });
    delete held?.query; // the pooled client's own method again
    expect(sent).toHaveLength(2); // the count, then the inserts and the COMMIT in one message
    expect(sent[1]).toMatch(/^INSERT[^]*;\nCOMMIT$/);
    const rows = await db.query<{ k: string; n: number | null }>('SELECT k, n FROM t');
    expect(new Set(rows.rows.map((r) => r.k))).toEqual(new Set([...texts, 'null']));
    expect(rows.rows.find((r) => r.k === 'null')?.n).toBeNull();
    expect(rows.rows.find((r) => r.k === "'; DROP TABLE t; --")?.n).toBe(2);
    expect(() => sqlLiteral(1.5)).toThrow(/integer/);

    // A failing one: the statements after it and the COMMIT are not run, the work is rolled back.
    await expect(
      db.transaction(async (client) => {
        await client.query("INSERT INTO t VALUES ('written before', 1)");
        sendWithCommit(client, "INSERT INTO t VALUES ('it''s', 9)"); // duplicate key
        sendWithCommit(client, "INSERT INTO t VALUES ('after the failure', 1)");
      }),
    ).rejects.toThrow(/duplicate key/);
    const after = await db.query(
      "SELECT k FROM t WHERE k IN ('written before', 'after the failure')",
    );
    expect(after.rows).toEqual([]);
    expect(db.pool.totalCount).toBe(db.pool.idleCount);
    const other = await db.pool.connect();
    try {
      expect(() => sendWithCommit(other, 'SELECT 1')).toThrow(/outside of/);
    } finally {
      other.release();
    }
  });

  it('runs a transaction again on a new connection when a schema change made its prepared statement stale', async () => {
    const db = await open(await freshPostgresDatabase('pg_stale_plan'), { poolSize: 1 });
    await db.query("CREATE TABLE t (k TEXT PRIMARY KEY); INSERT INTO t VALUES ('a')");
    const read = () =>
      db.transaction(async (client) => {
        const { rows } = await client.query(named('SELECT * FROM t WHERE k = $1', ['a']));
        return { rows, pid: (client as unknown as { processID: number }).processID };
      });
    const first = await read();
    expect(first.rows).toEqual([{ k: 'a' }]);
    // Another host migrates: the statement this connection prepared now answers other columns.
    const other = new pg.Client({ connectionString: db.displayUrl });
    await other.connect();
    await other.query('ALTER TABLE t ADD COLUMN n BIGINT');
    await other.end();
    const again = await read();
    expect(again.rows).toEqual([{ k: 'a', n: null }]);
    expect(again.pid).not.toBe(first.pid); // the stale connection was dropped, not reused
    expect(isStalePreparedStatement({ code: '0A000', message: 'x' })).toBe(false);
  });

  it('runs a SERIALIZABLE transaction again after a real serialization failure', async () => {
    const db = await open(await freshPostgresDatabase('pg_serial'));
    await db.query('CREATE TABLE counter (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)');
    await db.query('INSERT INTO counter VALUES (1, 0)');
    const bothRead = barrier(2);
    const attempts = { first: 0, second: 0 };
    let secondCommitted!: () => void;
    const secondDone = new Promise<void>((resolve) => (secondCommitted = resolve));

    // first: reads (snapshot taken), waits until second has committed its update, then updates
    // the same row: 40001 "could not serialize access due to concurrent update".
    const first = db.transaction(
      async (client) => {
        attempts.first++;
        const read = await client.query<{ v: number }>('SELECT v FROM counter WHERE id = 1');
        if (attempts.first === 1) {
          await bothRead();
          await secondDone;
        }
        await client.query('UPDATE counter SET v = $1 WHERE id = 1', [read.rows[0]!.v + 1]);
      },
      { isolation: 'serializable' },
    );
    const second = db
      .transaction(
        async (client) => {
          attempts.second++;
          const read = await client.query<{ v: number }>('SELECT v FROM counter WHERE id = 1');
          await bothRead();
          await client.query('UPDATE counter SET v = $1 WHERE id = 1', [read.rows[0]!.v + 1]);
        },
        { isolation: 'serializable' },
      )
      .then(secondCommitted);
    await Promise.all([first, second]);
    expect(attempts).toEqual({ first: 2, second: 1 });
    const final = await db.query('SELECT v FROM counter');
    expect(final.rows[0]).toEqual({ v: 2 }); // no lost update
  });

  it('runs the victim of a real deadlock again', async () => {
    const db = await open(await freshPostgresDatabase('pg_deadlock'));
    await db.query('CREATE TABLE account (id TEXT PRIMARY KEY, balance BIGINT NOT NULL)');
    await db.query("INSERT INTO account VALUES ('a', 100), ('b', 100)");
    const bothLocked = barrier(2);
    let runs = 0;
    const transfer = (from: string, to: string) => {
      let attempt = 0;
      return db.transaction(async (client) => {
        attempt++;
        runs++;
        await client.query("SET LOCAL deadlock_timeout = '50ms'");
        await client.query('UPDATE account SET balance = balance - 10 WHERE id = $1', [from]);
        if (attempt === 1) await bothLocked();
        await client.query('UPDATE account SET balance = balance + 10 WHERE id = $1', [to]);
      });
    };
    await Promise.all([transfer('a', 'b'), transfer('b', 'a')]);
    expect(runs).toBe(3); // one of the two was chosen as the victim and ran again
    const balances = await db.query('SELECT id, balance FROM account ORDER BY id');
    expect(balances.rows).toEqual([
      { id: 'a', balance: 100 },
      { id: 'b', balance: 100 },
    ]);
  });

  it('a connection lost mid-transaction fails that transaction, not the process', async () => {
    const db = await open(await freshPostgresDatabase('pg_lost'), { poolSize: 2 });
    const admin = new pg.Client({ connectionString: requirePostgres() });
    await admin.connect();
    try {
      let runs = 0;
      const lost = db.transaction(async (client) => {
        runs++;
        const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!
          .pid;
        // Killed while idle in this transaction, between two of its queries.
        await admin.query('SELECT pg_terminate_backend($1, 5000)', [pid]);
        await client.query('SELECT 1');
      });
      await expect(lost).rejects.toThrow();
      expect(runs).toBe(1); // not a serialization failure: its outcome is not retried
      expect((await db.query('SELECT 2 AS n')).rows[0]).toEqual({ n: 2 });
      expect(
        await db.transaction(
          async (client) => (await client.query<{ n: number }>('SELECT 3 AS n')).rows[0],
        ),
      ).toEqual({ n: 3 });
    } finally {
      await admin.end();
    }
  });

  it('gives up after maxAttempts, and never retries other errors', async () => {
    const db = await open(await freshPostgresDatabase('pg_giveup'));
    let runs = 0;
    const alwaysConflicting = db.transaction(
      async (client) => {
        runs++;
        await client.query(
          "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$",
        );
      },
      { maxAttempts: 3 },
    );
    await expect(alwaysConflicting).rejects.toMatchObject({ code: '40001' });
    expect(runs).toBe(3);

    await db.query('CREATE TABLE u (k TEXT PRIMARY KEY)');
    await db.query("INSERT INTO u VALUES ('taken')");
    runs = 0;
    const duplicate = db.transaction(async (client) => {
      runs++;
      await client.query("INSERT INTO u VALUES ('taken')");
    });
    await expect(duplicate).rejects.toMatchObject({ code: '23505' });
    expect(runs).toBe(1);
  });
});

describe('PostgresDatabase.ping', () => {
  it('answers whether the database takes a write now', async () => {
    const url = await freshPostgresDatabase('pg_ping');
    const db = await open(url, { poolSize: 1 });
    expect(await db.ping()).toBe(true);
    const left = await db.query('SELECT count(*) AS n FROM schema_migrations WHERE id < 0');
    expect(left.rows[0]).toEqual({ n: 0 });

    // The pool's only connection made read-only: the probe fails and that connection is dropped.
    await db.query('SET default_transaction_read_only = on');
    expect(await db.ping()).toBe(false);
    expect(await db.ping()).toBe(true);

    // The database refusing connections (as when unreachable): false within the timeout.
    const admin = new pg.Client({ connectionString: requirePostgres() });
    await admin.connect();
    const name = new URL(url).pathname.slice(1);
    try {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      expect(await db.ping({ timeoutMs: 1000 })).toBe(false);
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
      expect(await db.ping()).toBe(true);
    } finally {
      await admin.end();
    }
  });
});

import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSimpoolError } from '../../src/shared/index.js';
import { copyApplianceToPostgres } from '../../src/store/copy/index.js';
import { runMigrations } from '../../src/store/index.js';
import { migrations } from '../../src/store/sqlite/migrations/index.js';
import {
  openPostgres,
  postgresMigrations,
  postgresSchemaVersion,
  runPostgresMigrations,
  type PostgresDatabase,
} from '../../src/store/postgres/index.js';
import { freshPostgresDatabase } from '../helpers/postgres.js';
import { repoRoot } from '../helpers/sim-process.js';
import {
  buildApplianceFile,
  canonical,
  sha256,
  sourceTables,
  type Row,
} from './migrate-copy-source.js';

/**
 * `simpool migrate --from FILE.db --database postgres://…` on a real appliance file (a daemon
 * run, see migrate-copy-source.ts) and the run's real PostgreSQL server.
 */
const run = promisify(execFile);

let dir: string;
let source: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-migrate-copy-'));
  source = await buildApplianceFile(dir);
}, 300_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function withTarget<T>(url: string, use: (db: PostgresDatabase) => Promise<T>): Promise<T> {
  const db = await openPostgres(url);
  try {
    return await use(db);
  } finally {
    await db.close();
  }
}

async function count(db: PostgresDatabase, table: string): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "${table}"`)).rows[0]!.n;
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isSimpoolError(error)).toBe(true);
  return error as { code: string; message: string };
}

describe('copying a SQLite appliance into PostgreSQL', () => {
  it('copies every table row for row, keeps ids and balances, and leaves the source untouched', async () => {
    const url = await freshPostgresDatabase('copy');
    const before = await sha256(source);
    const expected = sourceTables(source);
    const progress: string[] = [];

    const report = await copyApplianceToPostgres({
      from: source,
      url,
      onTable: (t) => progress.push(t.table),
    });

    expect(await sha256(source)).toBe(before);
    expect([...progress].sort()).toEqual([...expected.keys()]);
    // Foreign-key order: what a row points at is copied before it.
    for (const [later, earlier] of [
      ['orders', 'customers'],
      ['orders', 'api_keys'],
      ['ledger', 'customers'],
      ['webhook_deliveries', 'webhook_endpoints'],
      ['outbound_parts', 'outbound_messages'],
      ['inbound_pdus', 'inbound_messages'],
    ] as const) {
      expect(progress.indexOf(later)).toBeGreaterThan(progress.indexOf(earlier));
    }
    const totalRows = [...expected.values()].reduce((n, rows) => n + rows.length, 0);
    expect(report.rows).toBe(totalRows);
    expect(report.database).toBe(url); // no password in this URL: shown as is
    const customers = expected.get('customers')!;
    expect(report.customersVerified).toBe(customers.length);
    // The daemon recorded its modems, SIMs and slots under its host id: none without a host.
    expect(Object.values(report.unownedRows).reduce((n, rows) => n + rows, 0)).toBe(0);

    // The daemon run filled what the copy is about.
    for (const table of [
      'customers',
      'api_keys',
      'balances',
      'ledger',
      'orders',
      'order_numbers',
      'order_messages',
      'inbound_messages',
      'inbound_pdus',
      'outbound_messages',
      'outbound_parts',
      'webhook_endpoints',
      'webhook_deliveries',
      'events',
      'sandbox_deliveries',
      'sims',
      'modems',
      'status_counts',
    ]) {
      expect(expected.get(table)?.length ?? 0, table).toBeGreaterThan(0);
    }

    await withTarget(url, async (db) => {
      // Every row of every table, field by field.
      for (const [table, rows] of expected) {
        const columns = Object.keys(rows[0] ?? {});
        const copied = (await db.query<Row>(`SELECT * FROM "${table}"`)).rows;
        expect(copied.length, table).toBe(rows.length);
        expect(canonical(copied, columns), table).toEqual(canonical(rows, columns));
      }
      // Balances as the ledger ends them.
      const balances = await db.query<{ customer_id: string; sandbox: number; balance: number }>(
        'SELECT customer_id, sandbox, balance FROM balances',
      );
      for (const b of balances.rows) {
        const last = await db.query<{ after: number }>(
          `SELECT balance_after AS after FROM ledger WHERE customer_id = $1 AND sandbox = $2
            ORDER BY id DESC LIMIT 1`,
          [b.customer_id, b.sandbox],
        );
        expect(last.rows[0]?.after).toBe(b.balance);
      }
      // Events keep SQLite's seq; creation order (rowid) is the same.
      const events = await db.query<{ seq: number; rowid: number }>(
        'SELECT seq, rowid FROM events',
      );
      expect(events.rows.every((e) => e.seq === e.rowid)).toBe(true);
      const lastSeq = Math.max(...events.rows.map((e) => e.seq));

      // Whatever is inserted next gets numbers past the copied ones.
      const next = await db.query<{ rowid: number }>(
        `INSERT INTO events (id, type, data, created_at) VALUES ('evt_after_copy', 'test', '{}', 0)
         RETURNING rowid`,
      );
      expect(next.rows[0]!.rowid).toBeGreaterThan(lastSeq);
      const ledgerIds = expected.get('ledger')!.map((r) => Number(r.id));
      const entry = await db.query<{ id: number }>(
        `INSERT INTO ledger (customer_id, sandbox, type, amount, balance_before, balance_after,
           description, created_at) VALUES ($1, 0, 'deposit', 1, 0, 1, 'after copy', 0) RETURNING id`,
        [customers[0]!.id],
      );
      expect(entry.rows[0]!.id).toBe(Math.max(...ledgerIds) + 1);
      const activation = await db.query<{ n: number }>(
        `SELECT nextval('order_activation_ids') AS n`,
      );
      const activationIds = expected.get('orders')!.map((r) => Number(r.activation_id));
      expect(activation.rows[0]!.n).toBe(Math.max(...activationIds) + 1);
      const customer = await db.query<{ rowid: number }>(
        `INSERT INTO customers (id, email, created_at) VALUES ('cus_after', 'after@example.com', 0)
         RETURNING rowid`,
      );
      expect(customer.rows[0]!.rowid).toBeGreaterThan(customers.length);
      // The status counts came with the rows and the triggers keep them from here on.
      const waiting = await db.query<{ n: number }>(
        `SELECT count AS n FROM status_counts WHERE subject = 'orders' AND status = 'finished'`,
      );
      expect(waiting.rows[0]?.n).toBe(
        expected.get('orders')!.filter((o) => o.status === 'finished' && o.sandbox === 0).length,
      );
    });
  });

  it('refuses a target holding data, and changes nothing in it', async () => {
    const url = await freshPostgresDatabase('copy_twice');
    await copyApplianceToPostgres({ from: source, url });
    const counts = await withTarget(url, async (db) => ({
      customers: await count(db, 'customers'),
      ledger: await count(db, 'ledger'),
      events: await count(db, 'events'),
    }));

    const error = await refusal(copyApplianceToPostgres({ from: source, url }));
    expect(error.code).toBe('store_target_not_empty');
    expect(error.message).toContain('customers');
    expect(error.message).toContain('nothing was written');
    await withTarget(url, async (db) => {
      expect({
        customers: await count(db, 'customers'),
        ledger: await count(db, 'ledger'),
        events: await count(db, 'events'),
      }).toEqual(counts);
    });
  });

  it('refuses a target of an older simpool holding data without migrating it', async () => {
    const url = await freshPostgresDatabase('copy_older_target');
    const older = await openPostgres(url, { migrate: false });
    try {
      await runPostgresMigrations(
        older,
        undefined,
        postgresMigrations.filter((m) => m.id < 13),
      );
      await older.query(
        `INSERT INTO customers (id, email, created_at) VALUES ('cus_old', 'old@example.com', 0)`,
      );
      const error = await refusal(copyApplianceToPostgres({ from: source, url }));
      expect(error.code).toBe('store_target_not_empty');
      expect(error.message).toContain('(customers)');
      expect(await postgresSchemaVersion(older)).toBe(12);
      expect(await count(older, 'customers')).toBe(1);
    } finally {
      await older.close();
    }
  });

  it('refuses a source at an older schema version, telling how to upgrade it, and writes nowhere', async () => {
    const old = path.join(dir, 'old.db');
    const db = new Database(old);
    runMigrations(
      db,
      undefined,
      migrations.filter((m) => m.id < 13),
    );
    db.close();
    const before = await sha256(old);
    const url = await freshPostgresDatabase('copy_old');

    const error = await refusal(copyApplianceToPostgres({ from: old, url }));
    expect(error.code).toBe('store_schema_outdated');
    expect(error.message).toContain(`simpool migrate --database ${old}`);
    expect(await sha256(old)).toBe(before);
    const target = await openPostgres(url, { migrate: false });
    try {
      const tables = await target.query(
        `SELECT 1 FROM pg_tables WHERE schemaname = current_schema()`,
      );
      expect(tables.rowCount).toBe(0);
    } finally {
      await target.close();
    }
  });

  it('rolls everything back when a balance does not match its ledger', async () => {
    const corrupt = path.join(dir, 'corrupt.db');
    await copyFile(source, corrupt);
    const db = new Database(corrupt);
    const victim = db
      .prepare<[], { customer_id: string }>(
        `SELECT customer_id FROM balances WHERE sandbox = 0 ORDER BY customer_id LIMIT 1`,
      )
      .get()!;
    db.prepare(
      `UPDATE balances SET balance = balance + 7 WHERE customer_id = ? AND sandbox = 0`,
    ).run(victim.customer_id);
    db.close();
    const url = await freshPostgresDatabase('copy_corrupt');

    const error = await refusal(copyApplianceToPostgres({ from: corrupt, url }));
    expect(error.code).toBe('store_copy_failed');
    expect(error.message).toContain(`customer ${victim.customer_id} live`);
    await withTarget(url, async (target) => {
      for (const table of ['customers', 'ledger', 'balances', 'orders', 'events', 'sims']) {
        expect(await count(target, table), table).toBe(0);
      }
      // And it is still a target a copy can go into.
      const copied = await copyApplianceToPostgres({ from: source, url });
      expect(copied.rows).toBeGreaterThan(0);
    });
  });
  it('refuses a source table it does not know, before writing any row', async () => {
    const extended = path.join(dir, 'extended.db');
    await copyFile(source, extended);
    const db = new Database(extended);
    db.exec(`CREATE TABLE local_notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
             INSERT INTO local_notes (text) VALUES ('kept on the appliance')`);
    db.close();
    const url = await freshPostgresDatabase('copy_unknown');

    const error = await refusal(copyApplianceToPostgres({ from: extended, url }));
    expect(error.code).toBe('store_copy_unsupported');
    expect(error.message).toContain('cannot copy local_notes: no such table');
    await withTarget(url, async (target) => {
      expect(await count(target, 'customers')).toBe(0);
    });
  });
});

/** Each command is a node process compiling the CLI: seconds apiece on a busy machine. */
const CLI_TIMEOUT_MS = 120_000;

describe('simpool migrate --from on the command line', () => {
  const simpool = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'migrate', ...args], {
      cwd: repoRoot,
      timeout: CLI_TIMEOUT_MS / 2,
    });

  it(
    'copies with --json, then refuses the same target with exit code 1, never showing the password',
    async () => {
      const plain = new URL(await freshPostgresDatabase('copy_cli'));
      // The test server trusts its role: a password in the URL is never asked for, only masked.
      plain.password = 'S3cret-pass';
      const url = plain.toString();

      const { stdout, stderr } = await simpool('--from', source, '--database', url, '--json');
      const report = JSON.parse(stdout) as {
        database: string;
        rows: number;
        customersVerified: number;
        rowsPerSecond: number;
        tables: Array<{ table: string; rows: number }>;
      };
      expect(report.database).toContain(':***@');
      expect(report.rows).toBe(report.tables.reduce((n, t) => n + t.rows, 0));
      expect(report.customersVerified).toBeGreaterThan(0);
      expect(report.rowsPerSecond).toBeGreaterThan(0);
      expect(`${stdout}${stderr}`).not.toContain('S3cret-pass');

      const again = await simpool('--from', source, '--database', url).then(
        () => undefined,
        (e: { code?: number; stdout: string; stderr: string }) => e,
      );
      expect(again?.code).toBe(1);
      expect(again?.stderr).toContain('store_target_not_empty');
      expect(`${again?.stdout}${again?.stderr}`).not.toContain('S3cret-pass');
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'prints a summary and the note about rows of no host yet',
    async () => {
      const url = await freshPostgresDatabase('copy_cli_text');
      // An appliance from before hosts existed: its modems, SIMs and slots belong to host ''.
      const preCluster = path.join(dir, 'pre-cluster.db');
      await copyFile(source, preCluster);
      const db = new Database(preCluster);
      for (const table of ['modems', 'sims', 'slots']) {
        db.prepare(`UPDATE ${table} SET host_id = ''`).run();
      }
      db.close();
      const { stdout } = await simpool('--from', preCluster, '--database', url);
      expect(stdout).toMatch(
        /^copied [\d,]+ rows in \d+ tables in [\d.]+ s \([\d,]+ rows\/s\); balances of 4 customers verified$/m,
      );
      expect(stdout).toMatch(
        /^note: rows of host '' \(this appliance\): .*modems 5.*; the first host/m,
      );
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'asks for a PostgreSQL target, and documents --from',
    async () => {
      const sqliteTarget = await simpool(
        '--from',
        source,
        '--database',
        path.join(dir, 'x.db'),
      ).then(
        () => undefined,
        (e: { code?: number; stderr: string }) => e,
      );
      expect(sqliteTarget?.code).toBe(1);
      expect(sqliteTarget?.stderr).toContain(
        '--from copies an appliance into a PostgreSQL database',
      );
      const help = await simpool('--help');
      expect(help.stdout).toContain('--from <file.db>');
    },
    CLI_TIMEOUT_MS,
  );
});

/**
 * Copy benchmark (`npm run bench:migrate-copy`): `simpool migrate --from` on a generated
 * appliance of about 200,000 rows. The appliance is the orders benchmark's history built
 * through the real services (bench/orders/fixture.ts: SIMs, customers with deposits, orders
 * finished, cancelled and expired with their number history, usage, SMS, ledger and events),
 * here 30,000 orders; it is copied into an empty database of a throwaway PostgreSQL server
 * (test/helpers/postgres-cluster.ts: fsync off, which matters little for one transaction) by
 * `copyApplianceToPostgres`, checks included. Prints rows per table and rows/s, writes
 * bench/results/migrate-copy.json.
 *
 *   --quick   3,000 orders (smoke check)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { copyApplianceToPostgres, type TableCopied } from '../src/store/copy/index.js';
import { startPostgresCluster } from '../test/helpers/postgres-cluster.js';
import { benchArgs, machineInfo, runMain, writeResults } from './common.js';
import { DEFAULT_FIXTURE, buildFixture } from './orders/fixture.js';

function sourceRows(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare<[], string>(
        `SELECT name FROM sqlite_schema WHERE type = 'table'
           AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'`,
      )
      .pluck()
      .all();
    return tables.reduce(
      (n, t) => n + (db.prepare<[], number>(`SELECT COUNT(*) FROM "${t}"`).pluck().get() ?? 0),
      0,
    );
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const { quick } = benchArgs();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'simpool-bench-copy-'));
  const cluster = await startPostgresCluster();
  try {
    const orders = quick ? 3_000 : 30_000;
    console.log(`building an appliance with ${orders.toLocaleString('en')} orders …`);
    const fixture = await buildFixture(dir, {
      ...DEFAULT_FIXTURE,
      customers: 1_000,
      historicalOrders: orders,
    });
    const rows = sourceRows(fixture.file);
    console.log(
      `built in ${(fixture.buildMs / 1000).toFixed(1)} s: ${rows.toLocaleString('en')} rows`,
    );

    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE copy_target');
    await admin.end();

    const tables: TableCopied[] = [];
    const report = await copyApplianceToPostgres({
      from: fixture.file,
      url: cluster.databaseUrl('copy_target'),
      onTable: (t) => tables.push(t),
    });
    const rowsPerSecond = Math.round(report.rows / report.seconds);
    console.table(
      tables
        .filter((t) => t.rows > 0)
        .sort((a, b) => b.rows - a.rows)
        .map((t) => ({
          table: t.table,
          rows: t.rows,
          seconds: Number(t.seconds.toFixed(2)),
          'rows/s': t.seconds > 0 ? Math.round(t.rows / t.seconds) : null,
        })),
    );
    console.log(
      `copied ${report.rows.toLocaleString('en')} rows in ${report.tables.length} tables in ` +
        `${report.seconds.toFixed(1)} s (${rowsPerSecond.toLocaleString('en')} rows/s, ` +
        `checks included); balances of ${report.customersVerified} customers verified`,
    );
    writeResults('migrate-copy', {
      machine: machineInfo(),
      orders,
      sourceRows: rows,
      rows: report.rows,
      seconds: report.seconds,
      rowsPerSecond,
      customersVerified: report.customersVerified,
      tables,
    });
  } finally {
    cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runMain(main);

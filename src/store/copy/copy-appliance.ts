/**
 * `simpool migrate --from FILE.db --database postgres://…`: an existing appliance's SQLite file
 * copied into an empty PostgreSQL database, all or nothing, checked before it commits.
 *
 * 1. The source is opened read-only and must be at this simpool's schema version (an older file
 *    is refused with the command that upgrades it: migrating it here would write to it).
 * 2. The target must hold no data, before it is migrated and again under lock inside the copy.
 * 3. The plan comes from the two schemas: every source table, in foreign-key order, column by
 *    column (SQLite's rowid into PostgreSQL's `rowid` columns); anything it cannot place is
 *    refused before a row is written.
 * 4. One transaction: the tables locked, their own triggers off (the rows are copied as they
 *    are, status counts included), rows inserted in batches, triggers on again, every sequence
 *    set past the copied ids (identity columns, `order_activation_ids`), then the checks: row
 *    counts per table, and every customer's balances against the source and the ledger. Any
 *    difference rolls everything back.
 *
 * Events keep their `seq` (SQLite's commit order); events.rowid's identity goes past the copied
 * rows, and new events are numbered after the largest copied `seq` by the event sequencer.
 */
import { performance } from 'node:perf_hooks';
import { SimpoolError, describeError, isSimpoolError } from '../../shared/index.js';
import { openPostgres, type PostgresDatabase } from '../postgres/database.js';
import { runPostgresMigrations } from '../postgres/migrate.js';
import { redactDatabaseUrl } from '../postgres/redact.js';
import type { PostgresClient } from '../postgres/transaction.js';
import {
  BALANCES_SQL,
  CUSTOMERS_SQL,
  LEDGER_AFTER_SQL,
  compareBalances,
  describeMismatch,
  type BalanceComparison,
  type BalanceFacts,
  type BalanceRow,
  type BalanceTotals,
} from './balance-check.js';
import { planCopy, type TablePlan } from './copy-plan.js';
import {
  MIGRATIONS_TABLE,
  BATCH_ROWS,
  advanceSequences,
  checkSequences,
  insertRows,
  quotePostgresName,
  setUserTriggers,
  tablesHoldingData,
  tablesWithTriggers,
  targetForeignKeys,
  targetSequences,
  targetTables,
  type SeedRows,
} from './postgres-target.js';
import { SqliteSource, migrationSeedRows } from './sqlite-source.js';

export interface CopyApplianceOptions {
  /** The appliance's SQLite file. */
  readonly from: string;
  /** The PostgreSQL URL (never shown: its masked form is). */
  readonly url: string;
  readonly passwordFile?: string | null;
  /** Each migration applied to the target before the copy. */
  readonly onMigration?: (id: number, name: string) => void;
  /** Each table once copied (inside the transaction: nothing is committed yet). */
  readonly onTable?: (table: TableCopied) => void;
}

export interface TableCopied {
  readonly table: string;
  readonly rows: number;
  readonly seconds: number;
}

export interface CopyReport {
  readonly from: string;
  /** The target URL, password masked. */
  readonly database: string;
  readonly tables: readonly TableCopied[];
  readonly rows: number;
  /** From the lock to the commit, checks included. */
  readonly seconds: number;
  /** Customers whose live and sandbox balances were checked. */
  readonly customersVerified: number;
  /** Sums of the balances, in units (1/10,000 USD), the same on both sides. */
  readonly balanceTotals: BalanceTotals;
  /** Rows of host '' ("this appliance", migration 13) per table: the first host adopts them. */
  readonly unownedRows: Readonly<Record<string, number>>;
}

/** The column that says which host drives a row (modems, SIMs, slots, placements). */
const HOST_COLUMN = 'host_id';

function notEmpty(database: string, tables: readonly string[]): SimpoolError {
  const shown = tables.slice(0, 8).join(', ') + (tables.length > 8 ? ', …' : '');
  return new SimpoolError(
    'store_target_not_empty',
    `${database} already holds data (${shown}): an appliance is copied into an empty database ` +
      'only (create a new one, or drop this one); nothing was written',
    { details: { tables } },
  );
}

async function readFacts(client: PostgresClient): Promise<BalanceFacts> {
  const customers = await client.query<{ id: string }>(CUSTOMERS_SQL);
  const balances = await client.query<BalanceRow>(BALANCES_SQL);
  const ledgerAfter = await client.query<BalanceRow>(LEDGER_AFTER_SQL);
  return {
    customers: customers.rows.map((r) => r.id),
    balances: balances.rows,
    ledgerAfter: ledgerAfter.rows,
  };
}

/** Reads one table from the source and inserts it in batches; returns the rows copied. */
async function copyTable(
  client: PostgresClient,
  source: SqliteSource,
  plan: TablePlan,
): Promise<number> {
  let batch: unknown[][] = [];
  let copied = 0;
  for (const row of source.rows(plan.source, plan.select)) {
    batch.push(row);
    if (batch.length < BATCH_ROWS) continue;
    await insertRows(client, plan.table, plan.columns, batch);
    copied += batch.length;
    batch = [];
  }
  await insertRows(client, plan.table, plan.columns, batch);
  return copied + batch.length;
}

/** Row counts that differ: the source's, the rows copied and the target's, per table. */
async function countDifferences(
  client: PostgresClient,
  expected: ReadonlyMap<string, number>,
  copied: ReadonlyMap<string, number>,
): Promise<string[]> {
  const differences: string[] = [];
  for (const [table, count] of expected) {
    const result = await client.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${quotePostgresName(table)}`,
    );
    const present = result.rows[0]?.n ?? 0;
    if (present !== count || copied.get(table) !== count) {
      differences.push(
        `${table}: ${count} rows in the source, ${copied.get(table) ?? 0} copied, ${present} present`,
      );
    }
  }
  return differences;
}

async function unownedRows(
  client: PostgresClient,
  plans: readonly TablePlan[],
): Promise<Record<string, number>> {
  const unowned: Record<string, number> = {};
  for (const plan of plans.filter((p) => p.columns.some((c) => c.name === HOST_COLUMN))) {
    const result = await client.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${quotePostgresName(plan.table)} WHERE ${HOST_COLUMN} = ''`,
    );
    const n = result.rows[0]?.n ?? 0;
    if (n > 0) unowned[plan.table] = n;
  }
  return unowned;
}

/** Copies every table in plan order (the migrations' own rows giving way to the source's). */
async function copyTables(
  client: PostgresClient,
  source: SqliteSource,
  plans: readonly TablePlan[],
  seeds: SeedRows,
  onTable: ((table: TableCopied) => void) | undefined,
): Promise<TableCopied[]> {
  for (const plan of [...plans].reverse()) {
    if (seeds.has(plan.table)) await client.query(`DELETE FROM ${quotePostgresName(plan.table)}`);
  }
  const tables: TableCopied[] = [];
  for (const plan of plans) {
    const started = performance.now();
    const rows = await copyTable(client, source, plan);
    const done = { table: plan.table, rows, seconds: (performance.now() - started) / 1000 };
    tables.push(done);
    onTable?.(done);
  }
  return tables;
}

/**
 * The checks before the commit: row counts, every customer's balances, their sums. Throws
 * `store_copy_failed` listing every difference (the transaction then rolls back).
 */
async function verifyCopy(
  client: PostgresClient,
  source: SqliteSource,
  expected: ReadonlyMap<string, number>,
  tables: readonly TableCopied[],
): Promise<BalanceComparison> {
  const copied = new Map(tables.map((t) => [t.table, t.rows]));
  const problems = await countDifferences(client, expected, copied);
  const balances = compareBalances(
    {
      customers: source.all<{ id: string }>(CUSTOMERS_SQL).map((r) => r.id),
      balances: source.all(BALANCES_SQL),
      ledgerAfter: source.all(LEDGER_AFTER_SQL),
    },
    await readFacts(client),
  );
  problems.push(...balances.mismatches.map(describeMismatch));
  const { sourceTotals, targetTotals } = balances;
  if (sourceTotals.live !== targetTotals.live || sourceTotals.sandbox !== targetTotals.sandbox) {
    problems.push(
      `sum of balances: ${sourceTotals.live} live and ${sourceTotals.sandbox} sandbox in the ` +
        `source, ${targetTotals.live} and ${targetTotals.sandbox} copied`,
    );
  }
  if (problems.length > 0) {
    throw new SimpoolError(
      'store_copy_failed',
      `the copy does not match ${source.file}, so nothing was kept:\n  ` +
        problems.slice(0, 20).join('\n  ') +
        (problems.length > 20 ? `\n  … and ${problems.length - 20} more` : ''),
      { details: { problems } },
    );
  }
  return balances;
}

interface CopyContext {
  readonly db: PostgresDatabase;
  readonly source: SqliteSource;
  readonly seeds: SeedRows;
  readonly options: CopyApplianceOptions;
}

async function copyInOneTransaction(context: CopyContext): Promise<CopyReport> {
  const { db, source, seeds, options } = context;
  const targets = await targetTables(db);
  const plans = planCopy(source.tables(), targets, await targetForeignKeys(db));
  const sequences = await targetSequences(db);
  checkSequences(sequences);
  const triggered = await tablesWithTriggers(db);
  const everyTable = [...targets.keys()].filter((t) => t !== MIGRATIONS_TABLE);
  const started = performance.now();

  const copy = await db.transaction(
    async (client) => {
      // Writers of other hosts wait (readers do not); then the emptiness check holds till commit.
      await client.query(
        `LOCK TABLE ${everyTable.map(quotePostgresName).join(', ')} IN EXCLUSIVE MODE`,
      );
      const holding = await tablesHoldingData(client, seeds);
      if (holding.length > 0) throw notEmpty(db.displayUrl, holding);
      source.beginSnapshot();
      try {
        const expected = new Map(plans.map((p) => [p.table, source.count(p.table)]));
        await setUserTriggers(client, triggered, false);
        const tables = await copyTables(client, source, plans, seeds, options.onTable);
        await setUserTriggers(client, triggered, true);
        await advanceSequences(client, sequences);
        const balances = await verifyCopy(client, source, expected, tables);
        return { tables, balances, unownedRows: await unownedRows(client, plans) };
      } finally {
        source.endSnapshot();
      }
    },
    // Re-running would read the source and report progress twice: a failure is final.
    { maxAttempts: 1 },
  );
  return {
    from: source.file,
    database: db.displayUrl,
    tables: copy.tables,
    rows: copy.tables.reduce((n, t) => n + t.rows, 0),
    seconds: (performance.now() - started) / 1000,
    customersVerified: copy.balances.customers,
    balanceTotals: copy.balances.targetTotals,
    unownedRows: copy.unownedRows,
  };
}

/**
 * Copies the appliance `options.from` into the empty PostgreSQL database `options.url`, or
 * changes nothing (errors: store_open_failed, store_schema_outdated, store_schema_too_new,
 * store_target_not_empty, store_copy_unsupported, store_copy_failed). The target is migrated
 * first if it is empty. No message carries the database password.
 */
export async function copyApplianceToPostgres(options: CopyApplianceOptions): Promise<CopyReport> {
  const source = SqliteSource.open(options.from);
  let db: PostgresDatabase | undefined;
  try {
    db = await openPostgres(options.url, {
      migrate: false,
      poolSize: 2,
      ...(options.passwordFile ? { passwordFile: options.passwordFile } : {}),
    });
    const opened = db;
    const seeds = migrationSeedRows();
    const holding = await tablesHoldingData(db, seeds).catch((error: unknown) => {
      throw new SimpoolError(
        'store_open_failed',
        `cannot open PostgreSQL database ${opened.displayUrl}: ${opened.sanitize(error).message}`,
      );
    });
    if (holding.length > 0) throw notEmpty(db.displayUrl, holding);
    await runPostgresMigrations(db, options.onMigration);
    return await copyInOneTransaction({ db, source, seeds, options });
  } catch (error) {
    if (isSimpoolError(error)) throw error;
    const safe = db ? db.sanitize(error) : new Error(describeError(error));
    throw new SimpoolError(
      'store_copy_failed',
      `copying ${options.from} into ${db?.displayUrl ?? redactDatabaseUrl(options.url)} failed, ` +
        `so nothing was kept: ${safe.message}`,
      { cause: safe },
    );
  } finally {
    source.close();
    await db?.close();
  }
}

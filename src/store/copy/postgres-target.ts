import type pg from 'pg';
import { SimpoolError } from '../../shared/index.js';
import type { Queryable } from '../postgres/database.js';
import { pgDriver } from '../postgres/pg-driver.js';
import type { ForeignKeyEdge } from './copy-order.js';

/** A column of the target schema; `filled` when PostgreSQL fills it if an insert omits it. */
export interface TargetColumn {
  readonly name: string;
  /** As SQL spells it (`bigint`, `text`, `smallint`). */
  readonly type: string;
  readonly filled: boolean;
}

export interface TargetTable {
  readonly name: string;
  readonly columns: readonly TargetColumn[];
}

/** A sequence of the target schema and the column whose values it hands out, if any. */
export interface TargetSequence {
  readonly sequence: string;
  readonly table: string | null;
  readonly column: string | null;
}

export const quotePostgresName = (name: string): string => pgDriver().escapeIdentifier(name);

/** The migrations' record: the target has its own, at the same version as the source. */
export const MIGRATIONS_TABLE = 'schema_migrations';

/** Every table of the current schema with its columns in order, by name. */
export async function targetTables(db: Queryable): Promise<Map<string, TargetTable>> {
  const result = await db.query<{ table: string; column: string; type: string; filled: boolean }>(
    `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, NULL) AS type,
            (a.atthasdef OR a.attidentity <> '') AS filled
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
        AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`,
  );
  const tables = new Map<string, { name: string; columns: TargetColumn[] }>();
  for (const row of result.rows) {
    const table = tables.get(row.table) ?? { name: row.table, columns: [] };
    table.columns.push({ name: row.column, type: row.type, filled: row.filled });
    tables.set(row.table, table);
  }
  return tables;
}

/** Every foreign key of the current schema, as table → referenced table. */
export async function targetForeignKeys(db: Queryable): Promise<ForeignKeyEdge[]> {
  const result = await db.query<{ table: string; references: string }>(
    `SELECT t.relname AS table, r.relname AS references
       FROM pg_constraint k
       JOIN pg_class t ON t.oid = k.conrelid
       JOIN pg_class r ON r.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE k.contype = 'f' AND n.nspname = current_schema()`,
  );
  return result.rows;
}

/**
 * Every sequence of the current schema with the column it belongs to: identity columns and
 * sequences OWNED BY a column (orders.activation_id's `order_activation_ids`). A sequence that
 * belongs to no column comes with table and column null.
 */
export async function targetSequences(db: Queryable): Promise<TargetSequence[]> {
  const result = await db.query<TargetSequence>(
    `SELECT s.relname AS sequence, t.relname AS table, a.attname AS column
       FROM pg_class s
       JOIN pg_namespace n ON n.oid = s.relnamespace
       LEFT JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
        AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
       LEFT JOIN pg_class t ON t.oid = d.refobjid
       LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE s.relkind = 'S' AND n.nspname = current_schema()
      ORDER BY s.relname`,
  );
  return result.rows;
}

/**
 * Sets each sequence past the largest value of its column, after rows were copied in with
 * their ids (explicit values do not advance a sequence), and never below where it stands (a
 * sequence starting at FIRST_ACTIVATION_ID keeps that floor on an empty table). A sequence of no
 * column cannot be judged: refused before anything is copied (see `checkSequences`).
 */
export async function advanceSequences(
  db: Queryable,
  sequences: readonly TargetSequence[],
): Promise<void> {
  for (const { sequence, table, column } of sequences) {
    if (table === null || column === null) continue;
    const seq = quotePostgresName(sequence);
    await db.query(
      `SELECT setval($1::regclass, GREATEST(
         COALESCE((SELECT MAX(${quotePostgresName(column)}) FROM ${quotePostgresName(table)}), 0) + 1,
         (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM ${seq})), false)`,
      [seq],
    );
  }
}

/** Refuses sequences the copier could not set past the copied values. */
export function checkSequences(sequences: readonly TargetSequence[]): void {
  const loose = sequences.filter((s) => s.table === null || s.column === null);
  if (loose.length === 0) return;
  const names = loose.map((s) => s.sequence).join(', ');
  throw new SimpoolError(
    'store_copy_unsupported',
    `sequence ${names} belongs to no column, so the copier cannot tell which copied values it ` +
      'must pass (declare it OWNED BY its column)',
    { details: { sequences: loose.map((s) => s.sequence) } },
  );
}

/** Tables with triggers of their own (status counts, the ledger's guards, last assignment). */
export async function tablesWithTriggers(db: Queryable): Promise<string[]> {
  const result = await db.query<{ table: string }>(
    `SELECT DISTINCT c.relname AS table
       FROM pg_trigger g
       JOIN pg_class c ON c.oid = g.tgrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT g.tgisinternal AND n.nspname = current_schema()
      ORDER BY 1`,
  );
  return result.rows.map((r) => r.table);
}

/**
 * Turns the tables' own triggers off or on again (foreign key checks stay on). Copied rows are
 * the source's rows as they are: the status counts come copied, not counted again, and the
 * SIMs' last assignment as the source has it. Transactional: a rollback turns them back on.
 */
export async function setUserTriggers(
  db: Queryable,
  tables: readonly string[],
  enabled: boolean,
): Promise<void> {
  for (const table of tables) {
    await db.query(
      `ALTER TABLE ${quotePostgresName(table)} ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER USER`,
    );
  }
}

/** Rows the migrations themselves write (the webhook cursor), by table. */
export type SeedRows = ReadonlyMap<string, readonly Record<string, unknown>[]>;

function sameRows(
  actual: readonly Record<string, unknown>[],
  expected: readonly Record<string, unknown>[],
): boolean {
  const canonical = (rows: readonly Record<string, unknown>[]) =>
    rows.map((r) => JSON.stringify(Object.entries(r).sort())).sort();
  return JSON.stringify(canonical(actual)) === JSON.stringify(canonical(expected));
}

/**
 * The tables of the target that hold data: any row at all, or for a table the migrations seed,
 * anything but those rows. Works at any schema version (before migrating, only the tables there
 * are looked at). The migrations' own record does not count.
 */
export async function tablesHoldingData(db: Queryable, seeds: SeedRows): Promise<string[]> {
  const tables = await targetTables(db);
  const holding: string[] = [];
  const plain = [...tables.keys()].filter((t) => t !== MIGRATIONS_TABLE && !seeds.has(t));
  if (plain.length > 0) {
    const probes = plain.map(
      (t) =>
        `SELECT ${pgDriver().escapeLiteral(t)} AS table WHERE EXISTS (SELECT 1 FROM ${quotePostgresName(t)})`,
    );
    const result = await db.query<{ table: string }>(probes.join('\nUNION ALL\n'));
    holding.push(...result.rows.map((r) => r.table));
  }
  for (const [name, expected] of seeds) {
    const table = tables.get(name);
    if (!table) continue;
    const present = new Set(table.columns.map((c) => c.name));
    const columns = [...new Set(expected.flatMap((r) => Object.keys(r)))].filter((c) =>
      present.has(c),
    );
    // With no column in common, `SELECT FROM t` still counts the rows (as empty ones).
    const result = await db.query<Record<string, unknown>>(
      `SELECT ${columns.map(quotePostgresName).join(', ')} FROM ${quotePostgresName(name)}`,
    );
    const wanted = expected.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]])));
    if (!sameRows(result.rows, wanted)) holding.push(name);
  }
  return holding.sort();
}

/** Rows per INSERT: large enough that round trips do not count, small enough to stay light. */
export const BATCH_ROWS = 2_000;

/**
 * Inserts rows (arrays in `columns` order) with one statement: each column's values travel as
 * one array parameter, `INSERT … SELECT * FROM unnest($1::bigint[], $2::text[], …)`, so a batch
 * costs a few parameters whatever its size, and the statement is the same for every batch of a
 * table (prepared once on the connection, by name).
 */
export async function insertRows(
  client: Queryable,
  table: string,
  columns: readonly TargetColumn[],
  rows: readonly unknown[][],
): Promise<void> {
  if (rows.length === 0) return;
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`);
  const text =
    `INSERT INTO ${quotePostgresName(table)} (${columns.map((c) => quotePostgresName(c.name)).join(', ')}) ` +
    `SELECT * FROM unnest(${arrays.join(', ')})`;
  const values = columns.map((_, c) => rows.map((row) => row[c]));
  await (client as pg.ClientBase).query({ name: `copy:${table}`, text, values });
}

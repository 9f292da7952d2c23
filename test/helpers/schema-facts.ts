import type { SqliteDatabase } from '../../src/store/index.js';
import type { PostgresDatabase } from '../../src/store/postgres/index.js';

/**
 * A schema as a set of comparable one-line facts, the same wording for both engines, so the
 * schema-parity test compares two sets and prints the lines that differ:
 *
 *   column orders.status text not null default -
 *   columns orders: id, activation_id, …           (order, without `skipInOrder` columns)
 *   primary key orders (id)
 *   auto-numbered ledger.id                         (rowid alias / identity)
 *   unique orders (sim_iccid) where status in ('waiting','received','retry')
 *   index orders_by_customer on orders (customer_id, activation_id)
 *   foreign key orders (customer_id) -> customers (id) on update no action on delete no action
 *   trigger ledger.ledger_append_only_update
 *   check ledger: balance_after = balance_before + amount
 *
 * Type classes: integer, text, real, blob (anything else as the engine names it). A primary key
 * column counts as NOT NULL on both engines (SQLite lets a non-integer one hold NULL, a
 * historical quirk simpool never relies on). SQLite keeps CHECK constraints only in its CREATE
 * TABLE text: they are cut out of it (balanced parentheses after CHECK).
 */

/** Both engines' predicate, CHECK and default texts made comparable: no casts, `= ANY
 * (ARRAY[…])` as `IN (…)`, BETWEEN spelled out as PostgreSQL stores it, no parentheses, single
 * spaces, lower case. */
export function normalizeSql(text: string): string {
  return text
    .toLowerCase()
    .replace(/::[a-z_]+(?: [a-z_]+)*(?:\[\])?/g, '')
    .replace(/=\s*any\s*\(\s*array\[([^\]]*)\]\s*\)/g, 'in ($1)')
    .replace(/[()]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*,\s*/g, ',')
    .replace(/(\w+) between (\S+) and (\S+)/g, '$1 >= $2 and $1 <= $3')
    .trim();
}

/** The expressions of the CHECK constraints in a CREATE TABLE text. */
function checksIn(createTable: string): string[] {
  const checks: string[] = [];
  for (const match of createTable.matchAll(/\bCHECK\s*\(/gi)) {
    const start = match.index + match[0].length;
    let depth = 1;
    let end = start;
    while (depth > 0 && end < createTable.length) {
      const ch = createTable[end++];
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
    }
    checks.push(createTable.slice(start, end - 1));
  }
  return checks;
}

function typeClass(type: string): string {
  const t = type.toLowerCase();
  if (/^(integer|int|bigint|smallint|int2|int4|int8)$/.test(t)) return 'integer';
  if (/^(text|character varying|varchar)$/.test(t)) return 'text';
  if (/^(real|double precision|numeric|float8|float4)$/.test(t)) return 'real';
  if (/^(blob|bytea)$/.test(t)) return 'blob';
  return t;
}

interface Column {
  readonly name: string;
  readonly type: string;
  readonly notNull: boolean;
  readonly defaultValue: string | null;
}

export interface FactOptions {
  /** Columns left out of the `columns` (order) fact, as `table.column`. */
  readonly skipInOrder?: ReadonlySet<string>;
}

function columnFacts(table: string, columns: readonly Column[], options: FactOptions): string[] {
  const facts = columns.map(
    (c) =>
      `column ${table}.${c.name} ${typeClass(c.type)} ${c.notNull ? 'not null' : 'null'} ` +
      `default ${c.defaultValue === null ? '-' : normalizeSql(c.defaultValue)}`,
  );
  const ordered = columns
    .map((c) => c.name)
    .filter((name) => !options.skipInOrder?.has(`${table}.${name}`));
  facts.push(`columns ${table}: ${ordered.join(', ')}`);
  return facts;
}

const where = (predicate: string | null) => (predicate ? ` where ${normalizeSql(predicate)}` : '');

export function sqliteSchemaFacts(db: SqliteDatabase, options: FactOptions = {}): Set<string> {
  const facts: string[] = [];
  const tables = db
    .prepare<[], { name: string }>(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
    )
    .all()
    .map((row) => row.name);
  for (const table of tables) {
    const info = db
      .prepare<
        [],
        { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }
      >(`SELECT * FROM pragma_table_xinfo('${table}')`)
      .all();
    facts.push(
      ...columnFacts(
        table,
        info.map((c) => ({
          name: c.name,
          type: c.type,
          notNull: c.notnull === 1 || c.pk > 0,
          defaultValue: c.dflt_value,
        })),
        options,
      ),
    );
    const createTable =
      db
        .prepare<[string], { sql: string }>(
          `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`,
        )
        .get(table)?.sql ?? '';
    for (const check of checksIn(createTable)) facts.push(`check ${table}: ${normalizeSql(check)}`);
    const pk = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    if (pk.length > 0) facts.push(`primary key ${table} (${pk.map((c) => c.name).join(', ')})`);
    if (pk.length === 1 && pk[0]!.type.toUpperCase() === 'INTEGER') {
      facts.push(`auto-numbered ${table}.${pk[0]!.name}`); // a rowid alias
    }

    const indexes = db
      .prepare<[], { name: string; unique: number; origin: string }>(
        `SELECT name, "unique", origin FROM pragma_index_list('${table}')`,
      )
      .all();
    for (const index of indexes) {
      if (index.origin === 'pk') continue;
      const columns = db
        .prepare<[], { name: string }>(
          `SELECT name FROM pragma_index_info('${index.name}') ORDER BY seqno`,
        )
        .all()
        .map((c) => c.name)
        .join(', ');
      const sql =
        db
          .prepare<[string], { sql: string | null }>(
            `SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`,
          )
          .get(index.name)?.sql ?? null;
      const predicate = sql?.match(/\bWHERE\b([\s\S]*)$/i)?.[1] ?? null;
      facts.push(
        index.unique === 1
          ? `unique ${table} (${columns})${where(predicate)}`
          : `index ${index.name} on ${table} (${columns})${where(predicate)}`,
      );
    }

    const keys = db
      .prepare<
        [],
        {
          id: number;
          seq: number;
          table: string;
          from: string;
          to: string | null;
          on_update: string;
          on_delete: string;
        }
      >(`SELECT * FROM pragma_foreign_key_list('${table}') ORDER BY id, seq`)
      .all();
    for (const id of new Set(keys.map((k) => k.id))) {
      const parts = keys.filter((k) => k.id === id);
      const first = parts[0]!;
      facts.push(
        `foreign key ${table} (${parts.map((k) => k.from).join(', ')}) -> ${first.table} ` +
          `(${parts.map((k) => k.to).join(', ')}) on update ${first.on_update.toLowerCase()} ` +
          `on delete ${first.on_delete.toLowerCase()}`,
      );
    }
  }
  for (const trigger of db
    .prepare<[], { name: string; tbl_name: string }>(
      `SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'`,
    )
    .all()) {
    facts.push(`trigger ${trigger.tbl_name}.${trigger.name}`);
  }
  return new Set(facts);
}

const PG_ACTIONS: Record<string, string> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

export async function postgresSchemaFacts(
  db: PostgresDatabase,
  options: FactOptions = {},
): Promise<Set<string>> {
  const facts: string[] = [];
  const columns = await db.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
    column_default: string | null;
    is_identity: string;
  }>(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
       FROM information_schema.columns
      WHERE table_schema = 'public'
        AND table_name IN (SELECT table_name FROM information_schema.tables
                            WHERE table_schema = 'public' AND table_type = 'BASE TABLE')
      ORDER BY table_name, ordinal_position`,
  );
  for (const table of new Set(columns.rows.map((c) => c.table_name))) {
    const own = columns.rows.filter((c) => c.table_name === table);
    facts.push(
      ...columnFacts(
        table,
        own.map((c) => ({
          name: c.column_name,
          type: c.data_type,
          notNull: c.is_nullable === 'NO',
          defaultValue: c.column_default,
        })),
        options,
      ),
    );
    for (const c of own) {
      if (c.is_identity === 'YES') facts.push(`auto-numbered ${table}.${c.column_name}`);
    }
  }

  const constraints = await db.query<{
    table_name: string;
    contype: string;
    definition: string;
    columns: string[];
    ref_table: string | null;
    ref_columns: string[] | null;
    confupdtype: string;
    confdeltype: string;
  }>(
    `SELECT c.conrelid::regclass::text AS table_name, c.contype,
            ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                  ORDER BY k.i) AS columns,
            c.confrelid::regclass::text AS ref_table,
            ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n
                  ORDER BY k.i) AS ref_columns,
            c.confupdtype, c.confdeltype, pg_get_constraintdef(c.oid) AS definition
       FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace
      WHERE s.nspname = 'public' AND c.contype IN ('p', 'f', 'c')`,
  );
  for (const c of constraints.rows) {
    if (c.contype === 'p') facts.push(`primary key ${c.table_name} (${c.columns.join(', ')})`);
    else if (c.contype === 'c') {
      facts.push(`check ${c.table_name}: ${normalizeSql(c.definition.replace(/^CHECK /, ''))}`);
    } else {
      facts.push(
        `foreign key ${c.table_name} (${c.columns.join(', ')}) -> ${c.ref_table} ` +
          `(${(c.ref_columns ?? []).join(', ')}) on update ${PG_ACTIONS[c.confupdtype]} ` +
          `on delete ${PG_ACTIONS[c.confdeltype]}`,
      );
    }
  }

  const indexes = await db.query<{
    table_name: string;
    index_name: string;
    unique: boolean;
    columns: string[];
    predicate: string | null;
  }>(
    `SELECT t.relname AS table_name, i.relname AS index_name, x.indisunique AS unique,
            ARRAY(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(n, o)
                  JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n
                  ORDER BY k.o) AS columns,
            pg_get_expr(x.indpred, x.indrelid) AS predicate
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace s ON s.oid = t.relnamespace
      WHERE s.nspname = 'public' AND NOT x.indisprimary`,
  );
  for (const index of indexes.rows) {
    const columnList = index.columns.join(', ');
    facts.push(
      index.unique
        ? `unique ${index.table_name} (${columnList})${where(index.predicate)}`
        : `index ${index.index_name} on ${index.table_name} (${columnList})${where(index.predicate)}`,
    );
  }

  const triggers = await db.query<{ table_name: string; name: string }>(
    `SELECT c.relname AS table_name, t.tgname AS name
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
       JOIN pg_namespace s ON s.oid = c.relnamespace
      WHERE s.nspname = 'public' AND NOT t.tgisinternal`,
  );
  for (const t of triggers.rows) facts.push(`trigger ${t.table_name}.${t.name}`);
  return new Set(facts);
}

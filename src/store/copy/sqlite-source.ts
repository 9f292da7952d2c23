import Database from 'better-sqlite3';
import { SimpoolError, describeError } from '../../shared/index.js';
import { runMigrations, schemaVersion } from '../sqlite/migrate.js';
import { migrations } from '../sqlite/migrations/index.js';

/** A table of the source appliance, as its schema says. */
export interface SourceTable {
  readonly name: string;
  readonly columns: readonly string[];
  /** False for a WITHOUT ROWID table (read in primary key order instead). */
  readonly hasRowid: boolean;
  readonly primaryKey: readonly string[];
}

/** Tables that are not the appliance's data: SQLite's own and the migrations' record. */
const NOT_DATA = /^(sqlite_|schema_migrations$)/;

/** An identifier for SQL text (names come from the schema, quoted all the same). */
export function quoteSqliteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The newest migration this simpool knows. */
export const CURRENT_SCHEMA_VERSION = Math.max(...migrations.map((m) => m.id));

/**
 * An existing appliance's SQLite file, opened read-only: nothing is ever written to it (no
 * migration, no checkpoint). All reads between `beginSnapshot` and `endSnapshot` see one state
 * of the file, even if a daemon still writes to it meanwhile (WAL).
 */
export class SqliteSource {
  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
  ) {}

  /**
   * Opens `file`, which must be a simpool database at this simpool's schema version: an older
   * one is refused (`store_schema_outdated`) with the command that upgrades it, rather than
   * migrated here, since migrating would write to the appliance being copied.
   */
  static open(file: string): SqliteSource {
    let db: Database.Database;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
    } catch (error) {
      throw new SimpoolError('store_open_failed', `cannot open ${file}: ${describeError(error)}`, {
        cause: error,
      });
    }
    try {
      db.pragma('busy_timeout = 5000');
      const source = new SqliteSource(db, file);
      source.checkVersion();
      return source;
    } catch (error) {
      db.close();
      if (error instanceof SimpoolError) throw error;
      throw new SimpoolError('store_open_failed', `cannot read ${file}: ${describeError(error)}`, {
        cause: error,
      });
    }
  }

  private checkVersion(): void {
    const hasMigrations = this.db
      .prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`)
      .get();
    if (!hasMigrations) {
      throw new SimpoolError(
        'store_open_failed',
        `${this.file} is not a simpool database (it has no schema_migrations table)`,
      );
    }
    const version = schemaVersion(this.db);
    if (version > CURRENT_SCHEMA_VERSION) {
      throw new SimpoolError(
        'store_schema_too_new',
        `${this.file} has schema version ${version}, newer than this simpool ` +
          `(${CURRENT_SCHEMA_VERSION}); copy it with the simpool that wrote it`,
        { details: { databaseVersion: version, knownVersion: CURRENT_SCHEMA_VERSION } },
      );
    }
    if (version < CURRENT_SCHEMA_VERSION) {
      throw new SimpoolError(
        'store_schema_outdated',
        `${this.file} has schema version ${version}, older than this simpool ` +
          `(${CURRENT_SCHEMA_VERSION}); upgrade it first with: simpool migrate --database ${this.file} ` +
          '(with its daemon stopped, or let the daemon of this version start on it once)',
        { details: { databaseVersion: version, knownVersion: CURRENT_SCHEMA_VERSION } },
      );
    }
  }

  /** Every data table with its columns, by name. */
  tables(): SourceTable[] {
    const list = this.db.pragma('table_list') as Array<{
      schema: string;
      name: string;
      type: string;
      wr: number;
    }>;
    return list
      .filter((t) => t.schema === 'main' && t.type === 'table' && !NOT_DATA.test(t.name))
      .map((t) => {
        const info = this.db.pragma(`table_info(${quoteSqliteName(t.name)})`) as Array<{
          name: string;
          pk: number;
        }>;
        return {
          name: t.name,
          columns: info.map((c) => c.name),
          hasRowid: t.wr === 0,
          primaryKey: info
            .filter((c) => c.pk > 0)
            .sort((a, b) => a.pk - b.pk)
            .map((c) => c.name),
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Starts the read transaction every later read belongs to. */
  beginSnapshot(): void {
    this.db.exec('BEGIN');
  }

  endSnapshot(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
  }

  count(table: string): number {
    return this.db
      .prepare<[], number>(`SELECT COUNT(*) FROM ${quoteSqliteName(table)}`)
      .pluck()
      .get() as number;
  }

  /**
   * The rows of a table as arrays of the given expressions (column names, or `rowid`), in
   * insertion order (rowid) or primary key order. Integers come as BigInt, so a value beyond
   * 2^53 is copied exactly (node-postgres sends a BigInt as its decimal text); BLOBs as Buffers.
   * Consume one table's rows before reading anything else from the source.
   */
  rows(table: SourceTable, select: readonly string[]): IterableIterator<unknown[]> {
    const order = table.hasRowid ? ['rowid'] : table.primaryKey;
    if (order.length === 0) {
      throw new SimpoolError('store_copy_unsupported', `cannot order the rows of ${table.name}`);
    }
    const sql =
      `SELECT ${select.map(quoteSqliteName).join(', ')} FROM ${quoteSqliteName(table.name)} ` +
      `ORDER BY ${order.map(quoteSqliteName).join(', ')}`;
    return this.db.prepare(sql).raw(true).safeIntegers(true).iterate() as IterableIterator<
      unknown[]
    >;
  }

  /** Rows of one query, for the checks (plain numbers). */
  all<Row>(sql: string): Row[] {
    return this.db.prepare<[], Row>(sql).all();
  }

  close(): void {
    this.endSnapshot();
    this.db.close();
  }
}

/**
 * The rows the migrations themselves write (the webhook cursor), by table: what a freshly
 * migrated database holds, read from one migrated in memory. A target holding just these is
 * empty; the copy replaces them with the source's.
 */
export function migrationSeedRows(): Map<string, Record<string, unknown>[]> {
  const db = new Database(':memory:');
  try {
    runMigrations(db);
    const seeds = new Map<string, Record<string, unknown>[]>();
    const tables = db
      .prepare<[], string>(`SELECT name FROM sqlite_schema WHERE type = 'table'`)
      .pluck()
      .all()
      .filter((name) => !NOT_DATA.test(name));
    for (const table of tables) {
      const rows = db
        .prepare<[], Record<string, unknown>>(`SELECT * FROM ${quoteSqliteName(table)}`)
        .all();
      if (rows.length > 0) seeds.set(table, rows);
    }
    return seeds;
  } finally {
    db.close();
  }
}

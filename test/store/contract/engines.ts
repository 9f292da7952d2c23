/**
 * The two storage engines side by side, for the contract suites in this folder: every port
 * method runs against a real SQLite file and a real PostgreSQL database (the run's throwaway
 * server, test/global-setup.ts), and both must answer the same.
 *
 *   for (const engine of ENGINES) describe(engine, () => { … openEngineDatabase(engine) … })
 *
 * `exec` and `rows` are for seeding and inspecting rows with SQL that reads the same on both
 * engines (`?` placeholders, rewritten to `$n` for PostgreSQL); the behaviour under test always
 * goes through the ports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../../src/store/index.js';
import { openPostgres, type PostgresDatabase } from '../../../src/store/postgres/index.js';
import { freshMigratedPostgresDatabase } from '../../helpers/postgres.js';

export type EngineName = 'sqlite' | 'postgres';
export const ENGINES: readonly EngineName[] = ['sqlite', 'postgres'];

export type EngineHandle =
  | { readonly engine: 'sqlite'; readonly db: SqliteDatabase }
  | { readonly engine: 'postgres'; readonly db: PostgresDatabase };

export interface EngineDatabase {
  readonly engine: EngineName;
  /** The open connection(s), by engine; replaced by `reopen`. */
  current(): EngineHandle;
  /** Closes and opens the same database again (a restart of the process). */
  reopen(): Promise<EngineHandle>;
  /**
   * Another connection to the same database (another process, or on PostgreSQL another host's
   * pool), closed with this one.
   */
  connectAgain(): Promise<EngineHandle>;
  exec(sql: string, params?: readonly unknown[]): Promise<void>;
  rows<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** `?` placeholders → `$1, $2…` (seeding SQL never has `?` inside string literals). */
export function toPostgresPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** SQLite's, with the file it opened (for other processes to open too). */
export interface SqliteEngineDatabase extends EngineDatabase {
  readonly file: string;
}

export async function openEngineDatabase(
  engine: EngineName,
  label = 'contract',
): Promise<EngineDatabase> {
  return engine === 'sqlite' ? openSqliteEngine() : openPostgresEngine(label);
}

/** A new SQLite file, opened at once (no server to wait for). */
export function openSqliteEngine(): SqliteEngineDatabase {
  const dir = mkdtempSync(path.join(tmpdir(), 'simpool-contract-'));
  const file = path.join(dir, 'simpool.db');
  let db = openDatabase(file);
  const others: SqliteDatabase[] = [];
  return {
    engine: 'sqlite',
    file,
    current: () => ({ engine: 'sqlite', db }),
    reopen() {
      db.close();
      db = openDatabase(file);
      return Promise.resolve({ engine: 'sqlite', db });
    },
    connectAgain() {
      const other = openDatabase(file);
      others.push(other);
      return Promise.resolve({ engine: 'sqlite', db: other });
    },
    exec(sql, params = []) {
      db.prepare(sql).run(...params);
      return Promise.resolve();
    },
    rows<T>(sql: string, params: readonly unknown[] = []) {
      return Promise.resolve(db.prepare(sql).all(...params) as T[]);
    },
    close() {
      for (const other of [db, ...others]) if (other.open) other.close();
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

async function openPostgresEngine(label: string): Promise<EngineDatabase> {
  const url = await freshMigratedPostgresDatabase(label);
  let db = await openPostgres(url);
  const others: PostgresDatabase[] = [];
  return {
    engine: 'postgres',
    current: () => ({ engine: 'postgres', db }),
    async reopen() {
      await db.close();
      db = await openPostgres(url);
      return { engine: 'postgres', db };
    },
    async connectAgain() {
      const other = await openPostgres(url);
      others.push(other);
      return { engine: 'postgres', db: other };
    },
    async exec(sql, params = []) {
      await db.query(toPostgresPlaceholders(sql), [...params]);
    },
    async rows<T>(sql: string, params: readonly unknown[] = []) {
      const result = await db.query(toPostgresPlaceholders(sql), [...params]);
      return result.rows as T[];
    },
    async close() {
      await Promise.all([db, ...others].map((each) => each.close()));
    },
  };
}

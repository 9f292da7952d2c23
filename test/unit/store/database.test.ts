import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { isSimpoolError } from '../../../src/shared/index.js';
import { runMigrations, schemaVersion } from '../../../src/store/index.js';
import { StoreFixture } from './helpers.js';

function openError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('openDatabase', () => {
  const fx = new StoreFixture();
  afterEach(() => fx.close());

  it('sets WAL, synchronous FULL, foreign keys and the busy timeout on a file', () => {
    const db = fx.openDb(fx.dirs.file(), { busyTimeoutMs: 1234 });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
  });

  it('uses synchronous NORMAL only when asked to', () => {
    const db = fx.openDb(fx.dirs.file(), { synchronous: 'normal' });
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
  });

  it('creates the directory of the database file', () => {
    const file = `${fx.dirs.make()}/nested/deeper/simpool.db`;
    const db = fx.openDb(file);
    expect(db.name).toBe(file);
  });

  it('runs the migrations once and applies nothing when reopened', () => {
    const file = fx.dirs.file();
    const first: number[] = [];
    fx.openDb(file, { onMigration: (id) => first.push(id) }).close();
    const again: number[] = [];
    const db = fx.openDb(file, { onMigration: (id) => again.push(id) });
    // Every migration, numbered 1..n without gaps (n grows as migrations are appended).
    expect(first.length).toBeGreaterThanOrEqual(5);
    expect(first).toEqual(first.map((_, i) => i + 1));
    expect(again).toEqual([]);
    expect(schemaVersion(db)).toBe(first.length);
    expect(db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({
      n: first.length,
    });
    expect(runMigrations(db)).toBe(0);
  });

  it('rolls a failing migration back entirely, leaving the previous version', () => {
    const db = fx.openDb();
    const current = schemaVersion(db);
    // The shipped migrations (already applied) followed by one that fails half-way.
    const broken = [
      ...Array.from({ length: current }, (_, i) => ({ id: i + 1, name: `m${i + 1}`, sql: '' })),
      {
        id: current + 1,
        name: 'half-done',
        sql: 'CREATE TABLE extra (x INTEGER); SELECT no_such_fn();',
      },
    ];
    expect(() => runMigrations(db, undefined, broken)).toThrow(/no_such_fn/);
    expect(schemaVersion(db)).toBe(current);
    const extra = db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").get();
    expect(extra).toBeUndefined();
  });

  it('refuses a database migrated by a newer simpool with store_schema_too_new', () => {
    const file = fx.dirs.file();
    const db = fx.openDb(file);
    db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (99, ?, 0)').run(
      'from-the-future',
    );
    db.close();
    const error = openError(() => fx.openDb(file));
    expect(isSimpoolError(error, 'store_schema_too_new')).toBe(true);
    // Refusing did not touch the file: the newer version is still recorded.
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT MAX(id) AS id FROM schema_migrations').get()).toEqual({ id: 99 });
    raw.close();
  });

  it('reports a file that is not a database as store_open_failed', () => {
    const file = fx.dirs.file();
    writeFileSync(file, 'this is not a database, just text that is long enough '.repeat(20));
    const error = openError(() => fx.openDb(file));
    expect(isSimpoolError(error, 'store_open_failed')).toBe(true);
  });
});

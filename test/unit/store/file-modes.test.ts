import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../../src/store/index.js';

/**
 * The database holds SMS bodies, e-mails and webhook secrets: its directory is created 0700 and
 * the SQLite file with its -wal and -shm companions 0600, under the common umask 022 that made
 * them 0755/0644 before. Real files, real modes.
 */
let previousUmask: number;
beforeAll(() => {
  previousUmask = process.umask(0o022);
});
afterAll(() => {
  process.umask(previousUmask);
});

const dirs: string[] = [];
const open: SqliteDatabase[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'simpool-modes-'));
  dirs.push(dir);
  return dir;
}

const mode = (file: string): string => (statSync(file).mode & 0o777).toString(8);

describe('database file modes', () => {
  it('creates the directory 0700 and the database, -wal and -shm 0600', () => {
    const dataDir = path.join(scratch(), 'var', 'simpool');
    const file = path.join(dataDir, 'simpool.db');
    const db = openDatabase(file);
    open.push(db);
    db.prepare('CREATE TABLE probe (x)').run();
    db.prepare('INSERT INTO probe VALUES (1)').run();
    expect({
      dir: mode(dataDir),
      parent: mode(path.dirname(dataDir)),
      db: mode(file),
      wal: mode(`${file}-wal`),
      shm: mode(`${file}-shm`),
    }).toEqual({ dir: '700', parent: '700', db: '600', wal: '600', shm: '600' });
  });

  it('brings files an older simpool left readable down to 0600, and leaves an existing directory alone', () => {
    const dataDir = scratch();
    const file = path.join(dataDir, 'simpool.db');
    const old = new Database(file); // as before: 0644 under umask 022
    old.pragma('journal_mode = WAL');
    old.close();
    writeFileSync(`${file}-wal`, '', { mode: 0o644 }); // an empty WAL left by a crash
    const shared = path.join(dataDir, 'shared');
    mkdirSync(shared, { mode: 0o755 });
    expect([mode(file), mode(`${file}-wal`)]).toEqual(['644', '644']);
    open.push(openDatabase(file));
    expect([mode(file), mode(`${file}-wal`), mode(`${file}-shm`)]).toEqual(['600', '600', '600']);
    open.push(openDatabase(path.join(shared, 'other.db')));
    expect(mode(shared)).toBe('755');
    expect(mode(path.join(shared, 'other.db'))).toBe('600');
  });

  it('fails with store_open_failed, not a crash, when the path is a directory', () => {
    const dir = scratch();
    expect(() => openDatabase(dir)).toThrow(
      expect.objectContaining({ code: 'store_open_failed' }) as Error,
    );
  });
});

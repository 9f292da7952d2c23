import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/sim-process.js';

const run = promisify(execFile);

/**
 * A fresh process (this one may have loaded `pg` for other tests) imports the store as a SQLite
 * appliance does, opens and uses a SQLite database, then asks for the PostgreSQL driver. It
 * reports whether node-postgres was in the module cache at each step, and whether the driver it
 * got is the module `import pg from 'pg'` gives.
 */
const PROBE = `
import { createRequire } from 'node:module';
import { sep } from 'node:path';
const cache = createRequire(import.meta.url).cache;
const pgLoaded = () =>
  Object.keys(cache).some((file) => file.includes(sep + 'node_modules' + sep + 'pg' + sep));
const steps = {};
const store = await import('./src/store/index.ts');
steps.afterImport = pgLoaded();
const db = store.openDatabase(':memory:');
const repositories = store.createStore(db);
await repositories.catalog.listServices();
db.close();
store.redactDatabaseUrl('postgres://simpool:secret@db.example/simpool');
steps.afterSqlite = pgLoaded();
const { pgDriver } = await import('./src/store/postgres/pg-driver.ts');
const driver = pgDriver();
steps.afterDriver = pgLoaded();
steps.sameModule = driver === (await import('pg')).default && driver === pgDriver();
console.log(JSON.stringify(steps));
`;

describe('the PostgreSQL driver on a SQLite appliance', () => {
  it('is not loaded until the PostgreSQL engine asks for it, and then is the pg module', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', PROBE],
      { cwd: repoRoot, timeout: 60_000 },
    );
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
      afterImport: false,
      afterSqlite: false,
      afterDriver: true,
      sameModule: true,
    });
  }, 90_000);
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/sim-process.js';

const run = promisify(execFile);

/**
 * A fresh process (this one may have loaded `pg` for other tests) imports the store as a SQLite
 * appliance does, opens and uses a SQLite database, then asks for the PostgreSQL engine. It
 * reports whether node-postgres was in the module cache at each step, which of the PostgreSQL
 * adapter's modules were loaded (a resolve hook reports every module URL), and whether the
 * driver it got is the module `import pg from 'pg'` gives.
 */
const HOOK = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  port.postMessage(resolved.url);
  return resolved;
}`;

const PROBE = `
import { createRequire, register } from 'node:module';
import { sep } from 'node:path';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
const cache = createRequire(import.meta.url).cache;
const pgLoaded = () =>
  Object.keys(cache).some((file) => file.includes(sep + 'node_modules' + sep + 'pg' + sep));
const { port1, port2 } = new MessageChannel();
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}), {
  data: { port: port2 },
  transferList: [port2],
});
const resolved = new Set();
const postgresModules = () => {
  for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) resolved.add(m.message);
  return [...resolved].filter((url) => url.includes('/src/store/postgres/')).map((url) => url.split('/').pop()).sort();
};
const steps = {};
const store = await import('./src/store/index.ts');
steps.afterImport = pgLoaded();
const db = store.openDatabase(':memory:');
const repositories = store.createStore(db);
await repositories.catalog.listServices();
db.close();
store.redactDatabaseUrl('postgres://simpool:secret@db.example/simpool');
steps.afterSqlite = pgLoaded();
steps.postgresModulesAfterSqlite = postgresModules();
steps.engineLoads = typeof (await store.loadPostgresEngine()).openPostgresStore;
steps.engineModulesLoaded = postgresModules().length > 20;
steps.afterEngine = pgLoaded();
const { pgDriver } = await import('./src/store/postgres/pg-driver.ts');
const driver = pgDriver();
steps.afterDriver = pgLoaded();
steps.sameModule = driver === (await import('pg')).default && driver === pgDriver();
console.log(JSON.stringify(steps));
`;

describe('the PostgreSQL driver on a SQLite appliance', () => {
  it('is not loaded until the PostgreSQL engine asks for it, and then is the pg module; nor is the engine', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', PROBE],
      { cwd: repoRoot, timeout: 60_000 },
    );
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
      afterImport: false,
      afterSqlite: false,
      // What the config check uses on any engine, and nothing else of the adapter.
      postgresModulesAfterSqlite: ['password-file.ts', 'redact.ts'],
      engineLoads: 'function',
      engineModulesLoaded: true,
      afterEngine: false,
      afterDriver: true,
      sameModule: true,
    });
  }, 90_000);
});

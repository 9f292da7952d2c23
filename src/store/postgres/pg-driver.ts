/**
 * node-postgres, loaded the first time the PostgreSQL engine is used. The store's index exports
 * both engines, so every process that opens a SQLite file imports this folder too; loading `pg`
 * up front cost each of them about 2 MB of heap and 4 MB of RSS for a driver it never calls
 * (bench:ingest, 64 idle modems: heap 17.0 → 15.2 MB, RSS 139 → 135 MB). `require` is
 * synchronous, so the constructors and helpers that use the driver stay synchronous; it returns
 * the module `import pg from 'pg'` does.
 */
import { createRequire } from 'node:module';
import type pg from 'pg';

const requireFromHere = createRequire(import.meta.url);
let driver: typeof pg | undefined;

export function pgDriver(): typeof pg {
  driver ??= requireFromHere('pg') as typeof pg;
  return driver;
}

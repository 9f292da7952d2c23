import pg from 'pg';
import { inject } from 'vitest';
import { openPostgres, type Queryable } from '../../src/store/postgres/index.js';

let databases = 0;
let migratedTemplate: Promise<string> | undefined;

/** The run's PostgreSQL server (test/global-setup.ts); throws, failing the test, when it is missing. */
export function requirePostgres(): string {
  const postgres = inject('postgres');
  if ('error' in postgres) throw new Error(postgres.error);
  return postgres.url;
}

/**
 * A new, empty database on the run's server, for one test or one file: its URL. Names carry the
 * worker's pid so parallel files never collide; the server's folder goes at the end of the run.
 */
export async function freshPostgresDatabase(
  label = 'test',
  options: { readonly template?: string } = {},
): Promise<string> {
  const serverUrl = requirePostgres();
  const name = `${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${++databases}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const template = options.template === undefined ? '' : ` TEMPLATE "${options.template}"`;
    await admin.query(`CREATE DATABASE "${name}"${template}`);
  } finally {
    await admin.end();
  }
  return databaseUrl(serverUrl, name);
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A new database with every migration applied, copied from a template this worker migrated once
 * (a copy takes tens of milliseconds; migrating takes most of a second).
 */
export async function freshMigratedPostgresDatabase(label = 'test'): Promise<string> {
  migratedTemplate ??= (async () => {
    const url = await freshPostgresDatabase('template');
    const db = await openPostgres(url);
    await db.close();
    return new URL(url).pathname.slice(1);
  })();
  return freshPostgresDatabase(label, { template: await migratedTemplate });
}

/**
 * Polls (through `observer`, another connection) until a connection of `applicationName` waits
 * for a lock, or `answered()` says the command it runs finished without waiting; true when it
 * was seen waiting. Gives up after `timeoutMs`.
 */
export async function seenWaitingOnLock(
  observer: Queryable,
  applicationName: string,
  answered: () => boolean,
  timeoutMs = 10_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!answered() && Date.now() < deadline) {
    const blocked = await observer.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM pg_stat_activity
        WHERE application_name = $1 AND wait_event_type = 'Lock'`,
      [applicationName],
    );
    if (Number(blocked.rows[0]?.n) === 1) return true;
  }
  return false;
}

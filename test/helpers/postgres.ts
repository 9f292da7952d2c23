import pg from 'pg';
import { inject } from 'vitest';

let databases = 0;

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
export async function freshPostgresDatabase(label = 'test'): Promise<string> {
  const serverUrl = requirePostgres();
  const name = `${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${++databases}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

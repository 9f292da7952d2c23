import type { Queryable } from './database.js';
import { DB_NOW_MS } from './db-clock.js';

/** The database server's clock now (ms), which hosts' leases are written and judged on. */
export async function databaseNow(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ now: number }>(`SELECT ${DB_NOW_MS} AS now`);
  const now = rows[0]?.now;
  if (now === undefined) throw new Error('the database clock returned no row');
  return now;
}

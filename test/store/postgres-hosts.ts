/**
 * Several hosts on one PostgreSQL database, for the cross-host tests: each host is a pool of its
 * own (as each daemon has) over the same migrated database, with its own store.
 */
import {
  createPostgresStore,
  openPostgres,
  type PostgresDatabase,
  type PostgresStore,
} from '../../src/store/postgres/index.js';
import { freshMigratedPostgresDatabase } from '../helpers/postgres.js';

export interface Host {
  readonly id: string;
  readonly db: PostgresDatabase;
  readonly store: PostgresStore;
}

export async function openHosts(label: string, count: number, poolSize = 4): Promise<Host[]> {
  const url = await freshMigratedPostgresDatabase(label);
  const hosts: Host[] = [];
  for (let i = 0; i < count; i++) {
    const id = `host-${i}`;
    const db = await openPostgres(url, { hostId: id, poolSize });
    hosts.push({ id, db, store: createPostgresStore(db, { hostId: id }) });
  }
  return hosts;
}

export async function closeHosts(hosts: readonly Host[]): Promise<void> {
  await Promise.all(hosts.map((h) => h.db.close()));
}

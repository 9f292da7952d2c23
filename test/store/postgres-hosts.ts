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

/** A small seeded PRNG (mulberry32): the same workload on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

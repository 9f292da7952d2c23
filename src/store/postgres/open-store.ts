/**
 * Opening the PostgreSQL engine as a running host uses it: the pool (migrated), one LISTEN
 * connection shared by every reader woken across hosts, and the repositories over both.
 */
import type { Clock } from '../../shared/index.js';
import type { Store } from '../store.js';
import {
  createPostgresStore,
  type PostgresStore,
  type PostgresStoreOptions,
} from './create-store.js';
import { openPostgres, type OpenPostgresOptions } from './database.js';
import { PostgresListener } from './listener.js';

export interface OpenPostgresStoreOptions
  extends Omit<OpenPostgresOptions, 'hostId'>, Omit<PostgresStoreOptions, 'listener'> {
  readonly clock?: Clock;
}

/**
 * Opens `url` (see openPostgres for what fails and how) and starts listening. Closing the store
 * closes both.
 */
export async function openPostgresStore(
  url: string,
  options: OpenPostgresStoreOptions,
): Promise<PostgresStore & Store> {
  const db = await openPostgres(url, options);
  try {
    const listener = await PostgresListener.start(db, {
      ...(options.onError ? { onError: options.onError } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    return createPostgresStore(db, { ...options, listener });
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

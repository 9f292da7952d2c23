import type { SqliteDatabase } from './database.js';
import { SqliteInboundRepository, type InboundRepositoryOptions } from './inbound-repository.js';
import { SqliteInventoryRepository } from './inventory-repository.js';
import { SqliteOutboundRepository } from './outbound-repository.js';

export type StoreOptions = InboundRepositoryOptions;

export interface Store {
  readonly db: SqliteDatabase;
  readonly inbound: SqliteInboundRepository;
  readonly inventory: SqliteInventoryRepository;
  readonly outbound: SqliteOutboundRepository;
}

/** The repositories over one open (and migrated) database; statements are prepared once here. */
export function createStore(db: SqliteDatabase, options: StoreOptions = {}): Store {
  return {
    db,
    inbound: new SqliteInboundRepository(db, options),
    inventory: new SqliteInventoryRepository(db),
    outbound: new SqliteOutboundRepository(db),
  };
}

/** The names the daemon and CLI use for the same thing. */
export type Repositories = Store;
export const createRepositories: (db: SqliteDatabase, options?: StoreOptions) => Store =
  createStore;

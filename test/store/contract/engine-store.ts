/**
 * The store of one engine as the contract suites of the webhook, admin and stats ports use it:
 * the ports under test, built by the engine's own `createStore`/`createPostgresStore` (as a
 * host builds them), and outbox appends in a transaction of that engine (the events a fan-out
 * reads, numbered by the sequencer on PostgreSQL).
 */
import { afterEach, beforeEach } from 'vitest';
import type { AdminPorts, DomainEvent, StatsPort, WebhookPort } from '../../../src/domain/index.js';
import type { Clock } from '../../../src/shared/index.js';
import type { NewEvent } from '../../../src/store/common/events.js';
import { createStore, type ModemInventoryRow } from '../../../src/store/index.js';
import { createPostgresStore } from '../../../src/store/postgres/index.js';
import { openEngineDatabase, type EngineDatabase, type EngineName } from './engines.js';

export interface EngineStore {
  readonly webhooks: WebhookPort;
  readonly admin: AdminPorts;
  readonly stats: StatsPort;
  modemInventory(): Promise<ModemInventoryRow[]>;
  writable(): Promise<boolean>;
  /** Appends the events in one committed transaction of the engine. */
  append(events: readonly NewEvent[]): Promise<void>;
  /** Every event in the outbox after `seq`, as readers see them. */
  eventsSince(seq: number): Promise<DomainEvent[]>;
  close(): Promise<void>;
}

export interface EngineStoreOptions {
  /** The host the store runs as (default 'host-a'). */
  readonly hostId?: string;
  /** SQLite's clock for hosts' leases (PostgreSQL judges them on the server's clock). */
  readonly clock?: Clock;
}

export function openEngineStore(
  database: EngineDatabase,
  options: EngineStoreOptions = {},
): EngineStore {
  const hostId = options.hostId ?? 'host-a';
  const handle = database.current();
  if (handle.engine === 'sqlite') {
    const { db } = handle;
    const store = createStore(db, { hostId, ...(options.clock ? { clock: options.clock } : {}) });
    return {
      webhooks: store.webhooks,
      admin: store.admin,
      stats: store.stats,
      modemInventory: () => store.modemInventory(),
      writable: () => store.writable(),
      append(events) {
        db.transaction(() => {
          for (const event of events) store.events.append(event);
        })();
        return Promise.resolve();
      },
      eventsSince: (seq) => store.events.eventsSince(seq, 10_000),
      close: () => Promise.resolve(),
    };
  }
  const { db } = handle;
  const store = createPostgresStore(db, { hostId });
  return {
    webhooks: store.webhooks,
    admin: store.admin,
    stats: store.stats,
    modemInventory: () => store.modemInventory(),
    writable: () => store.writable(),
    append: (events) =>
      db.transaction(async (client) => {
        for (const event of events) await store.events.append(client, event);
      }),
    eventsSince: (seq) => store.events.eventsSince(seq, 10_000),
    close: () => store.events.close(),
  };
}

export interface EngineStoreUnderTest {
  readonly opened: EngineDatabase;
  readonly store: EngineStore;
  exec(sql: string, params?: readonly unknown[]): Promise<void>;
}

/**
 * A migrated database of `engine` and the store of host `host-a` on it, fresh for each test
 * (registers the suite's beforeEach/afterEach; read the fields inside tests).
 */
export function useEngineStore(engine: EngineName, label: string): EngineStoreUnderTest {
  let opened: EngineDatabase | undefined;
  let store: EngineStore | undefined;
  beforeEach(async () => {
    opened = await openEngineDatabase(engine, label);
    store = openEngineStore(opened);
  });
  afterEach(async () => {
    await store?.close();
    await opened?.close();
    opened = undefined;
    store = undefined;
  });
  const current = () => {
    if (!opened || !store) throw new Error('no database open outside a test');
    return { opened, store };
  };
  return {
    get opened() {
      return current().opened;
    },
    get store() {
      return current().store;
    },
    exec: (sql, params) => current().opened.exec(sql, params),
  };
}

/**
 * The outbound queue and the Messaging API's storage on one engine, for the contract suites:
 * the repositories of `createStore` (SQLite) or `createPostgresStore` (PostgreSQL) over a
 * migrated database, SIMs seeded with SQL, and reads of the rows the ports leave behind.
 */
import type { MessagingPort } from '../../../src/domain/index.js';
import type { OutboundRepository } from '../../../src/pool/index.js';
import { createStore, type OutboundPartRow } from '../../../src/store/index.js';
import { createPostgresStore } from '../../../src/store/postgres/index.js';
import { openEngineDatabase, type EngineDatabase, type EngineHandle } from './engines.js';

export const HOST = 'host-a';

export interface OutboundStore {
  readonly outbound: OutboundRepository & {
    /** Synchronous on SQLite, a promise on PostgreSQL: await it either way. */
    getParts(id: string): OutboundPartRow[] | Promise<OutboundPartRow[]>;
  };
  readonly messaging: MessagingPort;
}

export interface OutboundEngine {
  readonly opened: EngineDatabase;
  /** The repositories over the current connection (replaced by `restart`). */
  store(): OutboundStore;
  /** Closes and opens the database again, with new repositories (a restart of the process). */
  restart(): Promise<OutboundStore>;
  /** Seeds a SIM of `host` (default this one), ready. */
  seedSim(iccid: string, options?: SimSeed): Promise<void>;
  /** outbound_history rows of a message, oldest first. */
  history(
    id: string,
  ): Promise<{ sequence: number | null; status: string; sim_iccid: string | null }[]>;
  /** Outbox events in the order they were appended, their data spread out. */
  events(): Promise<({ type: string } & Record<string, unknown>)[]>;
  close(): Promise<void>;
}

export interface SimSeed {
  readonly host?: string;
  readonly msisdn?: string | null;
  readonly enabled?: boolean;
  readonly lastSeenAt?: number;
}

interface Closable {
  close(): Promise<void>;
}

function storeOn(
  handle: EngineHandle,
  hostId: string,
): { store: OutboundStore; closables: Closable[] } {
  if (handle.engine === 'sqlite') {
    const store = createStore(handle.db, { hostId });
    return { store, closables: [] };
  }
  const store = createPostgresStore(handle.db, { hostId });
  return { store, closables: [store.outbound, store.events] };
}

export async function openOutboundEngine(
  engine: EngineDatabase['engine'],
  hostId = HOST,
): Promise<OutboundEngine> {
  const opened = await openEngineDatabase(engine, 'outbound');
  let current = storeOn(opened.current(), hostId);
  const closeStore = async () => {
    for (const closable of current.closables) await closable.close();
  };
  return {
    opened,
    store: () => current.store,
    async restart() {
      await closeStore();
      current = storeOn(await opened.reopen(), hostId);
      return current.store;
    },
    async seedSim(iccid, options = {}) {
      await opened.exec(
        `INSERT INTO sims (iccid, msisdn, status, status_changed_at, first_seen_at, last_seen_at,
           enabled, host_id)
         VALUES (?, ?, 'ready', 0, 0, ?, ?, ?)`,
        [
          iccid,
          options.msisdn ?? null,
          options.lastSeenAt ?? 0,
          options.enabled === false ? 0 : 1,
          options.host ?? hostId,
        ],
      );
    },
    history: (id) =>
      opened.rows(
        'SELECT sequence, status, sim_iccid FROM outbound_history WHERE message_id = ? ORDER BY id',
        [id],
      ),
    async events() {
      // rowid: insertion order on both engines (PostgreSQL numbers `seq` after commit).
      const rows = await opened.rows<{ type: string; data: string }>(
        'SELECT type, data FROM events ORDER BY rowid',
      );
      return rows.map((e) => ({
        type: e.type,
        ...(JSON.parse(e.data) as Record<string, unknown>),
      }));
    },
    async close() {
      await closeStore();
      await opened.close();
    },
  };
}

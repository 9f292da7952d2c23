/**
 * The pool-side repositories (inventory, inbound) of one host over an engine's database, for
 * the contract suites: `createStore` on SQLite, `createPostgresStore` on PostgreSQL. Several
 * calls with other host ids on one database are several hosts.
 */
import type {
  InboundRepository,
  InventoryRepository,
  RawPduReads,
} from '../../../src/pool/index.js';
import { createStore, type SimPlacement } from '../../../src/store/index.js';
import { createPostgresStore, type Fencing } from '../../../src/store/postgres/index.js';
import type { EngineDatabase, EngineHandle } from './engines.js';

export interface PoolSideStore {
  readonly inventory: InventoryRepository & {
    simPlacements(iccid: string): Promise<SimPlacement[]>;
  };
  readonly inbound: InboundRepository & RawPduReads;
  /** PostgreSQL only: the fencing its writes check. */
  readonly fencing: Fencing | undefined;
}

export interface PoolSideOptions {
  readonly hostId?: string;
  readonly reportMatchWindowMs?: number;
}

export function poolSideStore(handle: EngineHandle, options: PoolSideOptions = {}): PoolSideStore {
  const hostId = options.hostId ?? '';
  const window =
    options.reportMatchWindowMs === undefined
      ? {}
      : { reportMatchWindowMs: options.reportMatchWindowMs };
  if (handle.engine === 'sqlite') {
    const store = createStore(handle.db, { hostId, ...window });
    return { inventory: store.inventory, inbound: store.inbound, fencing: undefined };
  }
  const store = createPostgresStore(handle.db, { hostId, ...window });
  return { inventory: store.inventory, inbound: store.inbound, fencing: store.fencing };
}

/** Rows of `table` (a name of ours, never input). */
export async function countRows(db: EngineDatabase, table: string): Promise<number> {
  const [row] = await db.rows<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(row?.n ?? 0);
}

/** Every table an ingest can write to, with its row count. */
export async function ingestCounts(db: EngineDatabase): Promise<Record<string, number>> {
  const tables = ['inbound_pdus', 'inbound_messages', 'multipart_parts', 'status_reports'];
  const counts = await Promise.all(tables.map((table) => countRows(db, table)));
  return Object.fromEntries(tables.map((table, i) => [table, counts[i] ?? 0]));
}

/**
 * A message sent through `iccid`: one part per reference in `refs`, each `sent` at `at` with
 * that TP-MR (as `markPartSent` leaves them), seeded with SQL that reads the same on both engines.
 */
export async function seedSentMessage(
  db: EngineDatabase,
  id: string,
  iccid: string,
  refs: readonly number[],
  at: number,
  to = '+4917612345678',
): Promise<void> {
  await db.exec(
    `INSERT INTO outbound_messages (id, sim_iccid, sender_iccid, to_number, body, status,
       part_count, created_at, updated_at, sent_at)
     VALUES (?, ?, ?, ?, ?, 'sent', ?, ?, ?, ?)`,
    [id, iccid, iccid, to, `text of ${id}`, refs.length, at, at, at],
  );
  for (const [index, mr] of refs.entries()) {
    await db.exec(
      `INSERT INTO outbound_parts (message_id, sequence, pdu, tpdu_length, status, attempts,
         next_attempt_at, sim_iccid, claimed_at, message_reference, sent_at)
       VALUES (?, ?, '00', 1, 'sent', 1, ?, ?, ?, ?, ?)`,
      [id, index + 1, at, iccid, at, mr, at],
    );
    await db.exec(
      `INSERT INTO outbound_history (message_id, sequence, status, sim_iccid, at)
       VALUES (?, ?, 'sending', ?, ?)`,
      [id, index + 1, iccid, at],
    );
  }
}

export interface OutboundState {
  readonly status: string;
  readonly delivered_at: number | null;
  readonly error_code: string | null;
  readonly error_detail: string | null;
}

export async function outboundState(db: EngineDatabase, id: string): Promise<OutboundState> {
  const [row] = await db.rows<OutboundState>(
    `SELECT status, delivered_at, error_code, error_detail FROM outbound_messages WHERE id = ?`,
    [id],
  );
  if (!row) throw new Error(`no outbound message ${id}`);
  return row;
}

/** The outbox events of `type`, oldest first, with their data parsed. */
export async function eventsOfType(
  db: EngineDatabase,
  type: string,
): Promise<Record<string, unknown>[]> {
  const rows = await db.rows<{ data: string }>(
    'SELECT data FROM events WHERE type = ? ORDER BY rowid',
    [type],
  );
  return rows.map((row) => JSON.parse(row.data) as Record<string, unknown>);
}

import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, runMigrations, type SqliteDatabase } from '../../../src/store/index.js';
import { migrations } from '../../../src/store/sqlite/migrations/index.js';
import { TempDirs } from './helpers.js';

/**
 * SQLite's per-status counters (migration 9) count the rows already there when the migration
 * runs. That the counts follow inserts, status changes and deletes at the newest schema, on both
 * engines: test/store/contract/stats.contract.test.ts.
 */
const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

/** Zero rows are left behind when a status empties; the figures compare without them. */
const nonZero = (counts: Readonly<Record<string, number>>) =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));

function insertOutbound(db: SqliteDatabase, id: string, status: string, at: number): void {
  db.prepare(
    `INSERT INTO outbound_messages (id, to_number, body, status, part_count, created_at,
       updated_at) VALUES (?, '+447700900123', 'hi', ?, 1, ?, ?)`,
  ).run(id, status, at, at);
}

function insertDelivery(db: SqliteDatabase, id: string, endpoint: string, status: string, at = 0) {
  db.prepare(
    `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload, status,
       next_attempt_at, created_at) VALUES (?, ?, ?, 'sms.received', '{}', ?, ?, ?)`,
  ).run(id, endpoint, `evt_${id}`, status, at, at);
}

function insertEndpoint(db: SqliteDatabase, id: string): void {
  db.prepare(
    `INSERT INTO webhook_endpoints (id, url, events, secret, created_at, updated_at)
     VALUES (?, 'https://hooks.example.com/in', '[]', 'whsec_x', 0, 0)`,
  ).run(id);
}

describe('SqliteStatsRepository', () => {
  it('counts the rows already there when the migration runs', async () => {
    const db = new Database(dirs.file());
    db.pragma('foreign_keys = ON');
    // The database of the release before: every migration up to this one.
    const added = migrations.find((m) => m.name === 'status-counts')!;
    runMigrations(
      db,
      undefined,
      migrations.filter((m) => m.id < added.id),
    );
    insertOutbound(db, 'msg_1', 'delivered', 0);
    insertOutbound(db, 'msg_2', 'failed', 0);
    insertEndpoint(db, 'whe_1');
    insertDelivery(db, 'whd_1', 'whe_1', 'failed');
    runMigrations(db);
    const stats = await createStore(db).stats.trafficStats();
    expect(nonZero(stats.outboundMessages)).toEqual({ delivered: 1, failed: 1 });
    expect(nonZero(stats.webhookDeliveries)).toEqual({ failed: 1 });
    expect(stats.oldestPendingDeliveryAt).toBeNull();
    db.close();
  });
});

import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, runMigrations, type SqliteDatabase } from '../../../src/store/index.js';
import { migrations } from '../../../src/store/sqlite/migrations/index.js';
import { MINUTE, OrderFixture, iccid } from '../domain/order-fixture.js';
import { TempDirs } from './helpers.js';

/**
 * The figures of GET /metrics (SqliteStatsRepository) on real SQLite files. The per-status
 * counts are kept by triggers: they must equal GROUP BY over the tables after inserts, status
 * changes and deletes (cascades included), at the newest schema. A later migration that
 * rebuilds one of these tables without recreating its triggers fails here.
 */
const dirs = new TempDirs();
const fixtures: OrderFixture[] = [];
afterEach(async () => {
  for (const fx of fixtures.splice(0)) await fx.close();
  dirs.cleanup();
});

function grouped(db: SqliteDatabase, sql: string): Record<string, number> {
  const rows = db.prepare<[], { status: string; n: number }>(sql).all();
  return Object.fromEntries(rows.filter((r) => r.n > 0).map((r) => [r.status, r.n]));
}

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
  it('keeps per-status counts equal to the tables through purchases, closes and deletes', async () => {
    const fx = new OrderFixture();
    fixtures.push(fx);
    await fx.seed();
    for (let n = 1; n <= 3; n++) await fx.addSim({ iccid: iccid(n) });
    const alice = await fx.customer('alice@example.com');
    const first = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
    await fx.orders.purchase(alice, { service: 'wa', country: 'GB' });
    await fx.clock.advance(3 * MINUTE);
    await fx.orders.cancel(alice.customerId, first.id);
    const db = fx.store.db;
    insertOutbound(db, 'msg_1', 'queued', fx.clock.now());
    insertOutbound(db, 'msg_2', 'queued', fx.clock.now());
    db.prepare("UPDATE outbound_messages SET status = 'sent' WHERE id = 'msg_2'").run();
    insertEndpoint(db, 'whe_1');
    insertEndpoint(db, 'whe_2');
    insertDelivery(db, 'whd_1', 'whe_1', 'pending', fx.clock.now() - MINUTE);
    insertDelivery(db, 'whd_2', 'whe_1', 'pending', fx.clock.now());
    insertDelivery(db, 'whd_3', 'whe_2', 'succeeded');
    db.prepare("UPDATE webhook_deliveries SET status = 'succeeded' WHERE id = 'whd_2'").run();
    // Deleting an endpoint cascades to its deliveries: their counts go too.
    db.prepare("DELETE FROM webhook_endpoints WHERE id = 'whe_2'").run();

    const stats = await fx.store.stats.trafficStats();
    expect(nonZero(stats.orders)).toEqual(
      grouped(db, 'SELECT status, COUNT(*) AS n FROM orders WHERE sandbox = 0 GROUP BY status'),
    );
    expect(nonZero(stats.orders)).toEqual({ cancelled: 1, waiting: 1 });
    expect(nonZero(stats.sandboxOrders)).toEqual({});
    expect(nonZero(stats.outboundMessages)).toEqual({ queued: 1, sent: 1 });
    expect(nonZero(stats.webhookDeliveries)).toEqual({ pending: 1, succeeded: 1 });
    expect(stats.oldestPendingDeliveryAt).toBe(fx.clock.now() - MINUTE);
    expect(stats.queuedOutboundParts).toBe(0);
    expect(stats.inboundMessages).toBe(0);
  });

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

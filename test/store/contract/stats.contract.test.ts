/**
 * StatsPort (GET /metrics) on both engines. The per-status counts are kept by triggers (at
 * commit on PostgreSQL): they must equal GROUP BY over the tables after inserts, status changes
 * and deletes (cascades included). The inbound total counts every message stored, exactly.
 * (Counting the rows already there when the counters were added is SQLite's migration history:
 * test/unit/store/stats-repository.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { StatusCounts } from '../../../src/domain/index.js';
import {
  SEEDED_AT,
  seedCustomer,
  seedInbound,
  seedOrder,
  seedOutbound,
  seedSimRow,
} from './admin-fixtures.js';
import { useEngineStore } from './engine-store.js';
import { ENGINES } from './engines.js';

const MINUTE = 60_000;
const iccid = (n: number) => `89440000000000003${n}`;

/** Zero rows are left behind when a status empties; the figures compare without them. */
const nonZero = (counts: StatusCounts) =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));

for (const engine of ENGINES) {
  describe(`StatsPort on ${engine}`, () => {
    const t = useEngineStore(engine, 'stats');
    const exec = (sql: string, params?: readonly unknown[]) => t.exec(sql, params);
    const grouped = async (sql: string) => {
      const rows = await t.opened.rows<{ status: string; n: number }>(sql);
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    };
    const endpoint = (id: string) =>
      exec(
        `INSERT INTO webhook_endpoints (id, url, events, secret, created_at, updated_at)
         VALUES (?, 'https://hooks.example.com/in', '[]', 'whsec_x', 0, 0)`,
        [id],
      );
    const delivery = (id: string, endpointId: string, status: string, at = 0) =>
      exec(
        `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload, status,
           next_attempt_at, created_at) VALUES (?, ?, ?, 'sms.received', '{}', ?, ?, ?)`,
        [id, endpointId, `evt_${id}`, status, at, at],
      );

    it('is all zeros on an empty database', async () => {
      expect(await t.store.stats.trafficStats()).toEqual({
        inboundMessages: 0,
        outboundMessages: {},
        queuedOutboundParts: 0,
        webhookDeliveries: {},
        oldestPendingDeliveryAt: null,
        orders: {},
        sandboxOrders: {},
      });
    });

    it('keeps per-status counts equal to the tables through inserts, status changes and deletes', async () => {
      await seedCustomer(exec, 'cus_1');
      for (let n = 1; n <= 4; n++) await seedSimRow(exec, { iccid: iccid(n) });
      await seedOrder(exec, { id: 'o1', activationId: 1, customerId: 'cus_1', sim: iccid(1) });
      await seedOrder(exec, { id: 'o2', activationId: 2, customerId: 'cus_1', sim: iccid(2) });
      await seedOrder(exec, {
        id: 'o3',
        activationId: 3,
        customerId: 'cus_1',
        sim: iccid(3),
        sandbox: true,
      });
      await exec("UPDATE orders SET status = 'cancelled' WHERE id = 'o1'");
      await exec("UPDATE orders SET status = 'received' WHERE id = 'o3'");
      await seedOutbound(exec, 'msg_1');
      await seedOutbound(exec, 'msg_2');
      await exec("UPDATE outbound_messages SET status = 'sent' WHERE id = 'msg_2'");
      await exec(
        `INSERT INTO outbound_parts (message_id, sequence, pdu, tpdu_length, status,
           next_attempt_at) VALUES ('msg_1', 1, '00', 1, 'queued', 0),
           ('msg_1', 2, '00', 1, 'queued', 0), ('msg_2', 1, '00', 1, 'sent', 0)`,
      );
      await endpoint('whe_1');
      await endpoint('whe_2');
      await delivery('whd_1', 'whe_1', 'pending', SEEDED_AT - MINUTE);
      await delivery('whd_2', 'whe_1', 'pending', SEEDED_AT);
      await delivery('whd_3', 'whe_2', 'succeeded');
      await delivery('whd_4', 'whe_2', 'pending', SEEDED_AT - 2 * MINUTE);
      await exec("UPDATE webhook_deliveries SET status = 'succeeded' WHERE id = 'whd_2'");
      // Deleting an endpoint cascades to its deliveries: their counts go too.
      await exec("DELETE FROM webhook_endpoints WHERE id = 'whe_2'");
      for (const at of [1, 2, 3]) await seedInbound(exec, iccid(4), at);

      const stats = await t.store.stats.trafficStats();
      expect(nonZero(stats.orders)).toEqual(
        await grouped('SELECT status, COUNT(*) AS n FROM orders WHERE sandbox = 0 GROUP BY status'),
      );
      expect(nonZero(stats.orders)).toEqual({ cancelled: 1, waiting: 1 });
      expect(nonZero(stats.sandboxOrders)).toEqual({ received: 1 });
      expect(nonZero(stats.outboundMessages)).toEqual({ queued: 1, sent: 1 });
      expect(nonZero(stats.webhookDeliveries)).toEqual(
        await grouped('SELECT status, COUNT(*) AS n FROM webhook_deliveries GROUP BY status'),
      );
      expect(nonZero(stats.webhookDeliveries)).toEqual({ pending: 1, succeeded: 1 });
      expect(stats.oldestPendingDeliveryAt).toBe(SEEDED_AT - MINUTE);
      expect(stats.queuedOutboundParts).toBe(2);
      expect(stats.inboundMessages).toBe(3);
    });
  });
}

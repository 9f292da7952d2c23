/**
 * AdminPorts on both engines, the reads across accounts: orders (search, pages), SMS in and out
 * merged and paged together, counts since a time and per UTC hour, what each SIM is doing, the
 * oldest deliverable webhook delivery, and a delivery retried by hand.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AdminPorts } from '../../../src/domain/index.js';
import {
  seedCustomer,
  seedInbound,
  seedOrder,
  seedOutbound,
  seedSimRow,
} from './admin-fixtures.js';
import { useEngineStore } from './engine-store.js';
import { ENGINES } from './engines.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const H0 = Date.UTC(2026, 10, 22, 9);

for (const engine of ENGINES) {
  describe(`AdminPorts activity on ${engine}`, () => {
    const t = useEngineStore(engine, 'admin_activity');
    const exec = (sql: string, params?: readonly unknown[]) => t.exec(sql, params);

    describe('activity', () => {
      const SIM = '894400000000000021';
      const OTHER = '894400000000000022';

      beforeEach(async () => {
        await seedSimRow(exec, { iccid: SIM, msisdn: '+447700900021' });
        await seedSimRow(exec, { iccid: OTHER, msisdn: '+447700900022' });
        await seedCustomer(exec, 'cus_a');
        await seedCustomer(exec, 'cus_b');
      });

      it('lists orders newest first, by status and by id, activation id, customer, service or number', async () => {
        await seedOrder(exec, {
          id: 'ord_a1',
          activationId: 101,
          customerId: 'cus_a',
          sim: SIM,
          status: 'finished',
          phone: '+447700900021',
        });
        await seedOrder(exec, {
          id: 'ord_b1',
          activationId: 102,
          customerId: 'cus_b',
          sim: OTHER,
          service: 'wa',
          phone: '+447700900022',
        });
        await seedOrder(exec, {
          id: 'ord_a2',
          activationId: 103,
          customerId: 'cus_a',
          sim: SIM,
          phone: '+447700900021',
        });
        const ids = async (query: Parameters<AdminPorts['activity']['listOrders']>[0]) =>
          (await t.store.admin.activity.listOrders(query)).items.map((o) => o.id);

        const page = await t.store.admin.activity.listOrders({ limit: 2 });
        expect(page.items.map((o) => o.id)).toEqual(['ord_a2', 'ord_b1']);
        expect(page.items[1]).toMatchObject({
          activationId: 102,
          customerId: 'cus_b',
          apiKeyId: 'key_cus_b',
          sandbox: false,
          service: 'wa',
          country: 'GB',
          priceUnits: 5000,
          simIccid: OTHER,
          status: 'waiting',
          closedAt: null,
          smsCount: 0,
        });
        expect(await ids({ limit: 2, cursor: page.nextCursor! })).toEqual(['ord_a1']);
        expect(await ids({ limit: 10, status: 'waiting' })).toEqual(['ord_a2', 'ord_b1']);
        expect(await ids({ limit: 10, q: 'ord_a1' })).toEqual(['ord_a1']);
        expect(await ids({ limit: 10, q: '103' })).toEqual(['ord_a2']);
        expect(await ids({ limit: 10, q: 'cus_a' })).toEqual(['ord_a2', 'ord_a1']);
        expect(await ids({ limit: 10, q: 'wa' })).toEqual(['ord_b1']);
        expect(await ids({ limit: 10, q: '900022' })).toEqual(['ord_b1']);
        expect(await ids({ limit: 10, q: '   ' })).toEqual(['ord_a2', 'ord_b1', 'ord_a1']);
        expect(await t.store.admin.activity.openOrders()).toBe(2);
      });

      it('merges SMS in and out newest first, pages them together, filters and searches', async () => {
        await seedInbound(exec, SIM, H0, { sender: '+447700900777', text: 'Your CODE is 1234' });
        await seedInbound(exec, SIM, H0 + 2, { complete: false, text: 'part' });
        await seedOutbound(exec, 'msg_1', {
          createdAt: H0 + 1,
          sender: OTHER,
          status: 'sent',
          sentAt: H0 + 1,
        });
        await seedOutbound(exec, 'msg_2', { createdAt: H0 + 2, body: 'second' });
        const first = await t.store.admin.activity.listMessages({ limit: 2 });
        expect(first.items.map((m) => m.id)).toEqual(['msg_2', 'in_2']);
        const rest = await t.store.admin.activity.listMessages({
          limit: 2,
          cursor: first.nextCursor!,
        });
        expect(rest.items.map((m) => m.id)).toEqual(['msg_1', 'in_1']);
        expect(rest.nextCursor).toBeNull();
        expect(rest.items).toEqual([
          {
            id: 'msg_1',
            direction: 'out',
            from: '+447700900022',
            to: '+447700900555',
            body: 'hello',
            parts: 1,
            status: 'sent',
            simId: OTHER,
            createdAt: H0 + 1,
          },
          {
            id: 'in_1',
            direction: 'in',
            from: '+447700900777',
            to: '+447700900021',
            body: 'Your CODE is 1234',
            parts: 1,
            status: 'received',
            simId: SIM,
            createdAt: H0,
          },
        ]);
        const list = async (query: Parameters<AdminPorts['activity']['listMessages']>[0]) =>
          (await t.store.admin.activity.listMessages(query)).items.map((m) => m.id);
        expect(await list({ limit: 10, direction: 'in' })).toEqual(['in_2', 'in_1']);
        expect(await list({ limit: 10, direction: 'out' })).toEqual(['msg_2', 'msg_1']);
        expect(await list({ limit: 10, status: 'incomplete' })).toEqual(['in_2']);
        expect(await list({ limit: 10, q: 'code' })).toEqual(['in_1']);
        expect(await list({ limit: 10, q: '900777' })).toEqual(['in_1']);
        expect(await list({ limit: 10, q: '900555' })).toEqual(['msg_2', 'msg_1']);
      });

      it('counts SMS per UTC hour, however many share one, and since a time', async () => {
        // 09:00–09:59: three in (first and last millisecond of the hour included), two out.
        for (const at of [H0, H0 + 17 * MINUTE + 123, H0 + HOUR - 1])
          await seedInbound(exec, SIM, at);
        let n = 0;
        const sent = (at: number | null) =>
          seedOutbound(exec, `msg_${++n}`, {
            createdAt: H0,
            status: at === null ? 'queued' : 'sent',
            sentAt: at,
          });
        for (const at of [H0 + 5 * MINUTE, H0 + 59 * MINUTE]) await sent(at);
        // 10:00–10:59: one in, three out; 12:00: two in. 11:00: nothing.
        await seedInbound(exec, SIM, H0 + HOUR);
        for (const at of [H0 + HOUR + 1, H0 + HOUR + 30 * MINUTE, H0 + 2 * HOUR - 1])
          await sent(at);
        await seedInbound(exec, SIM, H0 + 3 * HOUR + 7);
        await seedInbound(exec, SIM, H0 + 3 * HOUR + 40 * MINUTE);
        // Before the window, and a message not sent yet: not counted.
        await seedInbound(exec, SIM, H0 - 1);
        await sent(H0 - 1);
        await sent(null);

        const hours = await t.store.admin.activity.smsPerHour(H0);
        expect([...hours].sort((a, b) => a.hour - b.hour)).toEqual([
          { hour: H0, in: 3, out: 2 },
          { hour: H0 + HOUR, in: 1, out: 3 },
          { hour: H0 + 3 * HOUR, in: 2, out: 0 },
        ]);
        expect(await t.store.admin.activity.countSms(H0 + HOUR)).toEqual({ in: 3, out: 3 });
        expect(await t.store.admin.activity.countSms(H0 + 4 * HOUR)).toEqual({ in: 0, out: 0 });
      });

      it("tells each SIM's open order and last SMS", async () => {
        await seedOrder(exec, { id: 'ord_open', activationId: 1, customerId: 'cus_a', sim: SIM });
        await seedOrder(exec, {
          id: 'ord_done',
          activationId: 2,
          customerId: 'cus_a',
          sim: OTHER,
          status: 'finished',
        });
        await seedInbound(exec, OTHER, H0);
        await seedInbound(exec, OTHER, H0 + 5);
        const activity = await t.store.admin.activity.simActivity();
        expect(activity.get(SIM)).toEqual({ currentOrderId: 'ord_open', lastSmsAt: null });
        expect(activity.get(OTHER)).toEqual({ currentOrderId: null, lastSmsAt: H0 + 5 });
        expect(activity.size).toBe(2);
      });

      it('finds the oldest deliverable delivery due, and retries a delivery by hand', async () => {
        const endpoint = (id: string, active: number, paused: number) =>
          exec(
            `INSERT INTO webhook_endpoints (id, url, events, secret, active, paused, created_at,
               updated_at) VALUES (?, 'https://h.example/', '[]', 's', ?, ?, 0, 0)`,
            [id, active, paused],
          );
        const delivery = (id: string, endpointId: string, status: string, at: number) =>
          exec(
            `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload,
               status, next_attempt_at, created_at) VALUES (?, ?, ?, 'sms.received', '{}', ?, ?, 0)`,
            [id, endpointId, `evt_${id}`, status, at],
          );
        await endpoint('whe_live', 1, 0);
        await endpoint('whe_paused', 1, 1);
        await endpoint('whe_off', 0, 0);
        await delivery('whd_paused', 'whe_paused', 'pending', H0 - 3 * HOUR);
        await delivery('whd_off', 'whe_off', 'pending', H0 - 2 * HOUR);
        await delivery('whd_late', 'whe_live', 'pending', H0 + HOUR);
        await delivery('whd_due', 'whe_live', 'pending', H0 - HOUR);
        await delivery('whd_failed', 'whe_live', 'failed', H0 - 4 * HOUR);
        await delivery('whd_done', 'whe_live', 'succeeded', H0 - 4 * HOUR);
        expect(await t.store.admin.activity.oldestDueDelivery(H0)).toBe(H0 - HOUR);
        expect(await t.store.admin.activity.oldestDueDelivery(H0 - 2 * HOUR)).toBeNull();

        expect(await t.store.admin.activity.retryDelivery('whd_failed', H0)).toBe('retried');
        expect(await t.store.admin.activity.retryDelivery('whd_done', H0)).toBe('not_retryable');
        expect(await t.store.admin.activity.retryDelivery('whd_nope', H0)).toBe('not_found');
        expect(await t.store.admin.activity.oldestDueDelivery(H0)).toBe(H0 - HOUR);
        const rows = await t.opened.rows<{ status: string; next_attempt_at: number }>(
          "SELECT status, next_attempt_at FROM webhook_deliveries WHERE id = 'whd_failed'",
        );
        expect(rows.map((r) => [r.status, Number(r.next_attempt_at)])).toEqual([['pending', H0]]);
      });
    });
  });
}

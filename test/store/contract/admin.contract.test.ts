/**
 * AdminPorts on both engines: the operator account, the customer list (balances, open orders,
 * search, pages), every host's SIMs with their host and its lease (usage, blacklist, switches,
 * notes), and the reads across accounts (orders, SMS in and out merged, counts, the chart, what
 * each SIM is doing, a delivery retried by hand).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AdminPorts, Customer } from '../../../src/domain/index.js';
import { isSimpoolError } from '../../../src/shared/index.js';
import {
  SEEDED_AT,
  seedCustomer,
  seedHost,
  seedInbound,
  seedOrder,
  seedOutbound,
  seedSimRow,
} from './admin-fixtures.js';
import { openEngineStore, type EngineStore } from './engine-store.js';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const H0 = Date.UTC(2026, 10, 22, 9);

const operator = (id: string, email = 'operator@simpool.local'): Customer => ({
  id,
  email,
  createdAt: SEEDED_AT,
  bannedUntil: null,
});

for (const engine of ENGINES) {
  describe(`AdminPorts on ${engine}`, () => {
    let opened: EngineDatabase;
    let store: EngineStore;
    let admin: AdminPorts;
    const exec = (sql: string, params?: readonly unknown[]) => opened.exec(sql, params);

    beforeEach(async () => {
      opened = await openEngineDatabase(engine, 'admin');
      store = openEngineStore(opened);
      admin = store.admin;
    });
    afterEach(async () => {
      await store.close();
      await opened.close();
    });

    describe('accounts', () => {
      it('creates the operator account once, never lists it, refuses a customer e-mail', async () => {
        expect(await admin.accounts.findOperator()).toBeUndefined();
        const first = await admin.accounts.ensureOperator(operator('cus_op1'));
        expect(first).toEqual(operator('cus_op1'));
        // A second start (another host, the CLI) gets the same account.
        expect(await admin.accounts.ensureOperator(operator('cus_op2', 'other@x.test'))).toEqual(
          first,
        );
        expect(await admin.accounts.findOperator()).toEqual(first);
        const rows = await opened.rows<{ n: number }>(
          "SELECT COUNT(*) AS n FROM customers WHERE kind = 'operator'",
        );
        expect(Number(rows[0]!.n)).toBe(1);
        await seedCustomer(exec, 'cus_alice');
        expect(
          (await admin.accounts.listCustomers({ limit: 10 })).items.map((c) => c.customer.id),
        ).toEqual(['cus_alice']);
      });

      it('refuses to make an operator of a customer e-mail', async () => {
        await seedCustomer(exec, 'cus_alice', { email: 'alice@example.com' });
        const error: unknown = await admin.accounts
          .ensureOperator(operator('cus_op', 'alice@example.com'))
          .catch((e: unknown) => e);
        expect(isSimpoolError(error) && error.code).toBe('internal_error');
      });

      it('lists customers newest first with live balance and open orders, by search and page', async () => {
        await seedCustomer(exec, 'cus_one', { email: 'one@example.com', balance: 30_000 });
        await seedCustomer(exec, 'cus_two', { email: 'Two@Example.com' });
        await seedCustomer(exec, 'cus_three', { email: 'three@example.com', balance: 5 });
        await seedSimRow(exec, { iccid: '894400000000000001' });
        await seedSimRow(exec, { iccid: '894400000000000002' });
        await seedSimRow(exec, { iccid: '894400000000000003' });
        await seedOrder(exec, {
          id: 'ord_1',
          activationId: 1,
          customerId: 'cus_one',
          sim: '894400000000000001',
        });
        await seedOrder(exec, {
          id: 'ord_2',
          activationId: 2,
          customerId: 'cus_one',
          sim: '894400000000000002',
          status: 'received',
        });
        await seedOrder(exec, {
          id: 'ord_3',
          activationId: 3,
          customerId: 'cus_one',
          sim: '894400000000000003',
          status: 'finished',
        });

        const first = await admin.accounts.listCustomers({ limit: 2 });
        expect(first.items.map((c) => [c.customer.id, c.balanceUnits, c.openOrders])).toEqual([
          ['cus_three', 5, 0],
          ['cus_two', 0, 0],
        ]);
        expect(first.items[1]!.customer).toEqual({
          id: 'cus_two',
          email: 'Two@Example.com',
          createdAt: SEEDED_AT,
          bannedUntil: null,
        });
        const rest = await admin.accounts.listCustomers({ limit: 2, cursor: first.nextCursor! });
        expect(rest.items.map((c) => [c.customer.id, c.balanceUnits, c.openOrders])).toEqual([
          ['cus_one', 30_000, 2],
        ]);
        expect(rest.nextCursor).toBeNull();

        const byEmail = await admin.accounts.listCustomers({ limit: 10, q: ' TWO@ ' });
        expect(byEmail.items.map((c) => c.customer.id)).toEqual(['cus_two']);
        const byId = await admin.accounts.listCustomers({ limit: 10, q: 'cus_th' });
        expect(byId.items.map((c) => c.customer.id)).toEqual(['cus_three']);
        // A cursor that is not one of ours: the first page.
        const bogus = await admin.accounts.listCustomers({ limit: 1, cursor: 'nonsense' });
        expect(bogus.items.map((c) => c.customer.id)).toEqual(['cus_three']);
      });
    });

    describe('SIMs', () => {
      const A = '894400000000000011';
      const B = '894400000000000012';
      const C = '894400000000000013';
      const D = '894400000000000014';

      beforeEach(async () => {
        const now = Date.now();
        await seedHost(exec, 'host-a', now + HOUR);
        await seedHost(exec, 'host-b', now - HOUR);
        await seedHost(exec, 'host-c', now + HOUR, now - MINUTE);
        await seedSimRow(exec, { iccid: B, hostId: 'host-b', slot: 'simulated:0' });
        await seedSimRow(exec, { iccid: A, hostId: 'host-a', slot: 'simulated:1' });
        await seedSimRow(exec, { iccid: D, hostId: 'host-a', slot: null });
        await seedSimRow(exec, { iccid: C, hostId: 'host-c', slot: 'simulated:0' });
        await seedSimRow(exec, { iccid: '894400000000000015', slot: '/dev/ttyUSB0' });
      });

      it("lists every host's SIMs by host and slot, with the host's lease", async () => {
        const sims = await admin.sims.listSims();
        expect(sims.map((s) => [s.iccid, s.hostId, s.hostState])).toEqual([
          ['894400000000000015', '', null],
          [D, 'host-a', 'alive'],
          [A, 'host-a', 'alive'],
          [B, 'host-b', 'expired'],
          [C, 'host-c', 'stopped'],
        ]);
        expect(sims[2]).toEqual({
          iccid: A,
          country: 'GB',
          number: '+447700900011',
          operator: 'EE',
          status: 'ready',
          enabled: true,
          notes: '',
          usage: [],
          blacklist: [],
          hostId: 'host-a',
          hostState: 'alive',
        });
        expect(await admin.sims.getSim(B)).toMatchObject({
          hostId: 'host-b',
          hostState: 'expired',
        });
        expect(await admin.sims.getSim('894400000000009999')).toBeUndefined();
      });

      it('counts usage per service (swaps included) and edits switches, notes and the blacklist', async () => {
        await seedCustomer(exec, 'cus_1');
        await seedOrder(exec, { id: 'o1', activationId: 1, customerId: 'cus_1', sim: A });
        await seedOrder(exec, {
          id: 'o2',
          activationId: 2,
          customerId: 'cus_1',
          sim: B,
          service: 'wa',
          swappedFrom: [A],
          status: 'finished',
        });
        await seedOrder(exec, {
          id: 'o3',
          activationId: 3,
          customerId: 'cus_1',
          sim: D,
          service: 'wa',
          sandbox: true,
          status: 'cancelled',
        });
        await exec(
          `INSERT INTO sim_service_blacklist (sim_iccid, service, reason, created_at)
           VALUES (?, 'wa', 'spam complaints', 1)`,
          [A],
        );
        expect((await admin.sims.getSim(A))?.usage).toEqual([
          { service: 'tg', orders: 1 },
          { service: 'wa', orders: 1 },
        ]);
        const listed = new Map((await admin.sims.listSims()).map((s) => [s.iccid, s]));
        expect(listed.get(A)?.usage).toEqual([
          { service: 'tg', orders: 1 },
          { service: 'wa', orders: 1 },
        ]);
        expect(listed.get(B)?.usage).toEqual([{ service: 'wa', orders: 1 }]);
        expect(listed.get(D)?.usage).toEqual([{ service: 'wa', orders: 1 }]);
        expect(listed.get(A)?.blacklist).toEqual(['wa']);

        const edited = await admin.sims.updateSim(
          A,
          { enabled: false, notes: 'cracked', blacklist: ['wa', 'tg', 'tg'] },
          SEEDED_AT + 5,
        );
        expect(edited).toMatchObject({ enabled: false, notes: 'cracked', blacklist: ['tg', 'wa'] });
        // The entry kept keeps its reason and date; the new one is the operator's.
        const entries = await opened.rows<{ service: string; reason: string; created_at: number }>(
          'SELECT service, reason, created_at FROM sim_service_blacklist ORDER BY service',
        );
        expect(entries.map((e) => [e.service, e.reason, Number(e.created_at)])).toEqual([
          ['tg', 'operator', SEEDED_AT + 5],
          ['wa', 'spam complaints', 1],
        ]);
        const again = await admin.sims.updateSim(A, { enabled: true, blacklist: [] }, SEEDED_AT);
        expect(again).toMatchObject({ enabled: true, notes: 'cracked', blacklist: [] });
        expect(await admin.sims.updateSim('894400000000009999', { notes: 'x' }, 0)).toBeUndefined();
      });
    });

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
          (await admin.activity.listOrders(query)).items.map((o) => o.id);

        const page = await admin.activity.listOrders({ limit: 2 });
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
        expect(await admin.activity.openOrders()).toBe(2);
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
        const first = await admin.activity.listMessages({ limit: 2 });
        expect(first.items.map((m) => m.id)).toEqual(['msg_2', 'in_2']);
        const rest = await admin.activity.listMessages({ limit: 2, cursor: first.nextCursor! });
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
          (await admin.activity.listMessages(query)).items.map((m) => m.id);
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

        const hours = await admin.activity.smsPerHour(H0);
        expect([...hours].sort((a, b) => a.hour - b.hour)).toEqual([
          { hour: H0, in: 3, out: 2 },
          { hour: H0 + HOUR, in: 1, out: 3 },
          { hour: H0 + 3 * HOUR, in: 2, out: 0 },
        ]);
        expect(await admin.activity.countSms(H0 + HOUR)).toEqual({ in: 3, out: 3 });
        expect(await admin.activity.countSms(H0 + 4 * HOUR)).toEqual({ in: 0, out: 0 });
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
        const activity = await admin.activity.simActivity();
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
        expect(await admin.activity.oldestDueDelivery(H0)).toBe(H0 - HOUR);
        expect(await admin.activity.oldestDueDelivery(H0 - 2 * HOUR)).toBeNull();

        expect(await admin.activity.retryDelivery('whd_failed', H0)).toBe('retried');
        expect(await admin.activity.retryDelivery('whd_done', H0)).toBe('not_retryable');
        expect(await admin.activity.retryDelivery('whd_nope', H0)).toBe('not_found');
        expect(await admin.activity.oldestDueDelivery(H0)).toBe(H0 - HOUR);
        const rows = await opened.rows<{ status: string; next_attempt_at: number }>(
          "SELECT status, next_attempt_at FROM webhook_deliveries WHERE id = 'whd_failed'",
        );
        expect(rows.map((r) => [r.status, Number(r.next_attempt_at)])).toEqual([['pending', H0]]);
      });
    });
  });
}

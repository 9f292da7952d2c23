/**
 * AdminPorts on both engines, accounts and SIMs: the operator account, the customer list
 * (balances, open orders, search, pages), every host's SIMs with their host and its lease (usage,
 * blacklist, switches, notes). The reads across accounts: admin-activity.contract.test.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Customer } from '../../../src/domain/index.js';
import { isSimpoolError } from '../../../src/shared/index.js';
import { SEEDED_AT, seedCustomer, seedHost, seedOrder, seedSimRow } from './admin-fixtures.js';
import { useEngineStore } from './engine-store.js';
import { ENGINES } from './engines.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const operator = (id: string, email = 'operator@simpool.local'): Customer => ({
  id,
  email,
  createdAt: SEEDED_AT,
  bannedUntil: null,
});

for (const engine of ENGINES) {
  describe(`AdminPorts on ${engine}`, () => {
    const t = useEngineStore(engine, 'admin');
    const exec = (sql: string, params?: readonly unknown[]) => t.exec(sql, params);

    describe('accounts', () => {
      it('creates the operator account once, never lists it, refuses a customer e-mail', async () => {
        expect(await t.store.admin.accounts.findOperator()).toBeUndefined();
        const first = await t.store.admin.accounts.ensureOperator(operator('cus_op1'));
        expect(first).toEqual(operator('cus_op1'));
        // A second start (another host, the CLI) gets the same account.
        expect(
          await t.store.admin.accounts.ensureOperator(operator('cus_op2', 'other@x.test')),
        ).toEqual(first);
        expect(await t.store.admin.accounts.findOperator()).toEqual(first);
        const rows = await t.opened.rows<{ n: number }>(
          "SELECT COUNT(*) AS n FROM customers WHERE kind = 'operator'",
        );
        expect(Number(rows[0]!.n)).toBe(1);
        await seedCustomer(exec, 'cus_alice');
        expect(
          (await t.store.admin.accounts.listCustomers({ limit: 10 })).items.map(
            (c) => c.customer.id,
          ),
        ).toEqual(['cus_alice']);
      });

      it('refuses to make an operator of a customer e-mail', async () => {
        await seedCustomer(exec, 'cus_alice', { email: 'alice@example.com' });
        const error: unknown = await t.store.admin.accounts
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

        const first = await t.store.admin.accounts.listCustomers({ limit: 2 });
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
        const rest = await t.store.admin.accounts.listCustomers({
          limit: 2,
          cursor: first.nextCursor!,
        });
        expect(rest.items.map((c) => [c.customer.id, c.balanceUnits, c.openOrders])).toEqual([
          ['cus_one', 30_000, 2],
        ]);
        expect(rest.nextCursor).toBeNull();

        const byEmail = await t.store.admin.accounts.listCustomers({ limit: 10, q: ' TWO@ ' });
        expect(byEmail.items.map((c) => c.customer.id)).toEqual(['cus_two']);
        const byId = await t.store.admin.accounts.listCustomers({ limit: 10, q: 'cus_th' });
        expect(byId.items.map((c) => c.customer.id)).toEqual(['cus_three']);
        // A cursor that is not one of ours: the first page.
        const bogus = await t.store.admin.accounts.listCustomers({ limit: 1, cursor: 'nonsense' });
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
        const sims = await t.store.admin.sims.listSims();
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
        expect(await t.store.admin.sims.getSim(B)).toMatchObject({
          hostId: 'host-b',
          hostState: 'expired',
        });
        expect(await t.store.admin.sims.getSim('894400000000009999')).toBeUndefined();
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
        expect((await t.store.admin.sims.getSim(A))?.usage).toEqual([
          { service: 'tg', orders: 1 },
          { service: 'wa', orders: 1 },
        ]);
        const listed = new Map((await t.store.admin.sims.listSims()).map((s) => [s.iccid, s]));
        expect(listed.get(A)?.usage).toEqual([
          { service: 'tg', orders: 1 },
          { service: 'wa', orders: 1 },
        ]);
        expect(listed.get(B)?.usage).toEqual([{ service: 'wa', orders: 1 }]);
        expect(listed.get(D)?.usage).toEqual([{ service: 'wa', orders: 1 }]);
        expect(listed.get(A)?.blacklist).toEqual(['wa']);

        const edited = await t.store.admin.sims.updateSim(
          A,
          { enabled: false, notes: 'cracked', blacklist: ['wa', 'tg', 'tg'] },
          SEEDED_AT + 5,
        );
        expect(edited).toMatchObject({ enabled: false, notes: 'cracked', blacklist: ['tg', 'wa'] });
        // The entry kept keeps its reason and date; the new one is the operator's.
        const entries = await t.opened.rows<{
          service: string;
          reason: string;
          created_at: number;
        }>('SELECT service, reason, created_at FROM sim_service_blacklist ORDER BY service');
        expect(entries.map((e) => [e.service, e.reason, Number(e.created_at)])).toEqual([
          ['tg', 'operator', SEEDED_AT + 5],
          ['wa', 'spam complaints', 1],
        ]);
        const again = await t.store.admin.sims.updateSim(
          A,
          { enabled: true, blacklist: [] },
          SEEDED_AT,
        );
        expect(again).toMatchObject({ enabled: true, notes: 'cracked', blacklist: [] });
        expect(
          await t.store.admin.sims.updateSim('894400000000009999', { notes: 'x' }, 0),
        ).toBeUndefined();
      });
    });
  });
}

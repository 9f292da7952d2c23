/**
 * CustomerPort's money on both engines: credits, balances, the ledger and its pages, the profile;
 * and the ledger writers' refusal of a debit the balance cannot cover (what the order
 * transactions rely on).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CustomerService, type CustomerPort } from '../../../src/domain/index.js';
import { ManualClock, isSimpoolError } from '../../../src/shared/index.js';
import {
  MINUTE,
  T0,
  accountPorts,
  addOrder,
  addSim,
  iccid,
  moveMoney,
  newKey,
} from './account-ports.js';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';

for (const engine of ENGINES) {
  describe(`CustomerPort money on ${engine}`, () => {
    let db: EngineDatabase;
    let port: CustomerPort;
    let customers: CustomerService;

    beforeEach(async () => {
      db = await openEngineDatabase(engine, 'money');
      port = accountPorts(db.current()).customers;
      customers = new CustomerService(port, new ManualClock(T0));
    });
    afterEach(() => db.close());

    /** Throws raised synchronously (SQLite) become rejections, as PostgreSQL's are. */
    const attempt = async (sql: string, params?: readonly unknown[]) => db.exec(sql, params);

    async function customer(id: string): Promise<void> {
      const email = `${id}@example.com`;
      const created = await port.createCustomer({ id, email, createdAt: T0, bannedUntil: null });
      if (!created) throw new Error(`${email} exists`);
    }

    it('keeps separate live and sandbox balances, each with before/after rows', async () => {
      const created = await customers.createCustomer('alice@example.com');
      await customers.credit(created.id, 10_000);
      await customers.credit(created.id, 2_500, {
        type: 'admin_credit',
        description: 'Goodwill',
      });
      await customers.credit(created.id, 7_000, { sandbox: true });
      expect(await customers.balance(created.id)).toBe(12_500);
      expect(await customers.balance(created.id, true)).toBe(7_000);
      const live = await customers.ledger(created.id, { sandbox: false });
      expect(live.items.map((e) => [e.type, e.balanceBeforeUnits, e.balanceAfterUnits])).toEqual([
        ['admin_credit', 10_000, 12_500],
        ['deposit', 0, 10_000],
      ]);
      const credits = await customers.ledger(created.id, { type: 'admin_credit' });
      expect(credits.items).toHaveLength(1);
      const profile = await customers.profile(created.id);
      expect(profile).toMatchObject({
        balanceUnits: 12_500,
        totalSpentUnits: 0,
        totalOrders: 0,
        activeApiKeys: 0,
      });
    });

    it('returns the credit’s ledger entry and writes its balance.changed event', async () => {
      await customer('cus_a');
      const entry = await port.credit(
        {
          customerId: 'cus_a',
          sandbox: false,
          type: 'deposit',
          amountUnits: 12_345,
          description: 'Wire',
        },
        T0 + 7,
      );
      expect(entry).toEqual({
        id: expect.any(Number) as unknown,
        customerId: 'cus_a',
        sandbox: false,
        type: 'deposit',
        amountUnits: 12_345,
        balanceBeforeUnits: 0,
        balanceAfterUnits: 12_345,
        orderId: null,
        description: 'Wire',
        createdAt: T0 + 7,
      });
      const events = await db.rows<{ type: string; customer_id: string; data: string }>(
        'SELECT type, customer_id, order_id, data, created_at FROM events',
      );
      expect(events).toEqual([
        {
          type: 'balance.changed',
          customer_id: 'cus_a',
          order_id: null,
          data: expect.any(String) as unknown,
          created_at: T0 + 7,
        },
      ]);
      expect(JSON.parse(events[0]!.data)).toEqual({
        sandbox: false,
        type: 'deposit',
        amount: 1.2345,
        balance: 1.2345,
        transaction_id: entry.id,
        order_id: null,
      });
      expect(await port.balance('cus_a', false)).toBe(12_345);
      expect(await port.balance('cus_a', true)).toBe(0);
      expect(await port.balance('cus_nobody', false)).toBe(0);
    });

    it('pages the ledger newest first, filtered by mode, type and time', async () => {
      await customer('cus_a');
      for (let i = 1; i <= 5; i++) {
        await port.credit(
          {
            customerId: 'cus_a',
            sandbox: i === 3,
            type: i % 2 === 0 ? 'admin_credit' : 'deposit',
            amountUnits: i * 100,
            description: `credit ${i}`,
          },
          T0 + i * MINUTE,
        );
      }
      const amounts = (page: { items: readonly { amountUnits: number }[] }) =>
        page.items.map((e) => e.amountUnits);
      const first = await port.ledger('cus_a', { limit: 2 });
      expect(amounts(first)).toEqual([500, 400]);
      expect(first.nextCursor).not.toBeNull();
      const second = await port.ledger('cus_a', { limit: 2, cursor: first.nextCursor! });
      expect(amounts(second)).toEqual([300, 200]);
      const last = await port.ledger('cus_a', { limit: 2, cursor: second.nextCursor! });
      expect(amounts(last)).toEqual([100]);
      expect(last.nextCursor).toBeNull();
      expect(amounts(await port.ledger('cus_a', { limit: 2, cursor: 'junk!' }))).toEqual([
        500, 400,
      ]);
      expect(amounts(await port.ledger('cus_a', { limit: 10, sandbox: true }))).toEqual([300]);
      expect(amounts(await port.ledger('cus_a', { limit: 10, sandbox: false }))).toEqual([
        500, 400, 200, 100,
      ]);
      expect(amounts(await port.ledger('cus_a', { limit: 10, type: 'admin_credit' }))).toEqual([
        400, 200,
      ]);
      expect(
        amounts(
          await port.ledger('cus_a', { limit: 10, from: T0 + 2 * MINUTE, to: T0 + 4 * MINUTE }),
        ),
      ).toEqual([300, 200]);
      expect(await port.ledger('cus_nobody', { limit: 10 })).toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it('profiles a customer: balance, spent (purchases minus refunds), orders, active keys', async () => {
      await customer('cus_a');
      await port.insertKey(newKey('key_1', 'cus_a'));
      await port.insertKey(newKey('key_2', 'cus_a'));
      await port.revokeKey('cus_a', 'key_2', T0);
      await port.credit(
        {
          customerId: 'cus_a',
          sandbox: false,
          type: 'deposit',
          amountUnits: 20_000,
          description: 'd',
        },
        T0,
      );
      await moveMoney(db.current(), {
        customerId: 'cus_a',
        sandbox: false,
        type: 'purchase',
        amountUnits: -5000,
        orderId: 'ord_1',
        description: 'number',
        now: T0,
      });
      await moveMoney(db.current(), {
        customerId: 'cus_a',
        sandbox: false,
        type: 'refund',
        amountUnits: 2000,
        orderId: 'ord_1',
        description: 'refund',
        now: T0,
      });
      await addSim(db, { iccid: iccid(1) });
      await addOrder(db, {
        customerId: 'cus_a',
        apiKeyId: 'key_1',
        id: 'ord_1',
        sim: iccid(1),
        service: 'tg',
        status: 'cancelled',
        at: T0,
      });
      expect(await port.profile('cus_a', false)).toEqual({
        customer: { id: 'cus_a', email: 'cus_a@example.com', createdAt: T0, bannedUntil: null },
        balanceUnits: 17_000,
        totalSpentUnits: 3000,
        totalOrders: 1,
        activeApiKeys: 1,
      });
      expect(await port.profile('cus_a', true)).toMatchObject({
        balanceUnits: 0,
        totalSpentUnits: 0,
        totalOrders: 0,
        activeApiKeys: 1,
      });
      expect(await port.profile('cus_nobody', false)).toBeUndefined();
    });

    it('refuses a debit the balance cannot cover as insufficient_balance, writing nothing', async () => {
      await customer('cus_a');
      await port.credit(
        {
          customerId: 'cus_a',
          sandbox: false,
          type: 'deposit',
          amountUnits: 1000,
          description: 'd',
        },
        T0,
      );
      const debit = (customerId: string, amountUnits: number) =>
        moveMoney(db.current(), {
          customerId,
          sandbox: false,
          type: 'purchase',
          amountUnits,
          orderId: 'ord_x',
          description: 'number',
          now: T0 + 1,
        });
      expect(await debit('cus_a', -400)).toMatchObject({
        balanceBeforeUnits: 1000,
        balanceAfterUnits: 600,
      });
      await expect(debit('cus_a', -700)).rejects.toSatisfy(
        (e) =>
          isSimpoolError(e, 'insufficient_balance') &&
          JSON.stringify(e.details) === JSON.stringify({ required: 0.07, current: 0.06 }),
      );
      await customer('cus_b');
      await expect(debit('cus_b', -1)).rejects.toSatisfy((e) =>
        isSimpoolError(e, 'insufficient_balance'),
      );
      // A free purchase by a customer never credited is a movement of 0 from 0.
      expect(await debit('cus_b', 0)).toMatchObject({
        balanceBeforeUnits: 0,
        balanceAfterUnits: 0,
      });
      expect(await port.balance('cus_a', false)).toBe(600);
      expect(await db.rows('SELECT customer_id, amount FROM ledger ORDER BY id')).toEqual([
        { customer_id: 'cus_a', amount: 1000 },
        { customer_id: 'cus_a', amount: -400 },
        { customer_id: 'cus_b', amount: 0 },
      ]);
      expect(await db.rows("SELECT type FROM events WHERE type = 'balance.changed'")).toHaveLength(
        3,
      );
    });

    it('cannot make a balance negative or rewrite the ledger, even with raw SQL', async () => {
      const created = await customers.createCustomer('alice@example.com');
      await customers.credit(created.id, 1_000);
      await expect(attempt('UPDATE balances SET balance = -1')).rejects.toThrow(
        /check constraint/i,
      );
      await expect(attempt('UPDATE ledger SET amount = 5')).rejects.toThrow(/append-only/);
      await expect(attempt('DELETE FROM ledger')).rejects.toThrow(/append-only/);
      await expect(
        attempt(
          `INSERT INTO ledger (customer_id, sandbox, type, amount, balance_before, balance_after,
             description, created_at) VALUES (?, 0, 'purchase', -5, 1000, 900, 'x', 0)`,
          [created.id],
        ),
      ).rejects.toThrow(/check constraint/i);
      expect(await customers.balance(created.id)).toBe(1_000);
    });
  });
}

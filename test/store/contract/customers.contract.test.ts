/**
 * CustomerPort on both engines: customers, API keys and authentication, credits, balances, the
 * ledger and its pages, the profile, the sandbox grant; and the ledger writer's refusal of a
 * debit the balance cannot cover (what the order transactions rely on).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CustomerService,
  SANDBOX_GRANT_DESCRIPTION,
  hashApiKey,
  type CustomerPort,
  type NewApiKey,
} from '../../../src/domain/index.js';
import { ManualClock, isSimpoolError } from '../../../src/shared/index.js';
import { accountPorts, addOrder, addSim, iccid, moveMoney } from './account-ports.js';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MINUTE = 60_000;

function newKey(id: string, customerId: string, overrides: Partial<NewApiKey> = {}): NewApiKey {
  return {
    id,
    customerId,
    prefix: `sp_live_${id.slice(-4)}`,
    hash: `hash-${id}`,
    scopes: ['orders'],
    sandbox: false,
    maxOpenOrders: null,
    label: null,
    createdAt: T0,
    ...overrides,
  };
}

for (const engine of ENGINES) {
  describe(`CustomerPort on ${engine}`, () => {
    let db: EngineDatabase;
    let port: CustomerPort;
    let clock: ManualClock;
    let customers: CustomerService;

    beforeEach(async () => {
      db = await openEngineDatabase(engine, 'customers');
      port = accountPorts(db.current()).customers;
      clock = new ManualClock(T0);
      customers = new CustomerService(port, clock);
    });
    afterEach(() => db.close());

    /** Throws raised synchronously (SQLite) become rejections, as PostgreSQL's are. */
    const attempt = async (sql: string, params?: readonly unknown[]) => db.exec(sql, params);

    async function customer(id: string, email = `${id}@example.com`): Promise<void> {
      const created = await port.createCustomer({ id, email, createdAt: T0, bannedUntil: null });
      if (!created) throw new Error(`${email} exists`);
    }

    describe('customers', () => {
      it('creates a customer once per e-mail and finds it by id or e-mail', async () => {
        const alice = { id: 'cus_a', email: 'alice@example.com', createdAt: T0, bannedUntil: null };
        expect(await port.createCustomer(alice)).toEqual(alice);
        expect(await port.createCustomer({ ...alice, id: 'cus_b' })).toBeNull();
        expect(await port.getCustomer('cus_a')).toEqual(alice);
        expect(await port.getCustomer('cus_b')).toBeUndefined();
        expect(await port.findCustomerByEmail(' Alice@Example.com ')).toEqual(alice);
        expect(await port.findCustomerByEmail('bob@example.com')).toBeUndefined();
      });

      it('sets and lifts a ban, and says whether the customer exists', async () => {
        await customer('cus_a');
        expect(await port.setBannedUntil('cus_a', T0 + MINUTE)).toBe(true);
        expect((await port.getCustomer('cus_a'))?.bannedUntil).toBe(T0 + MINUTE);
        expect(await port.setBannedUntil('cus_a', null)).toBe(true);
        expect((await port.getCustomer('cus_a'))?.bannedUntil).toBeNull();
        expect(await port.setBannedUntil('cus_nobody', null)).toBe(false);
      });

      it('refuses a second customer with the same e-mail', async () => {
        await customers.createCustomer('alice@example.com');
        await expect(customers.createCustomer('ALICE@example.com')).rejects.toSatisfy((e) =>
          isSimpoolError(e, 'validation_failed'),
        );
      });
    });

    describe('API keys', () => {
      it('stores a key, lists the customer’s keys in creation order and revokes one once', async () => {
        await customer('cus_a');
        await customer('cus_b');
        const second = await port.insertKey(
          newKey('key_2', 'cus_a', {
            scopes: ['orders', 'messages'],
            maxOpenOrders: 5,
            label: 'shop',
            createdAt: T0 + 1,
          }),
        );
        expect(second).toEqual({
          id: 'key_2',
          customerId: 'cus_a',
          prefix: 'sp_live_ey_2',
          scopes: ['orders', 'messages'],
          sandbox: false,
          maxOpenOrders: 5,
          label: 'shop',
          createdAt: T0 + 1,
          lastUsedAt: null,
          revokedAt: null,
        });
        await port.insertKey(newKey('key_1', 'cus_a'));
        await port.insertKey(newKey('key_0', 'cus_a', { createdAt: T0 + 1 }));
        await port.insertKey(newKey('key_b', 'cus_b'));
        expect((await port.listKeys('cus_a')).map((k) => k.id)).toEqual([
          'key_1',
          'key_0',
          'key_2',
        ]);
        expect(await port.listKeys('cus_nobody')).toEqual([]);

        expect(await port.revokeKey('cus_b', 'key_1', T0 + 5)).toBe(false); // not theirs
        expect(await port.revokeKey('cus_a', 'key_1', T0 + 5)).toBe(true);
        expect(await port.revokeKey('cus_a', 'key_1', T0 + 6)).toBe(false);
        expect((await port.listKeys('cus_a'))[0]).toMatchObject({ id: 'key_1', revokedAt: T0 + 5 });
      });

      it('shows a new key once and stores only its SHA-256', async () => {
        const created = await customers.createCustomer('Alice@Example.com');
        expect(created.email).toBe('alice@example.com');
        const { key, plainKey } = await customers.createKey(created.id, {
          scopes: ['orders', 'messages'],
        });
        expect(plainKey).toMatch(/^sp_live_[0-9A-Za-z]{32}$/);
        expect(key).toMatchObject({
          prefix: plainKey.slice(0, 12),
          sandbox: false,
          scopes: ['orders', 'messages'],
        });
        expect(JSON.stringify(key)).not.toContain(plainKey);
        const stored = await db.rows('SELECT * FROM api_keys');
        expect(JSON.stringify(stored)).not.toContain(plainKey.slice(12));
        expect(stored).toEqual([expect.objectContaining({ key_hash: hashApiKey(plainKey) })]);
        const sandbox = await customers.createKey(created.id, { sandbox: true });
        expect(sandbox.plainKey).toMatch(/^sp_test_/);
        expect(sandbox.plainKey).not.toBe(plainKey);
      });

      it('authenticates by hash: the customer, the key and whether a ban is on', async () => {
        await customer('cus_a');
        await port.insertKey(newKey('key_1', 'cus_a'));
        const found = await port.authenticate('hash-key_1', T0);
        expect(found).toEqual({
          customer: { id: 'cus_a', email: 'cus_a@example.com', createdAt: T0, bannedUntil: null },
          key: expect.objectContaining({ id: 'key_1', lastUsedAt: T0 }) as unknown,
          bannedUntil: null,
        });
        expect(await port.authenticate('hash-unknown', T0)).toBeNull();
        await port.setBannedUntil('cus_a', T0 + MINUTE);
        expect((await port.authenticate('hash-key_1', T0))?.bannedUntil).toBe(T0 + MINUTE);
        expect((await port.authenticate('hash-key_1', T0 + MINUTE))?.bannedUntil).toBeNull();
        await port.revokeKey('cus_a', 'key_1', T0);
        expect(await port.authenticate('hash-key_1', T0)).toBeNull();
      });

      it('touches last_used_at at most once a minute, and never backwards', async () => {
        await customer('cus_a');
        await port.insertKey(newKey('key_1', 'cus_a'));
        const lastUsed = async () =>
          (await db.rows<{ last_used_at: number }>('SELECT last_used_at FROM api_keys'))[0]
            ?.last_used_at;
        expect((await port.authenticate('hash-key_1', T0))?.key.lastUsedAt).toBe(T0);
        expect((await port.authenticate('hash-key_1', T0 + 59_999))?.key.lastUsedAt).toBe(T0);
        expect(await lastUsed()).toBe(T0);
        expect((await port.authenticate('hash-key_1', T0 + MINUTE))?.key.lastUsedAt).toBe(
          T0 + MINUTE,
        );
        expect(await lastUsed()).toBe(T0 + MINUTE);
        // A request whose clock lags behind (another host) leaves the newer time alone.
        expect((await port.authenticate('hash-key_1', T0 + 30_000))?.key.lastUsedAt).toBe(
          T0 + MINUTE,
        );
        expect(await lastUsed()).toBe(T0 + MINUTE);
      });

      it('authenticates a key until it is revoked, touching last_used_at at most once a minute', async () => {
        const created = await customers.createCustomer('alice@example.com');
        const { key, plainKey } = await customers.createKey(created.id);
        expect((await customers.authenticate(plainKey))?.key.lastUsedAt).toBe(T0);
        await clock.advance(30_000);
        expect((await customers.authenticate(plainKey))?.key.lastUsedAt).toBe(T0);
        await clock.advance(30_000);
        expect((await customers.authenticate(plainKey))?.key.lastUsedAt).toBe(T0 + MINUTE);
        expect(await customers.authenticate(plainKey.slice(0, -1) + 'x')).toBeNull();
        expect(await customers.authenticate('nonsense')).toBeNull();
        await customers.revokeKey(created.id, key.id);
        expect(await customers.authenticate(plainKey)).toBeNull();
      });

      it('reuses an authentication for authCacheMs; its own revocations apply at once, others within the time', async () => {
        const cached = new CustomerService(port, clock, { authCacheMs: 1000 });
        const elsewhere = new CustomerService(port, clock); // e.g. the CLI, or another host
        const created = await cached.createCustomer('alice@example.com');
        const first = await cached.createKey(created.id);
        const second = await cached.createKey(created.id);
        expect(await cached.authenticate(first.plainKey)).not.toBeNull();
        await elsewhere.revokeKey(created.id, first.key.id);
        expect(await cached.authenticate(first.plainKey)).not.toBeNull(); // within the reuse time
        await clock.advance(1000);
        expect(await cached.authenticate(first.plainKey)).toBeNull();

        expect(await cached.authenticate(second.plainKey)).not.toBeNull();
        await cached.revokeKey(created.id, second.key.id);
        expect(await cached.authenticate(second.plainKey)).toBeNull(); // its own: at once
      });

      it('reports a banned customer distinctly', async () => {
        const created = await customers.createCustomer('alice@example.com');
        const { plainKey } = await customers.createKey(created.id);
        await customers.ban(created.id, T0 + 60 * MINUTE);
        expect((await customers.authenticate(plainKey))?.bannedUntil).toBe(T0 + 60 * MINUTE);
        await clock.advance(60 * MINUTE);
        expect((await customers.authenticate(plainKey))?.bannedUntil).toBeNull();
      });
    });

    describe('sandbox play money', () => {
      it("credits the first sandbox key's balance once, as an admin_credit, never the live one", async () => {
        const created = await customers.createCustomer('dev@example.com');
        await customers.createKey(created.id); // live: no grant
        expect(await customers.balance(created.id, true)).toBe(0);
        const first = await customers.createKey(created.id, { sandbox: true });
        expect(await customers.balance(created.id, true)).toBe(1_000_000);
        await customers.createKey(created.id, { sandbox: true });
        await customers.revokeKey(created.id, first.key.id);
        await customers.createKey(created.id, { sandbox: true });
        expect(await customers.balance(created.id, true)).toBe(1_000_000);
        expect(await customers.balance(created.id, false)).toBe(0);
        const ledger = await customers.ledger(created.id, {});
        expect(ledger.items).toEqual([
          expect.objectContaining({
            sandbox: true,
            type: 'admin_credit',
            amountUnits: 1_000_000,
            balanceBeforeUnits: 0,
            balanceAfterUnits: 1_000_000,
            description: SANDBOX_GRANT_DESCRIPTION,
          }),
        ]);
      });

      it('credits the configured amount, or nothing when it is 0', async () => {
        const rich = new CustomerService(port, clock, { sandboxStartingBalanceUnits: 250_000 });
        const a = await rich.createCustomer('a@example.com');
        await rich.createKey(a.id, { sandbox: true });
        expect(await rich.balance(a.id, true)).toBe(250_000);
        const none = new CustomerService(port, clock, { sandboxStartingBalanceUnits: 0 });
        const b = await none.createCustomer('b@example.com');
        await none.createKey(b.id, { sandbox: true });
        expect(await none.balance(b.id, true)).toBe(0);
        expect(await db.rows('SELECT customer_id FROM ledger')).toEqual([{ customer_id: a.id }]);
      });
    });

    describe('money', () => {
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
        expect(
          await db.rows("SELECT type FROM events WHERE type = 'balance.changed'"),
        ).toHaveLength(3);
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
  });
}

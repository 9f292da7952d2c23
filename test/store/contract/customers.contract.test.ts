/**
 * CustomerPort on both engines: customers, API keys and authentication, the sandbox grant (money:
 * customers-money.contract.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CustomerService,
  SANDBOX_GRANT_DESCRIPTION,
  hashApiKey,
  type CustomerPort,
} from '../../../src/domain/index.js';
import { ManualClock, isSimpoolError } from '../../../src/shared/index.js';
import { MINUTE, T0, accountPorts, newKey } from './account-ports.js';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';

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
  });
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CustomerService, hashApiKey } from '../../../src/domain/index.js';
import { isSimpoolError } from '../../../src/shared/index.js';
import { MINUTE, OrderFixture, T0 } from './order-fixture.js';

describe('customers, keys and the ledger', () => {
  let fx: OrderFixture;
  beforeEach(() => {
    fx = new OrderFixture();
  });
  afterEach(() => fx.close());

  it('shows a new key once and stores only its SHA-256', async () => {
    const customer = await fx.customers.createCustomer('Alice@Example.com');
    expect(customer.email).toBe('alice@example.com');
    const { key, plainKey } = await fx.customers.createKey(customer.id, {
      scopes: ['orders', 'messages'],
    });
    expect(plainKey).toMatch(/^sp_live_[0-9A-Za-z]{32}$/);
    expect(key).toMatchObject({
      prefix: plainKey.slice(0, 12),
      sandbox: false,
      scopes: ['orders', 'messages'],
    });
    expect(JSON.stringify(key)).not.toContain(plainKey);
    const stored = fx.store.db.prepare('SELECT * FROM api_keys').all();
    expect(JSON.stringify(stored)).not.toContain(plainKey.slice(12));
    expect(stored).toEqual([expect.objectContaining({ key_hash: hashApiKey(plainKey) })]);
    const sandbox = await fx.customers.createKey(customer.id, { sandbox: true });
    expect(sandbox.plainKey).toMatch(/^sp_test_/);
    expect(sandbox.plainKey).not.toBe(plainKey);
  });

  it('reuses an authentication for authCacheMs; its own revocations apply at once, others within the time', async () => {
    const cached = new CustomerService(fx.store.customers, fx.clock, { authCacheMs: 1000 });
    const elsewhere = new CustomerService(fx.store.customers, fx.clock); // e.g. the CLI
    const customer = await cached.createCustomer('alice@example.com');
    const first = await cached.createKey(customer.id);
    const second = await cached.createKey(customer.id);
    expect(await cached.authenticate(first.plainKey)).not.toBeNull();
    await elsewhere.revokeKey(customer.id, first.key.id);
    expect(await cached.authenticate(first.plainKey)).not.toBeNull(); // within the reuse time
    await fx.clock.advance(1000);
    expect(await cached.authenticate(first.plainKey)).toBeNull();

    expect(await cached.authenticate(second.plainKey)).not.toBeNull();
    await cached.revokeKey(customer.id, second.key.id);
    expect(await cached.authenticate(second.plainKey)).toBeNull(); // its own: at once
  });

  it('authenticates a key until it is revoked, touching last_used_at at most once a minute', async () => {
    const customer = await fx.customers.createCustomer('alice@example.com');
    const { key, plainKey } = await fx.customers.createKey(customer.id);
    expect((await fx.customers.authenticate(plainKey))?.key.lastUsedAt).toBe(T0);
    await fx.clock.advance(30_000);
    expect((await fx.customers.authenticate(plainKey))?.key.lastUsedAt).toBe(T0);
    await fx.clock.advance(30_000);
    expect((await fx.customers.authenticate(plainKey))?.key.lastUsedAt).toBe(T0 + MINUTE);
    expect(await fx.customers.authenticate(plainKey.slice(0, -1) + 'x')).toBeNull();
    expect(await fx.customers.authenticate('nonsense')).toBeNull();
    await fx.customers.revokeKey(customer.id, key.id);
    expect(await fx.customers.authenticate(plainKey)).toBeNull();
  });

  it('reports a banned customer distinctly', async () => {
    const customer = await fx.customers.createCustomer('alice@example.com');
    const { plainKey } = await fx.customers.createKey(customer.id);
    await fx.customers.ban(customer.id, T0 + 60 * MINUTE);
    expect((await fx.customers.authenticate(plainKey))?.bannedUntil).toBe(T0 + 60 * MINUTE);
    await fx.clock.advance(60 * MINUTE);
    expect((await fx.customers.authenticate(plainKey))?.bannedUntil).toBeNull();
  });

  it('refuses a second customer with the same e-mail', async () => {
    await fx.customers.createCustomer('alice@example.com');
    await expect(fx.customers.createCustomer('ALICE@example.com')).rejects.toSatisfy((e) =>
      isSimpoolError(e, 'validation_failed'),
    );
  });

  it('keeps separate live and sandbox balances, each with before/after rows', async () => {
    const customer = await fx.customers.createCustomer('alice@example.com');
    await fx.customers.credit(customer.id, 10_000);
    await fx.customers.credit(customer.id, 2_500, {
      type: 'admin_credit',
      description: 'Goodwill',
    });
    await fx.customers.credit(customer.id, 7_000, { sandbox: true });
    expect(await fx.customers.balance(customer.id)).toBe(12_500);
    expect(await fx.customers.balance(customer.id, true)).toBe(7_000);
    const live = await fx.customers.ledger(customer.id, { sandbox: false });
    expect(live.items.map((e) => [e.type, e.balanceBeforeUnits, e.balanceAfterUnits])).toEqual([
      ['admin_credit', 10_000, 12_500],
      ['deposit', 0, 10_000],
    ]);
    const credits = await fx.customers.ledger(customer.id, { type: 'admin_credit' });
    expect(credits.items).toHaveLength(1);
    const profile = await fx.customers.profile(customer.id);
    expect(profile).toMatchObject({
      balanceUnits: 12_500,
      totalSpentUnits: 0,
      totalOrders: 0,
      activeApiKeys: 0,
    });
  });

  it('cannot make a balance negative or rewrite the ledger, even with raw SQL', async () => {
    const customer = await fx.customers.createCustomer('alice@example.com');
    await fx.customers.credit(customer.id, 1_000);
    const db = fx.store.db;
    expect(() => db.prepare('UPDATE balances SET balance = -1').run()).toThrow(/CHECK constraint/);
    expect(() => db.prepare('UPDATE ledger SET amount = 5').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM ledger').run()).toThrow(/append-only/);
    expect(() =>
      db
        .prepare(
          `INSERT INTO ledger (customer_id, sandbox, type, amount, balance_before, balance_after,
             description, created_at) VALUES (?, 0, 'purchase', -5, 1000, 900, 'x', 0)`,
        )
        .run(customer.id),
    ).toThrow(/CHECK constraint/);
    expect(await fx.customers.balance(customer.id)).toBe(1_000);
  });
});

describe('the catalog', () => {
  let fx: OrderFixture;
  beforeEach(() => {
    fx = new OrderFixture();
  });
  afterEach(() => fx.close());

  it('is seeded once with the default price and keeps operator edits on the next start', async () => {
    await fx.catalog.seed();
    const services = await fx.catalog.listServices();
    expect(services.find((s) => s.code === 'tg')).toMatchObject({
      name: 'Telegram',
      holdSeconds: 120,
      lifetimeSeconds: 1200,
    });
    const countries = await fx.catalog.listCountries();
    expect((await fx.catalog.resolveCountry('US')).activateId).toBe(187);
    expect((await fx.catalog.resolveCountry('12')).virtual).toBe(true);
    const prices = await fx.catalog.prices({ service: 'tg' });
    expect(prices).toHaveLength(countries.filter((c) => !c.virtual).length);
    expect(prices.every((p) => p.priceUnits === 5000)).toBe(true);

    await fx.catalog.setPrice('tg', 'GB', '0.75');
    await fx.catalog.updateService('tg', { holdSeconds: 60, codePattern: 'code: (?<code>\\d{5})' });
    fx.reopen();
    const second = await fx.catalog.seed();
    expect(second).toEqual({ servicesAdded: 0, countriesAdded: 0, pricesAdded: 0 });
    expect(await fx.catalog.prices({ service: 'tg', country: '16' })).toEqual([
      { service: 'tg', country: 'GB', priceUnits: 7500, available: 0 },
    ]);
    expect((await fx.catalog.getService('tg')).holdSeconds).toBe(60);
  });

  it('refuses an invalid pattern or hold, and an unknown service', async () => {
    await fx.catalog.seed();
    await expect(fx.catalog.updateService('tg', { codePattern: '(' })).rejects.toSatisfy((e) =>
      isSimpoolError(e, 'validation_failed'),
    );
    await expect(fx.catalog.updateService('tg', { holdSeconds: -1 })).rejects.toSatisfy((e) =>
      isSimpoolError(e, 'validation_failed'),
    );
    await expect(fx.catalog.getService('zz9')).rejects.toSatisfy((e) =>
      isSimpoolError(e, 'unknown_service'),
    );
  });
});

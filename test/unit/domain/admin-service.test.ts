import { afterEach, describe, expect, it } from 'vitest';
import { AdminService, OperatorAccount, type ModemControlPort } from '../../../src/domain/index.js';
import { SimpoolError, isSimpoolError } from '../../../src/shared/index.js';
import { OrderFixture, iccid } from './order-fixture.js';

/**
 * AdminService and the operator account over a real SQLite store (the order fixture). The
 * modems are the daemon's; here a port with none (the admin API's modem side is tested
 * end to end in test/integration/admin-*.test.ts).
 */
const noModems: ModemControlPort = {
  list: () => [],
  get: () => undefined,
  events: () => [],
  recentErrors: () => [],
  reset: () => Promise.reject(new SimpoolError('not_found', 'no modem')),
  ussd: () => Promise.reject(new SimpoolError('not_found', 'no modem')),
  sendTestSms: () => Promise.reject(new SimpoolError('not_found', 'no modem')),
  subscribe: () => () => undefined,
};

let fixture: OrderFixture;
afterEach(() => fixture.close());

async function setup() {
  fixture = new OrderFixture();
  await fixture.seed();
  const admin = new AdminService({
    ports: fixture.store.admin,
    modems: noModems,
    customers: fixture.customers,
    catalog: fixture.catalog,
    clock: fixture.clock,
  });
  const operator = new OperatorAccount(
    fixture.store.admin.accounts,
    fixture.customers,
    fixture.clock,
  );
  return { admin, operator };
}

const codeOf = (error: unknown) => (isSimpoolError(error) ? error.code : String(error));

describe('the operator account', () => {
  it('is one row, created once, never listed among customers', async () => {
    const { admin, operator } = await setup();
    const first = await operator.ensure();
    const again = await new OperatorAccount(
      fixture.store.admin.accounts,
      fixture.customers,
      fixture.clock,
    ).ensure();
    expect(again.id).toBe(first.id);
    expect(await fixture.count("customers WHERE kind = 'operator'")).toBe(1);
    await fixture.customer('alice@example.com');
    const listed = await admin.customers({});
    expect(listed.items.map((c) => c.customer.email)).toEqual(['alice@example.com']);
  });

  it('issues admin credentials, tells them from other keys, and revokes the previous one', async () => {
    const { operator } = await setup();
    const first = await operator.issueCredential();
    expect([...first.key.scopes].sort()).toEqual(['admin', 'messages', 'orders']);
    expect(await operator.isCredential(first.plainKey)).toBe(true);
    const alice = await fixture.customer('alice@example.com');
    expect(await operator.isCredential(alice.plainKey)).toBe(false);
    const messagesKey = await operator.createKey(['messages']);
    expect(await operator.isCredential(messagesKey.plainKey)).toBe(false);

    const second = await operator.issueCredential(first.plainKey);
    expect(await operator.isCredential(second.plainKey)).toBe(true);
    expect(await operator.isCredential(first.plainKey)).toBe(false);
  });
});

describe('AdminService', () => {
  it('disables a SIM so purchases skip it, and keeps notes and the blacklist', async () => {
    const { admin } = await setup();
    await fixture.addSim({ iccid: iccid(1) });
    await fixture.addSim({ iccid: iccid(2) });
    const alice = await fixture.customer('alice@example.com');
    await admin.updateSim(iccid(1), { enabled: false, notes: 'cracked SIM' });
    await admin.updateSim(iccid(2), { blacklist: ['wa', 'tg'] });
    const error: unknown = await fixture.orders
      .purchase(alice, { service: 'tg', country: 'GB' })
      .catch((e: unknown) => e);
    expect(codeOf(error)).toBe('no_numbers');
    expect(await fixture.catalog.availability('tg', 'GB')).toBe(0);

    const sims = await admin.updateSim(iccid(2), { blacklist: ['wa'] });
    expect(sims).toMatchObject({ enabled: true, blacklist: ['wa'] });
    const order = await fixture.orders.purchase(alice, { service: 'tg', country: 'GB' });
    expect(order.simIccid).toBe(iccid(2));
    const listed = await admin.sims();
    expect(listed.find((s) => s.iccid === iccid(1))).toMatchObject({
      enabled: false,
      notes: 'cracked SIM',
      usage: [],
    });
    expect(listed.find((s) => s.iccid === iccid(2))?.usage).toEqual([{ service: 'tg', orders: 1 }]);
    expect(codeOf(await admin.updateSim(iccid(9), { notes: 'x' }).catch((e: unknown) => e))).toBe(
      'not_found',
    );
    expect(
      codeOf(await admin.updateSim(iccid(1), { blacklist: ['nope'] }).catch((e: unknown) => e)),
    ).toBe('unknown_service');
  });

  it('creates customers with an orders-only key and a deposit, pages the list newest first', async () => {
    const { admin } = await setup();
    const { customer, created } = await admin.createCustomer('one@example.com', 25_000);
    expect(created.key.scopes).toEqual(['orders']);
    expect(await fixture.customers.balance(customer.id)).toBe(25_000);
    expect(await admin.topup(customer.id, 5_000)).toBe(30_000);
    await admin.createCustomer('two@example.com');
    await admin.createCustomer('three@example.com');
    const first = await admin.customers({ limit: 2 });
    expect(first.items.map((c) => c.customer.email)).toEqual([
      'three@example.com',
      'two@example.com',
    ]);
    const rest = await admin.customers({ limit: 2, cursor: first.nextCursor! });
    expect(rest.items.map((c) => [c.customer.email, c.balanceUnits])).toEqual([
      ['one@example.com', 30_000],
    ]);
    expect(rest.nextCursor).toBeNull();
    expect(codeOf(await admin.topup('cus_nope', 1).catch((e: unknown) => e))).toBe(
      'customer_not_found',
    );
  });

  it('answers the overview and an empty chart on a quiet appliance', async () => {
    const { admin } = await setup();
    expect(await admin.overview()).toEqual({
      modems: { ready: 0, degraded: 0, offline: 0 },
      smsInLastMinute: 0,
      smsOutLastMinute: 0,
      openOrders: 0,
      webhookLagSeconds: 0,
      recentErrors: [],
    });
    const hours = await admin.smsPerHour();
    expect(hours).toHaveLength(24);
    expect(codeOf(await admin.resetModem('simulated:0').catch((e: unknown) => e))).toBe(
      'not_found',
    );
    expect(codeOf(await admin.ussd('simulated:0', '*100#').catch((e: unknown) => e))).toBe(
      'not_found',
    );
  });
});

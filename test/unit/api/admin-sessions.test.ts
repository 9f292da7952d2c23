import { afterEach, describe, expect, it } from 'vitest';
import { AdminSessions, sameToken } from '../../../src/api/plugins/admin-auth.js';
import { OrderFixture } from '../domain/order-fixture.js';

let fixture: OrderFixture;
afterEach(() => fixture.close());

const HOUR = 60 * 60_000;

async function setup() {
  fixture = new OrderFixture();
  const sessions = new AdminSessions({ customers: fixture.customers, clock: fixture.clock });
  const operator = await fixture.customers.createCustomer('ops@example.com');
  const adminKey = await fixture.customers.createKey(operator.id, { scopes: ['admin'] });
  const customerKey = await fixture.customers.createKey(operator.id, { scopes: ['orders'] });
  return { sessions, operator, adminKey, customerKey };
}

describe('admin sessions', () => {
  it('open for admin keys only, with distinct cookie and CSRF tokens', async () => {
    const { sessions, adminKey, customerKey } = await setup();
    expect(await sessions.login(customerKey.plainKey)).toBeNull();
    expect(await sessions.login('not a key')).toBeNull();
    const session = await sessions.login(adminKey.plainKey);
    expect(session?.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(session?.csrfToken).not.toBe(session?.token);
    expect((await sessions.resume(session!.token))?.keyId).toBe(adminKey.key.id);
    expect(await sessions.resume('forged')).toBeUndefined();
  });

  it('end after 12 hours without use, but not while used', async () => {
    const { sessions, adminKey } = await setup();
    const session = (await sessions.login(adminKey.plainKey))!;
    await fixture.clock.advance(11 * HOUR);
    expect(await sessions.resume(session.token)).toBeDefined();
    await fixture.clock.advance(11 * HOUR);
    expect(await sessions.resume(session.token)).toBeDefined();
    await fixture.clock.advance(12 * HOUR + 1);
    expect(await sessions.resume(session.token)).toBeUndefined();
    expect(sessions.size).toBe(0);
  });

  it('end within a minute of their key being revoked', async () => {
    const { sessions, operator, adminKey } = await setup();
    const session = (await sessions.login(adminKey.plainKey))!;
    await fixture.customers.revokeKey(operator.id, adminKey.key.id);
    await fixture.clock.advance(61_000);
    expect(await sessions.resume(session.token)).toBeUndefined();
  });

  it('compare CSRF tokens exactly', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abd', 'abc')).toBe(false);
    expect(sameToken('ab', 'abc')).toBe(false);
    expect(sameToken(undefined, 'abc')).toBe(false);
    expect(sameToken(['abc'], 'abc')).toBe(false);
  });
});

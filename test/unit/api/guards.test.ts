import { afterEach, describe, expect, it } from 'vitest';
import type { ApiConfig, ApiDeps } from '../../../src/api/index.js';
import { SECOND } from '../domain/order-fixture.js';
import { apiRig, type ApiRig } from './api-harness.js';
import { PATH as LEGACY } from './legacy-harness.js';

/**
 * The guards every door shares, through buildServer and app.inject on a ManualClock: one request
 * budget per key for REST and the legacy API, and the failed-authentication throttle per client
 * address (REST, legacy). The WebSocket doors and the admin login are proven over real sockets
 * in test/integration (api-security, admin-api).
 */
const rigs: ApiRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});

async function rig(config: Partial<ApiConfig>, extra: Partial<ApiDeps> = {}): Promise<ApiRig> {
  const r = await apiRig({
    config: { rateLimitPerMinute: 60, legacyMode: 'sms-activate', ...config },
    ...extra,
  });
  rigs.push(r);
  return r;
}

const ATTACKER = '203.0.113.7';
const NEIGHBOUR = '198.51.100.20';
const WRONG = `sp_live_${'A'.repeat(32)}`;

const rest = (r: ApiRig, key: string, remoteAddress = ATTACKER) =>
  r.app.inject({ url: '/api/v1/customer/balance', headers: { 'x-api-key': key }, remoteAddress });

const legacyBalance = (r: ApiRig, key: string, remoteAddress = ATTACKER) =>
  r.app.inject({
    url: `${LEGACY}?${new URLSearchParams({ action: 'getBalance', api_key: key }).toString()}`,
    remoteAddress,
  });

describe('one request budget per key, REST and legacy together', () => {
  it('counts legacy requests against the REST budget; over it the legacy answer is ERROR_LIMIT', async () => {
    const r = await rig({ rateLimitPerMinute: 3 });
    const bob = await r.fx.customer('bob@example.com');
    expect((await rest(r, r.key)).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) expect((await legacyBalance(r, r.key)).body).toMatch(/^ACCESS_/);
    const limited = await legacyBalance(r, r.key);
    // HTTP 200 like every legacy answer (clients parse the body), the wait in Retry-After.
    expect(limited.statusCode).toBe(200);
    expect(limited.body).toBe('ERROR_LIMIT');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    const restLimited = await rest(r, r.key);
    expect(restLimited.statusCode).toBe(429);
    expect(restLimited.json()).toMatchObject({ error: 'rate_limited' });
    // Another key has a budget of its own.
    expect((await legacyBalance(r, bob.plainKey)).body).toMatch(/^ACCESS_BALANCE/);
    // The next window gives the whole budget back, on both doors.
    await r.fx.clock.advance(60 * SECOND);
    expect((await legacyBalance(r, r.key)).body).toMatch(/^ACCESS_BALANCE/);
    expect((await rest(r, r.key)).statusCode).toBe(200);
  });

  it('limits the legacy API on its own (it was unlimited while REST answered 429)', async () => {
    const r = await rig({ rateLimitPerMinute: 5 });
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push((await legacyBalance(r, r.key)).body);
    expect(answers.filter((a) => a.startsWith('ACCESS_BALANCE'))).toHaveLength(5);
    expect(answers.slice(5)).toEqual(['ERROR_LIMIT', 'ERROR_LIMIT', 'ERROR_LIMIT']);
  });
});

describe('failed authentications per client address', () => {
  const THROTTLE = { authFailureLimit: 3, authFailureWindowSeconds: 60 };

  it('answers 429 after N wrong keys, refuses even the right key unseen, until the window ends', async () => {
    const r = await rig(THROTTLE);
    for (let i = 0; i < 3; i++) expect((await rest(r, WRONG)).statusCode).toBe(401);
    const refused = await rest(r, WRONG);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ success: false, error: 'rate_limited' });
    expect(Number(refused.headers['retry-after'])).toBe(60);
    // The right key gets no answer about itself while the address is refused …
    expect((await rest(r, r.key)).statusCode).toBe(429);
    // … while another address is not held by this one's failures.
    expect((await rest(r, r.key, NEIGHBOUR)).statusCode).toBe(200);
    expect((await rest(r, WRONG, NEIGHBOUR)).statusCode).toBe(401);
    // Refusals do not extend the block: it ends one window after the failures.
    await r.fx.clock.advance(30 * SECOND);
    expect(Number((await rest(r, r.key)).headers['retry-after'])).toBe(30);
    await r.fx.clock.advance(30 * SECOND);
    expect((await rest(r, r.key)).statusCode).toBe(200);
  });

  it('counts failures of every door against the address: REST and legacy together', async () => {
    const r = await rig(THROTTLE);
    expect((await legacyBalance(r, WRONG)).body).toBe('BAD_KEY');
    expect((await rest(r, WRONG)).statusCode).toBe(401);
    expect((await legacyBalance(r, WRONG)).body).toBe('BAD_KEY');
    const legacyRefused = await legacyBalance(r, r.key);
    expect(legacyRefused.statusCode).toBe(200);
    expect(legacyRefused.body).toBe('ERROR_LIMIT');
    expect(Number(legacyRefused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await rest(r, r.key)).statusCode).toBe(429);
    await r.fx.clock.advance(60 * SECOND);
    expect((await legacyBalance(r, r.key)).body).toBe('ACCESS_BALANCE:10.00');
  });

  it('counts failures within a sliding window: old ones age out one by one', async () => {
    const r = await rig(THROTTLE);
    expect((await rest(r, WRONG)).statusCode).toBe(401); // t = 0
    await r.fx.clock.advance(30 * SECOND);
    expect((await rest(r, WRONG)).statusCode).toBe(401); // t = 30
    await r.fx.clock.advance(20 * SECOND);
    expect((await rest(r, WRONG)).statusCode).toBe(401); // t = 50: refused until t = 60
    expect((await rest(r, r.key)).statusCode).toBe(429);
    await r.fx.clock.advance(10 * SECOND);
    // t = 60: the first failure left the window; one more wrong key fills it again until 90.
    expect((await rest(r, WRONG)).statusCode).toBe(401);
    expect(Number((await rest(r, r.key)).headers['retry-after'])).toBe(30);
  });

  it('counts failures and refusals in /metrics by door', async () => {
    const r = await rig(THROTTLE);
    for (let i = 0; i < 2; i++) await rest(r, WRONG);
    await legacyBalance(r, WRONG);
    await rest(r, r.key);
    await legacyBalance(r, r.key);
    await legacyBalance(r, r.key);
    const metrics = (await r.app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain('simpool_auth_failures_total{door="rest"} 2');
    expect(metrics).toContain('simpool_auth_failures_total{door="legacy"} 1');
    expect(metrics).toContain('simpool_auth_throttled_total{door="rest"} 1');
    expect(metrics).toContain('simpool_auth_throttled_total{door="legacy"} 2');
  });

  it('does not count a missing key (nothing guessed) nor a right one', async () => {
    const r = await rig(THROTTLE);
    for (let i = 0; i < 5; i++) {
      expect(
        (await r.app.inject({ url: '/api/v1/customer/balance', remoteAddress: ATTACKER }))
          .statusCode,
      ).toBe(401);
      expect((await rest(r, r.key)).statusCode).toBe(200);
    }
  });
});

describe('GET /health', () => {
  const modem = {
    address: 'simulated:0',
    state: 'ready',
    imei: '356938035643809',
    iccid: '8944100000000000017',
    signalDbm: -71,
  };
  const health = () => ({ status: 'ok' as const, modems: [modem] });

  it('answers only the status without credentials: no IMEI, no ICCID', async () => {
    const r = await rig({}, { health });
    const res = await r.app.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.body).not.toContain(modem.imei);
    expect(res.body).not.toContain(modem.iccid);
  });

  it('adds the modems for an admin key; a customer key is 403 and a wrong one 401', async () => {
    const r = await rig({}, { health });
    const { plainKey: adminKey } = await r.fx.customers.createKey(r.customerId, {
      scopes: ['admin'],
    });
    const asAdmin = await r.app.inject({ url: '/health', headers: { 'x-api-key': adminKey } });
    expect(asAdmin.json()).toEqual({ status: 'ok', modems: [modem] });
    const bearer = await r.app.inject({
      url: '/health',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(bearer.json()).toEqual({ status: 'ok', modems: [modem] });
    const asCustomer = await r.app.inject({ url: '/health', headers: { 'x-api-key': r.key } });
    expect(asCustomer.statusCode).toBe(403);
    expect(asCustomer.body).not.toContain(modem.imei);
    const wrong = await r.app.inject({ url: '/health', headers: { 'x-api-key': WRONG } });
    expect(wrong.statusCode).toBe(401);
  });

  it('takes the admin page’s session cookie too; an unknown session is 401', async () => {
    const r = await rig({}, { health });
    const unknown = await r.app.inject({
      url: '/health',
      headers: { cookie: 'simpool_admin=not-a-session' },
    });
    expect(unknown.statusCode).toBe(401);
    // Cookies of other applications on the same host are no credential: status only.
    const other = await r.app.inject({ url: '/health', headers: { cookie: 'theme=dark' } });
    expect(other.json()).toEqual({ status: 'ok' });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { OrderService } from '../../../src/domain/index.js';
import { apiRig, type ApiRig } from './api-harness.js';

const rigs: ApiRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});
async function rig(options: Parameters<typeof apiRig>[0] = {}): Promise<ApiRig> {
  const r = await apiRig(options);
  rigs.push(r);
  return r;
}

const BUY = { service: 'tg', country: 'GB' };

describe('request ids', () => {
  it('puts a fresh req_ id on every response, errors and unknown routes included', async () => {
    const r = await rig();
    for (const url of ['/healthz', '/api/v1/customer/balance', '/no/such/route']) {
      const res = await r.app.inject({ url });
      expect(res.headers['x-request-id']).toMatch(/^req_[A-Za-z0-9_-]{16}$/);
    }
    const missing = await r.app.inject({ url: '/no/such/route' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({
      success: false,
      error: 'not_found',
      request_id: missing.headers['x-request-id'],
    });
  });

  it('keeps a sane incoming X-Request-Id and replaces a hostile one', async () => {
    const r = await rig();
    const kept = await r.app.inject({
      url: '/healthz',
      headers: { 'x-request-id': 'lb-1234abcd' },
    });
    expect(kept.headers['x-request-id']).toBe('lb-1234abcd');
    const replaced = await r.app.inject({
      url: '/healthz',
      headers: { 'x-request-id': '<script>alert(1)</script>' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^req_/);
  });
});

describe('authentication', () => {
  it('answers 401 unauthorized without a key or with a wrong one, and accepts Bearer', async () => {
    const r = await rig();
    const none = await r.app.inject({ url: '/api/v1/customer/balance' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ success: false, error: 'unauthorized' });
    const wrong = await r.app.inject({
      url: '/api/v1/customer/balance',
      headers: { 'x-api-key': `sp_live_${'A'.repeat(32)}` },
    });
    expect(wrong.statusCode).toBe(401);
    const bearer = await r.app.inject({
      url: '/api/v1/customer/balance',
      headers: { authorization: `Bearer ${r.key}` },
    });
    expect(bearer.json()).toEqual({ success: true, balance: 10 });
  });

  it('answers 403 forbidden with until for a banned customer and for a key without orders', async () => {
    const r = await rig();
    const until = r.fx.clock.now() + 3_600_000;
    await r.fx.customers.ban(r.customerId, until);
    const banned = await r.app.inject({
      url: '/api/v1/customer/balance',
      headers: { 'x-api-key': r.key },
    });
    expect(banned.statusCode).toBe(403);
    expect(banned.json()).toMatchObject({
      error: 'forbidden',
      until: new Date(until).toISOString(),
    });
    const other = await r.fx.customers.createCustomer('bob@example.com');
    const { plainKey } = await r.fx.customers.createKey(other.id, { scopes: ['messages'] });
    const scoped = await r.app.inject({
      url: '/api/v1/customer/balance',
      headers: { 'x-api-key': plainKey },
    });
    expect(scoped.statusCode).toBe(403);
    expect(scoped.json()).toMatchObject({ error: 'forbidden' });
  });
});

describe('error mapping', () => {
  it('turns schema failures and malformed JSON into 400 validation_failed with details', async () => {
    const r = await rig();
    const headers = { 'x-api-key': r.key, 'content-type': 'application/json' };
    const invalid = await r.app.inject({
      method: 'POST',
      url: '/api/v1/customer/purchase',
      headers,
      payload: JSON.stringify({ service: 'tg', country: 'GBR' }),
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({
      error: 'validation_failed',
      details: [{ field: 'country' }],
    });
    const malformed = await r.app.inject({
      method: 'POST',
      url: '/api/v1/customer/purchase',
      headers,
      payload: '{"service": "tg",',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: 'validation_failed' });
  });

  it('maps domain refusals: unknown country 400, insufficient balance 402 with amounts', async () => {
    const r = await rig();
    const headers = { 'x-api-key': r.key };
    const unknown = await r.app.inject({
      method: 'POST',
      url: '/api/v1/customer/purchase',
      headers,
      payload: { service: 'tg', country: 'ZZ' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({
      error: 'validation_failed',
      details: [{ field: 'country', issue: 'unknown country' }],
    });
    const poor = await r.fx.customer('poor@example.com', 1000);
    const broke = await r.app.inject({
      method: 'POST',
      url: '/api/v1/customer/purchase',
      headers: { 'x-api-key': poor.plainKey },
      payload: BUY,
    });
    expect(broke.statusCode).toBe(402);
    expect(broke.json()).toMatchObject({
      error: 'insufficient_balance',
      required: 0.5,
      current: 0.1,
    });
  });

  it('hides unexpected failures behind 500 internal_error without message or stack', async () => {
    const r = await rig();
    const customers = Object.create(r.fx.customers) as typeof r.fx.customers;
    customers.balance = () => Promise.reject(new Error('disk /var/lib/secret.db corrupt'));
    const broken = await rig({ customers });
    const res = await broken.app.inject({
      url: '/api/v1/customer/balance',
      headers: { 'x-api-key': r.key },
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ success: false, error: 'internal_error' });
    expect(res.body).not.toMatch(/secret|corrupt|at .*\.ts/);
  });
});

describe('rate limit', () => {
  it('counts per key with X-RateLimit headers and answers 429 rate_limited with Retry-After', async () => {
    const r = await rig({ config: { rateLimitPerMinute: 2, legacyMode: 'sms-activate' } });
    const other = await r.fx.customer('bob@example.com');
    const call = (key: string) =>
      r.app.inject({ url: '/api/v1/customer/balance', headers: { 'x-api-key': key } });
    const first = await call(r.key);
    expect(first.headers).toMatchObject({
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '1',
    });
    expect(Number(first.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    await call(r.key);
    const limited = await call(r.key);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ success: false, error: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['x-request-id']).toMatch(/^req_/);
    expect((await call(other.plainKey)).statusCode).toBe(200);
  });
});

describe('idempotency keys', () => {
  it('replays the stored response of a repeated purchase: one order, one ledger row', async () => {
    const r = await rig();
    const headers = { 'x-api-key': r.key, 'idempotency-key': 'buy-1' };
    const first = await r.app.inject({
      method: 'POST',
      url: '/api/v1/customer/purchase',
      headers,
      payload: BUY,
    });
    const again = await r.app.inject({
      method: 'POST',
      url: '/api/v1/customer/purchase',
      headers: { 'x-api-key': r.key, 'x-idempotency-key': 'buy-1' },
      payload: BUY,
    });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(await r.fx.count('orders')).toBe(1);
    expect(await r.fx.count('ledger')).toBe(2); // the deposit and one purchase
  });

  it('refuses the same key with another body with 422 idempotency_mismatch', async () => {
    const r = await rig();
    const headers = { 'x-api-key': r.key, 'idempotency-key': 'buy-2' };
    await r.app.inject({ method: 'POST', url: '/api/v1/customer/purchase', headers, payload: BUY });
    const other = await r.app.inject({
      method: 'POST',
      url: '/api/v1/customer/purchase',
      headers,
      payload: { service: 'wa', country: 'GB' },
    });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ error: 'idempotency_mismatch' });
    expect(await r.fx.count('orders')).toBe(1);
  });

  it('answers 409 idempotency_conflict while the first request is still running', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const base = await rig();
    const orders = Object.create(base.fx.orders) as OrderService;
    orders.purchase = async (...args) => {
      await gate;
      return base.fx.orders.purchase(...args);
    };
    const r = await rig({
      orders,
      catalog: base.fx.catalog,
      customers: base.fx.customers,
      idempotency: base.fx.store.idempotency,
    });
    const request = () =>
      r.app.inject({
        method: 'POST',
        url: '/api/v1/customer/purchase',
        headers: { 'x-api-key': base.key, 'idempotency-key': 'slow' },
        payload: BUY,
      });
    const slow = request();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const conflict = await request();
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({ error: 'idempotency_conflict' });
    open();
    expect((await slow).statusCode).toBe(201);
    expect((await request()).statusCode).toBe(201);
    expect(await base.fx.count('orders')).toBe(1);
  });

  it('survives a restart: the record is in the database', async () => {
    const r = await rig();
    const headers = { 'x-api-key': r.key, 'idempotency-key': 'restart' };
    const first = await r.app.inject({
      method: 'POST',
      url: '/api/v1/customer/purchase',
      headers,
      payload: BUY,
    });
    await r.fx.reopen();
    const record = await r.fx.store.idempotency.claim(
      {
        scope: `${r.customerId}:live`,
        key: 'restart',
        fingerprint: 'x',
        claimId: 'c',
        holder: null,
      },
      r.fx.clock.now(),
      { expiredBefore: 0, abandonedBefore: 0 },
    );
    expect(record?.response).toEqual({ statusCode: 201, body: first.body });
  });
});

describe('legacy endpoint', () => {
  it('is served by the same server at /stubs/handler_api.php', async () => {
    const r = await rig();
    const res = await r.app.inject({
      url: `/stubs/handler_api.php?api_key=${r.key}&action=getBalance`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^ACCESS_BALANCE:10/);
    expect(res.headers['x-request-id']).toMatch(/^req_/);
  });
});

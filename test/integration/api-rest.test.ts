import { describe, expect, it } from 'vitest';
import { type Daemon } from '../../src/daemon/index.js';
import { type ManualClock } from '../../src/shared/index.js';
import { advanceBy } from '../helpers/advance.js';
import { useAppliance } from '../helpers/appliance.js';
import {
  callApi,
  newCustomer,
  type ApiCallOptions,
  type ApiReply,
} from '../helpers/customer-api.js';

/**
 * The REST customer API on the daemon's own listening server (127.0.0.1, port 0) over the whole
 * appliance: simulated modems, the pool, SQLite and the order engine on one ManualClock. The SMS
 * go the whole way: simulated network → AT → PDU codec → store → matching → GET order.
 */
const appliance = useAppliance();

interface Rig {
  readonly daemon: Daemon;
  readonly clock: ManualClock;
  readonly base: string;
}

async function rig(): Promise<Rig> {
  const { daemon, clock } = await appliance.start({ prefix: 'simpool-rest-' });
  return { daemon, clock, base: daemon.api.url };
}

async function call(r: Rig, method: string, url: string, options: ApiCallOptions = {}) {
  const reply = await callApi(method, `${r.base}${url}`, options);
  expect(reply.headers.get('x-request-id')).toMatch(/^req_/);
  return reply;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('REST customer API over a listening daemon', () => {
  it('sells a number, shows the code of the SMS its SIM received, retries and finishes', async () => {
    const r = await rig();
    const alice = await newCustomer(r.daemon, 'alice@example.com', 10);
    const buy = () =>
      call(r, 'POST', '/api/v1/customer/purchase', {
        key: alice.key,
        body: { service: 'tg', country: 'GB' },
        headers: { 'Idempotency-Key': 'first-tg' },
      });
    const bought = await buy();
    expect(bought.status).toBe(201);
    expect(bought.body).toMatchObject({
      success: true,
      service: 'tg',
      country: 'GB',
      price: 0.5,
      status: 'waiting',
      sms_received: false,
      code: null,
      rules: { cancel_cooldown_seconds: 120, swap_cooldown_seconds: 120 },
      messages: [],
    });
    expect(bought.body.order_id).toMatch(/^ord_/);
    expect(bought.body.activation_id).toMatch(/^\d+$/);
    expect(bought.body.phone_number).toMatch(/^\+44\d+$/);
    for (const field of ['created_at', 'expires_at', 'cancel_available_at', 'swap_available_at']) {
      expect(bought.body[field]).toMatch(ISO);
    }
    // The retried purchase is a replay: the same order, one purchase row in the ledger.
    expect((await buy()).body).toEqual(bought.body);
    const ledger = await call(r, 'GET', '/api/v1/customer/transactions?type=purchase', {
      key: alice.key,
    });
    expect(ledger.body.data).toHaveLength(1);
    expect(ledger.body.data![0]).toMatchObject({
      amount: -0.5,
      type: 'purchase',
      order_id: bought.body.order_id,
      balance_before: 10,
      balance_after: 9.5,
    });
    expect((await call(r, 'GET', '/api/v1/customer/balance', { key: alice.key })).body).toEqual({
      success: true,
      balance: 9.5,
    });

    const orderId = String(bought.body.order_id);
    const order = await r.daemon.rental.orders.get(alice.customerId, orderId);
    const modem = r.daemon.simulator!.bank.modems.find((m) => m.identity.iccid === order.simIccid);
    modem!.injectSms({ from: 'Telegram', text: 'Telegram code: 48213. Do not share it.' });
    let seen: ApiReply | undefined;
    for (let i = 0; i < 300; i++) {
      seen = await call(r, 'GET', `/api/v1/customer/order/${orderId}`, { key: alice.key });
      if (seen.body.code === '48213') break;
      await r.clock.advance(50);
    }
    expect(seen!.body).toMatchObject({ status: 'received', sms_received: true, code: '48213' });
    expect(seen!.body.messages).toEqual([
      {
        id: expect.any(String) as string,
        sender: 'Telegram',
        content: 'Telegram code: 48213. Do not share it.',
        code: '48213',
        received_at: expect.stringMatching(ISO) as string,
      },
    ]);
    const byActivation = await call(
      r,
      'GET',
      `/api/v1/customer/order/${String(bought.body.activation_id)}`,
      { key: alice.key },
    );
    expect(byActivation.body.order_id).toBe(orderId);

    const retried = await call(r, 'POST', `/api/v1/customer/order/${orderId}/retry`, {
      key: alice.key,
    });
    expect(retried.body).toMatchObject({ status: 'retry', order_id: orderId });
    const finished = await call(r, 'POST', `/api/v1/customer/order/${orderId}/finish`, {
      key: alice.key,
    });
    expect(finished.body).toMatchObject({ status: 'finished', code: '48213' });

    const list = await call(r, 'GET', '/api/v1/customer/orders?status=finished&limit=10', {
      key: alice.key,
    });
    expect(list.body).toMatchObject({ success: true, next_cursor: null });
    expect(list.body.data!.map((o) => o.order_id)).toEqual([orderId]);
    const profile = await call(r, 'GET', '/api/v1/customer/profile', { key: alice.key });
    expect(profile.body).toMatchObject({
      success: true,
      id: alice.customerId,
      email: 'alice@example.com',
      balance: 9.5,
      total_spent: 0.5,
      total_orders: 1,
      active_api_keys: 1,
    });
  });

  it('answers 425 with Retry-After inside the hold, then swaps and cancels with a refund', async () => {
    const r = await rig();
    const bob = await newCustomer(r.daemon, 'bob@example.com', 2);
    const bought = await call(r, 'POST', '/api/v1/customer/purchase', {
      key: bob.key,
      body: { service: 'wa', country: 'gb' },
    });
    const id = String(bought.body.order_id);
    const early = await call(r, 'POST', `/api/v1/customer/cancel/${id}`, { key: bob.key });
    expect(early.status).toBe(425);
    expect(early.body).toMatchObject({ error: 'too_early', seconds_remaining: 120 });
    expect(early.headers.get('retry-after')).toBe('120');
    const earlySwap = await call(r, 'POST', `/api/v1/customer/swap/${id}`, { key: bob.key });
    expect(earlySwap.status).toBe(425);

    await advanceBy(r.clock, 121_000, 1000);
    const swapped = await call(r, 'POST', `/api/v1/customer/swap/${id}`, { key: bob.key });
    expect(swapped.status).toBe(200);
    expect(swapped.body).toMatchObject({
      order_id: id,
      previous_number: bought.body.phone_number,
      status: 'waiting',
    });
    expect(swapped.body.phone_number).not.toBe(bought.body.phone_number);
    expect(swapped.body.expires_at).not.toBe(bought.body.expires_at);
    // GB has two SIMs: both are now spent on WhatsApp for this customer.
    await advanceBy(r.clock, 121_000, 1000);
    const noMore = await call(r, 'POST', `/api/v1/customer/swap/${id}`, { key: bob.key });
    expect(noMore.status).toBe(409);
    expect(noMore.body).toMatchObject({ error: 'no_numbers' });

    const cancelled = await call(r, 'POST', `/api/v1/customer/cancel/${id}`, {
      key: bob.key,
      raw: '',
    });
    expect(cancelled.body).toEqual({
      success: true,
      order_id: id,
      status: 'cancelled',
      refund_amount: 0.5,
    });
    expect((await call(r, 'GET', '/api/v1/customer/balance', { key: bob.key })).body.balance).toBe(
      2,
    );
  });

  it('keeps customers apart and refuses bad requests without a 5xx', async () => {
    const r = await rig();
    const alice = await newCustomer(r.daemon, 'a@example.com', 5);
    const mallory = await newCustomer(r.daemon, 'm@example.com', 5);
    const bought = await call(r, 'POST', '/api/v1/customer/purchase', {
      key: alice.key,
      body: { service: 'go', country: 'US' },
    });
    for (const ref of [bought.body.order_id, bought.body.activation_id]) {
      const peek = await call(r, 'GET', `/api/v1/customer/order/${String(ref)}`, {
        key: mallory.key,
      });
      expect(peek.status).toBe(404);
      expect(peek.body).toMatchObject({ success: false, error: 'not_found' });
    }
    const touch = await call(
      r,
      'POST',
      `/api/v1/customer/order/${String(bought.body.order_id)}/finish`,
      {
        key: mallory.key,
      },
    );
    expect(touch.status).toBe(404);

    const wrongKey = await call(r, 'GET', '/api/v1/customer/balance', {
      key: `sp_live_${'x'.repeat(32)}`,
    });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.body).toMatchObject({ error: 'unauthorized' });
    const badJson = await call(r, 'POST', '/api/v1/customer/purchase', {
      key: alice.key,
      raw: '{"service":"tg",',
    });
    expect(badJson.status).toBe(400);
    expect(badJson.body).toMatchObject({
      error: 'validation_failed',
      request_id: expect.any(String) as string,
    });
    const script = await call(r, 'POST', '/api/v1/customer/purchase', {
      key: alice.key,
      body: { service: "tg'; DROP TABLE orders;--", country: '<b>' },
    });
    expect(script.status).toBe(400);
  });

  it('serves the public price, the catalog lists and the operational endpoints', async () => {
    const r = await rig();
    const alice = await newCustomer(r.daemon, 'a@example.com', 1);
    const price = await call(r, 'GET', '/api/v1/price?service=tg&country=GB');
    expect(price.body).toEqual({
      success: true,
      service: 'tg',
      country: 'GB',
      service_name: 'Telegram',
      country_name: 'United Kingdom',
      price: 0.5,
      available: 2,
    });
    const services = await call(r, 'GET', '/api/v1/customer/services', { key: alice.key });
    expect(services.body.services).toContainEqual({
      service_id: 'tg',
      service_name: 'Telegram',
      base_price: 0.5,
    });
    const countries = await call(r, 'GET', '/api/v1/customer/countries?service=tg', {
      key: alice.key,
    });
    expect(countries.body.countries).toContainEqual({
      country_id: 'GB',
      country_name: 'United Kingdom',
      min_price: 0.5,
      available: 2,
    });
    expect((await call(r, 'GET', '/healthz')).body).toEqual({ success: true, status: 'alive' });
    expect((await call(r, 'GET', '/readyz')).body).toEqual({
      success: true,
      ready: true,
      checks: { database: true, modems: true },
    });
    // Without credentials only the status: IMEIs and ICCIDs are the operator's.
    const health = await call(r, 'GET', '/health');
    expect(health.body).toEqual({ status: 'ok' });
    const admin = r.daemon.admin.credential.credential;
    const detailed = await call(r, 'GET', '/health', { key: admin });
    expect(detailed.body.status).toBe('ok');
    const modems = detailed.body.modems as Array<Record<string, unknown>>;
    expect(modems).toHaveLength(5);
    expect(modems[0]).toMatchObject({ imei: expect.stringMatching(/^\d{15}$/) as unknown });
    // A customer key is no admin credential: 403, not the details.
    expect((await call(r, 'GET', '/health', { key: alice.key })).status).toBe(403);
  });
});

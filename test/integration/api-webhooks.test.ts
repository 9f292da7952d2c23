import { Webhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import { type Daemon } from '../../src/daemon/index.js';
import { type ManualClock } from '../../src/shared/index.js';
import { WebhookReceiver, type Received, type Reply } from '../helpers/webhook-receiver.js';
import { useAppliance } from '../helpers/appliance.js';
import {
  buyAndInjectSms,
  callApi,
  newCustomer,
  type ApiCallOptions,
  type ApiReply,
} from '../helpers/customer-api.js';

/**
 * The webhook management routes on the daemon's own listening server (127.0.0.1, port 0) over
 * the whole appliance — simulated modems, SQLite, the order engine and the delivery worker on
 * one ManualClock — with a real receiver on 127.0.0.1. The clock starts at the real time so
 * Standard Webhooks' timestamp tolerance holds; verification pins Date.now to the clock.
 */
const appliance = useAppliance();

interface Rig {
  readonly daemon: Daemon;
  readonly clock: ManualClock;
  readonly base: string;
}

async function rig(allowPrivate = true): Promise<Rig> {
  const { daemon, clock } = await appliance.start({
    prefix: 'simpool-api-webhooks-',
    startMs: Math.floor(Date.now() / 1000) * 1000,
    configure: (config) => ({ ...config, webhooks: { ...config.webhooks, allowPrivate } }),
  });
  return { daemon, clock, base: daemon.api.url };
}

async function receiver(script?: (n: number) => Reply): Promise<WebhookReceiver> {
  const rx = await new WebhookReceiver(script).listen();
  appliance.defer(() => rx.close());
  return rx;
}

type Answer = Pick<ApiReply, 'status' | 'body'>;

/**
 * A customer-API call (`url` below /api/v1/customer) with the customer's key: status and body
 * only, so a replayed answer compares equal to the first (their headers differ).
 */
async function call(
  r: Rig,
  method: string,
  url: string,
  options: ApiCallOptions & { key: string },
): Promise<Answer> {
  const { status, body } = await callApi(method, `${r.base}/api/v1/customer${url}`, options);
  return { status, body };
}

/** Lets simulated time pass (the worker polls on the clock) until `done` holds. */
async function until(r: Rig, done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await done()) return;
    await r.clock.advance(100);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Buys a number and has the network deliver an SMS with a code to its SIM. */
async function buyAndReceive(r: Rig, who: { customerId: string; key: string }, code: string) {
  const text = `Telegram code: ${code}. Do not share it.`;
  const { orderId } = await buyAndInjectSms(r.daemon, who, text);
  await until(
    r,
    async () => (await r.daemon.rental.orders.get(who.customerId, orderId)).lastCode === code,
    'the SMS to match',
  );
  return orderId;
}

function verify(r: Rig, secret: string, request: Received): Record<string, unknown> {
  const spy = vi.spyOn(Date, 'now').mockReturnValue(r.clock.now());
  try {
    return new Webhook(secret).verify(
      request.body,
      request.headers as Record<string, string>,
    ) as Record<string, unknown>;
  } finally {
    spy.mockRestore();
  }
}

/** The real SMS event, not the synthetic test one (which has the endpoint's first type). */
const isSmsEvent = (request: Received): boolean => {
  const event = JSON.parse(request.body) as { type: unknown; data: { test?: unknown } };
  return event.type === 'sms.received' && event.data.test !== true;
};
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('webhook management over a listening daemon', () => {
  it('creates an endpoint (secret once) and delivers a signed sms.received, logged', async () => {
    const r = await rig();
    const alice = await newCustomer(r.daemon, 'alice@example.com', 10);
    const rx = await receiver();
    const created = await call(r, 'POST', '/webhooks', {
      key: alice.key,
      body: { url: rx.url, events: ['sms.received'], description: 'codes', threshold: 2.5 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      success: true,
      url: rx.url,
      events: ['sms.received'],
      description: 'codes',
      threshold: 2.5,
      active: true,
      paused: false,
      failure_count: 0,
    });
    expect(created.body.id).toMatch(/^whe_/);
    expect(created.body.created_at).toMatch(ISO);
    const secret = String(created.body.secret);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const id = String(created.body.id);

    const one = await call(r, 'GET', `/webhooks/${id}`, { key: alice.key });
    expect(one.status).toBe(200);
    expect(one.body).not.toHaveProperty('secret');
    const { secret: _shownOnce, ...withoutSecret } = created.body;
    expect(one.body).toEqual(withoutSecret);
    const list = await call(r, 'GET', '/webhooks', { key: alice.key });
    const { success: _ok, ...item } = one.body;
    expect(list.body).toEqual({ success: true, data: [item], next_cursor: null });
    expect(JSON.stringify(list.body)).not.toContain(secret);

    const orderId = await buyAndReceive(r, alice, '48213');
    await until(r, () => rx.received.length > 0, 'the webhook');
    const [request] = rx.received;
    const event = verify(r, secret, request!);
    expect(event).toMatchObject({
      type: 'sms.received',
      account_id: alice.customerId,
      data: { order_id: orderId, code: '48213', service: 'tg', country: 'GB' },
    });
    expect(event.id).toMatch(/^evt_/);
    expect(() => verify(r, 'whsec_' + Buffer.alloc(32, 1).toString('base64'), request!)).toThrow();

    let log: Answer | undefined;
    await until(
      r,
      async () => {
        log = await call(r, 'GET', `/webhooks/${id}/deliveries`, { key: alice.key });
        return log.body.data?.[0]?.status === 'succeeded';
      },
      'the delivery to be recorded',
    );
    expect(log!.body.data).toEqual([
      {
        id: request!.headers['x-simpool-delivery'],
        event_id: event.id,
        event_type: 'sms.received',
        attempt: 1,
        status: 'succeeded',
        response_status: 200,
        response_body: 'ok',
        scheduled_for: null,
        delivered_at: expect.stringMatching(ISO) as string,
        error_message: null,
        created_at: expect.stringMatching(ISO) as string,
      },
    ]);
    expect(log!.body.next_cursor).toBeNull();
  });

  it('holds deliveries while paused, sends them on un-pause and resets the failure count', async () => {
    const r = await rig();
    const alice = await newCustomer(r.daemon, 'alice@example.com', 10);
    // The first request (the test event) fails once: the endpoint then has one failure.
    const rx = await receiver((n) => (n === 0 ? { status: 500 } : { status: 200 }));
    const created = await call(r, 'POST', '/webhooks', {
      key: alice.key,
      body: { url: rx.url, events: ['sms.received'] },
    });
    const id = String(created.body.id);
    expect((await call(r, 'POST', `/webhooks/${id}/test`, { key: alice.key })).status).toBe(202);
    await until(
      r,
      async () =>
        (await call(r, 'GET', `/webhooks/${id}`, { key: alice.key })).body.failure_count === 1,
      'the failed test delivery',
    );

    const paused = await call(r, 'PATCH', `/webhooks/${id}`, {
      key: alice.key,
      body: { paused: true },
    });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, active: true, failure_count: 1 });
    await buyAndReceive(r, alice, '55100');
    for (let i = 0; i < 30; i++) await r.clock.advance(100); // three worker polls
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(rx.received).toHaveLength(1);
    const queued = await call(r, 'GET', `/webhooks/${id}/deliveries`, { key: alice.key });
    // Newest first: the SMS event waits; the failed test event waits for its 1-min retry.
    expect(queued.body.data!.map((d) => [d.status, d.attempt])).toEqual([
      ['pending', 0],
      ['pending', 1],
    ]);

    const resumed = await call(r, 'PATCH', `/webhooks/${id}`, {
      key: alice.key,
      body: { paused: false },
    });
    expect(resumed.body).toMatchObject({ paused: false, failure_count: 0 });
    await until(r, () => rx.received.some(isSmsEvent), 'the SMS event');
    const sms = rx.received.find(isSmsEvent)!;
    expect(verify(r, String(created.body.secret), sms)).toMatchObject({
      data: { code: '55100' },
    });
  });

  it('sends a test event on POST test, idempotently, and forgets a deleted endpoint', async () => {
    const r = await rig();
    const alice = await newCustomer(r.daemon, 'alice@example.com', 0);
    const rx = await receiver();
    const created = await call(r, 'POST', '/webhooks', {
      key: alice.key,
      body: { url: rx.url, events: ['order.cancelled', 'sms.received'] },
    });
    const id = String(created.body.id);
    const test = () =>
      call(r, 'POST', `/webhooks/${id}/test`, {
        key: alice.key,
        headers: { 'Idempotency-Key': 'test-once' },
      });
    const sent = await test();
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({
      success: true,
      event_type: 'order.cancelled',
      status: 'pending',
      attempt: 0,
    });
    expect(await test()).toEqual(sent); // a replay, not a second event
    await until(r, () => rx.received.length > 0, 'the test event');
    const event = verify(r, String(created.body.secret), rx.received[0]!);
    expect(event).toMatchObject({ id: sent.body.event_id, data: { test: true } });
    await until(
      r,
      async () =>
        (await call(r, 'GET', `/webhooks/${id}/deliveries`, { key: alice.key })).body.data?.[0]
          ?.status === 'succeeded',
      'the test delivery to be recorded',
    );
    const log = await call(r, 'GET', `/webhooks/${id}/deliveries?limit=1`, { key: alice.key });
    expect(log.body.data).toHaveLength(1);
    expect(rx.received).toHaveLength(1);

    const deleted = await call(r, 'DELETE', `/webhooks/${id}`, { key: alice.key });
    expect(deleted).toEqual({ status: 200, body: { success: true, id, deleted: true } });
    for (const [method, url] of [
      ['GET', `/webhooks/${id}`],
      ['DELETE', `/webhooks/${id}`],
      ['GET', `/webhooks/${id}/deliveries`],
    ] as const) {
      const gone = await call(r, method, url, { key: alice.key });
      expect(gone.status).toBe(404);
      expect(gone.body).toMatchObject({ success: false, error: 'not_found' });
    }
    expect((await call(r, 'GET', '/webhooks', { key: alice.key })).body.data).toEqual([]);
  });

  it("answers 404 for another customer's endpoint on every route and changes nothing", async () => {
    const r = await rig();
    const alice = await newCustomer(r.daemon, 'alice@example.com', 0);
    const bob = await newCustomer(r.daemon, 'bob@example.com', 0);
    const rx = await receiver();
    const created = await call(r, 'POST', '/webhooks', {
      key: alice.key,
      body: { url: rx.url, events: ['sms.received'] },
    });
    const id = String(created.body.id);
    const routes: Array<[string, string, unknown?]> = [
      ['GET', `/webhooks/${id}`],
      ['PATCH', `/webhooks/${id}`, { paused: true }],
      ['DELETE', `/webhooks/${id}`],
      ['POST', `/webhooks/${id}/test`],
      ['GET', `/webhooks/${id}/deliveries`],
    ];
    for (const [method, url, body] of routes) {
      const answer = await call(r, method, url, { key: bob.key, body });
      expect(answer.status, `${method} ${url}`).toBe(404);
      expect(answer.body).toMatchObject({ success: false, error: 'not_found' });
    }
    expect((await call(r, 'GET', '/webhooks', { key: bob.key })).body.data).toEqual([]);
    const still = await call(r, 'GET', `/webhooks/${id}`, { key: alice.key });
    expect(still.body).toMatchObject({ id, paused: false });
    await r.clock.advance(2_000);
    expect(rx.received).toHaveLength(0);
  });

  it('refuses non-http URLs, and private addresses unless the operator allows them', async () => {
    const r = await rig(false);
    const alice = await newCustomer(r.daemon, 'alice@example.com', 0);
    for (const url of ['ftp://example.com/hook', 'http://127.0.0.1:9/hook', 'http://[::1]/x']) {
      const refused = await call(r, 'POST', '/webhooks', {
        key: alice.key,
        body: { url, events: ['sms.received'] },
      });
      expect(refused.status, url).toBe(400);
      expect(refused.body).toMatchObject({
        success: false,
        error: 'validation_failed',
        details: [{ field: 'url', issue: expect.any(String) as string }],
      });
    }
    expect((await call(r, 'GET', '/webhooks', { key: alice.key })).body.data).toEqual([]);
  });
});

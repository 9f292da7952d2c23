import { beforeEach, describe, expect, it } from 'vitest';
import { WebhookService, type WebhookDelivery } from '../../src/domain/index.js';
import type { Reply } from '../helpers/webhook-receiver.js';
import { MINUTE, useWebhookFixture, type WebhookFixture } from './webhook-fixture.js';

const SMS_DATA = {
  order_id: 'ord_1',
  activation_id: 1001,
  phone_number: '+447700900001',
  service: 'tg',
  country: 'GB',
  code: '12345',
  full_text: 'Telegram code 12345',
  sender: 'Telegram',
  received_at: '2026-01-01T12:00:00.000Z',
};

const rig = useWebhookFixture();
const receiver = (script?: (n: number) => Reply) => rig.receiver(script);
let fx: WebhookFixture;
beforeEach(() => {
  fx = rig.fx;
});

async function deliveriesOf(customerId: string, endpointId: string): Promise<WebhookDelivery[]> {
  return [...(await fx.webhooks.deliveries({ customerId }, endpointId)).items];
}

describe('webhook delivery to a real receiver', () => {
  it('delivers sms.received signed for standardwebhooks and X-Simpool-Signature', async () => {
    const customer = await fx.customer('a@example.com');
    const rx = await receiver();
    const created = await fx.webhooks.create(
      { customerId: customer },
      { url: rx.url, events: ['sms.received'] },
    );
    expect(created.secret).toMatch(/^whsec_/);
    await fx.startWorker();
    const eventId = fx.emit('sms.received', customer, SMS_DATA);
    fx.emit('order.created', customer, { order_id: 'ord_1' }); // not a webhook event
    await fx.settle();
    await rx.waitFor(1);

    const [request] = rx.received;
    const verified = fx.verify(created.secret, request!);
    expect(verified).toEqual({
      id: eventId,
      type: 'sms.received',
      created_at: new Date(fx.clock.now()).toISOString(),
      account_id: customer,
      data: SMS_DATA,
    });
    expect(request!.headers['x-simpool-signature']).toBe(request!.headers['webhook-signature']);
    expect(request!.headers['webhook-id']).toBe(eventId);
    const [delivery] = await deliveriesOf(customer, created.endpoint.id);
    expect(request!.headers['x-simpool-delivery']).toBe(delivery!.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempt: 1, responseStatus: 200 });
    expect(rx.received).toHaveLength(1);
  });

  it('retries a receiver failing 3 times after 1, 5 and 30 min with the same event id', async () => {
    const customer = await fx.customer('a@example.com');
    const rx = await receiver((n) => (n < 3 ? { status: 500 } : { status: 200 }));
    const { endpoint, secret } = await fx.webhooks.create(
      { customerId: customer },
      { url: rx.url, events: ['sms.received'] },
    );
    await fx.startWorker();
    const eventId = fx.emit('sms.received', customer, SMS_DATA);
    await fx.settle();
    await rx.waitFor(1);
    for (const [wait, count] of [
      [MINUTE, 2],
      [5 * MINUTE, 3],
      [30 * MINUTE, 4],
    ] as const) {
      await fx.advance(wait - 1000);
      await fx.settle();
      expect(rx.received).toHaveLength(count - 1); // not early
      await fx.advance(1000);
      await rx.waitFor(count);
      await fx.settle();
    }
    expect(rx.received.map((r) => r.headers['webhook-id'])).toEqual(Array(4).fill(eventId));
    expect(fx.verify(secret, rx.received[3]!)).toMatchObject({ id: eventId });
    const [delivery] = await deliveriesOf(customer, endpoint.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempt: 4 });
    expect((await fx.webhooks.get({ customerId: customer }, endpoint.id)).failureCount).toBe(0);
  });

  it('honours Retry-After', async () => {
    const customer = await fx.customer('a@example.com');
    const rx = await receiver((n) =>
      n === 0 ? { status: 503, headers: { 'retry-after': '180' } } : { status: 200 },
    );
    await fx.webhooks.create({ customerId: customer }, { url: rx.url, events: ['order.expired'] });
    await fx.startWorker();
    fx.emit('order.expired', customer, { order_id: 'ord_1' });
    await fx.settle();
    await rx.waitFor(1);
    await fx.advance(2 * MINUTE); // past the 1-min schedule, before the receiver's 3 min
    await fx.settle();
    expect(rx.received).toHaveLength(1);
    await fx.advance(MINUTE);
    await rx.waitFor(2);
  });

  it('disables the endpoint on 410 Gone and cancels what was queued for it', async () => {
    const customer = await fx.customer('a@example.com');
    const rx = await receiver(() => ({ status: 410 }));
    const { endpoint } = await fx.webhooks.create(
      { customerId: customer },
      { url: rx.url, events: ['order.cancelled'] },
    );
    fx.emit('order.cancelled', customer, { order_id: 'ord_1' });
    fx.emit('order.cancelled', customer, { order_id: 'ord_2' });
    await fx.startWorker();
    await fx.settle();
    expect(rx.received).toHaveLength(1);
    expect(await fx.webhooks.get({ customerId: customer }, endpoint.id)).toMatchObject({
      active: false,
    });
    const statuses = (await deliveriesOf(customer, endpoint.id)).map((d) => d.status).sort();
    expect(statuses).toEqual(['cancelled', 'failed']);
    fx.emit('order.cancelled', customer, { order_id: 'ord_3' });
    await fx.advance(60 * MINUTE);
    await fx.settle();
    expect(rx.received).toHaveLength(1);
    // Enabled again: a fresh start, the 410 does not count towards a pause.
    const enabled = await fx.webhooks.update({ customerId: customer }, endpoint.id, {
      active: true,
    });
    expect(enabled).toMatchObject({ active: true, failureCount: 0, failingSince: null });
  });

  it('loses no pending delivery across a restart (file closed and reopened)', async () => {
    const customer = await fx.customer('a@example.com');
    const rx = await receiver((n) => (n === 0 ? { status: 500 } : { status: 200 }));
    const { endpoint } = await fx.webhooks.create(
      { customerId: customer },
      { url: rx.url, events: ['sms.received', 'order.swapped'] },
    );
    await fx.startWorker();
    const first = fx.emit('sms.received', customer, SMS_DATA);
    await fx.settle();
    await rx.waitFor(1); // failed: retry due in 1 min
    await fx.worker!.stop();
    const second = fx.emit('order.swapped', customer, { order_id: 'ord_1' }); // not fanned out yet

    await fx.restart();
    await fx.advance(MINUTE);
    await fx.startWorker();
    await rx.waitFor(3);
    await fx.settle();
    await fx.advance(60 * MINUTE);
    await fx.settle();
    expect(rx.received[0]!.headers['webhook-id']).toBe(first);
    expect(new Set(rx.received.slice(1).map((r) => r.headers['webhook-id']))).toEqual(
      new Set([first, second]),
    );
    expect(rx.received).toHaveLength(3);
    const log = await deliveriesOf(customer, endpoint.id);
    expect(log.map((d) => d.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('does not let a receiver that never answers delay another one', async () => {
    const alice = await fx.customer('a@example.com');
    const bob = await fx.customer('b@example.com');
    const slow = await receiver(() => 'hang');
    const fast = await receiver();
    const slowHook = await fx.webhooks.create(
      { customerId: alice },
      { url: slow.url, events: ['sms.received'] },
    );
    await fx.webhooks.create({ customerId: bob }, { url: fast.url, events: ['sms.received'] });
    await fx.startWorker();
    fx.emit('sms.received', alice, SMS_DATA);
    fx.emit('sms.received', alice, { ...SMS_DATA, code: '2' }); // queued behind the hung one
    fx.emit('sms.received', bob, SMS_DATA);
    fx.worker!.poke();
    await slow.waitFor(1);
    await fast.waitFor(1);
    const hung = await deliveriesOf(alice, slowHook.endpoint.id);
    expect(hung.map((d) => d.status).sort()).toEqual(['delivering', 'pending']);
    expect(slow.received).toHaveLength(1); // at most one in flight per endpoint

    await fx.advance(10_000); // the 10 s timeout, on the injected clock
    await fx.settle();
    const after = await deliveriesOf(alice, slowHook.endpoint.id);
    const timedOut = after.find((d) => d.attempt === 1);
    expect(timedOut).toMatchObject({ status: 'pending', errorMessage: 'timed out after 10 s' });
    expect(slow.received).toHaveLength(1); // the second waits behind the first: order holds
    await fx.advance(MINUTE); // the first one's retry (which hangs too)
    await slow.waitFor(2);
    expect(slow.received[1]!.headers['webhook-id']).toBe(slow.received[0]!.headers['webhook-id']);
  });

  it('emits balance.low only when the live balance crosses the threshold downwards', async () => {
    const customer = await fx.customer('a@example.com');
    const rx = await receiver();
    await fx.webhooks.create(
      { customerId: customer },
      { url: rx.url, events: ['balance.low'], threshold: 1 },
    );
    await fx.startWorker();
    const change = (amount: number, balance: number, sandbox = false) =>
      fx.emit('balance.changed', customer, { sandbox, type: 'purchase', amount, balance });
    change(-0.5, 1.5); // 2.0 → 1.5: above
    change(-0.5, 0.5, true); // sandbox: never
    const crossing = change(-1, 0.5); // 1.5 → 0.5: crosses
    change(-0.2, 0.3); // already below
    await fx.settle();
    await rx.waitFor(1);
    await fx.settle();
    expect(rx.received).toHaveLength(1);
    expect(JSON.parse(rx.received[0]!.body)).toMatchObject({
      id: crossing,
      type: 'balance.low',
      data: { balance: 0.5, threshold: 1 },
    });
  });
});

describe('webhook endpoint management', () => {
  it('shows the secret once and never in reads', async () => {
    const customer = await fx.customer('a@example.com');
    const created = await fx.webhooks.create(
      { customerId: customer },
      { url: 'http://127.0.0.1:9/h', events: ['sms.received'], description: 'main' },
    );
    const read = await fx.webhooks.get({ customerId: customer }, created.endpoint.id);
    const listed = await fx.webhooks.list({ customerId: customer });
    expect(JSON.stringify([read, listed, created.endpoint])).not.toContain(created.secret);
    expect(JSON.stringify([read, listed])).not.toContain('whsec_');
    expect(read).toMatchObject({
      id: created.endpoint.id,
      description: 'main',
      customerId: customer,
    });
  });

  it("answers webhook_not_found for another customer's endpoint", async () => {
    const alice = await fx.customer('a@example.com');
    const bob = await fx.customer('b@example.com');
    const { endpoint } = await fx.webhooks.create(
      { customerId: alice },
      { url: 'http://127.0.0.1:9/h', events: ['sms.received'] },
    );
    const asBob = { customerId: bob };
    const notFound = { code: 'webhook_not_found' };
    await expect(fx.webhooks.get(asBob, endpoint.id)).rejects.toMatchObject(notFound);
    await expect(fx.webhooks.update(asBob, endpoint.id, { paused: true })).rejects.toMatchObject(
      notFound,
    );
    await expect(fx.webhooks.delete(asBob, endpoint.id)).rejects.toMatchObject(notFound);
    await expect(fx.webhooks.sendTest(asBob, endpoint.id)).rejects.toMatchObject(notFound);
    await expect(fx.webhooks.deliveries(asBob, endpoint.id)).rejects.toMatchObject(notFound);
    expect(await fx.webhooks.list(asBob)).toEqual([]);
    expect((await fx.webhooks.list({ admin: true })).map((e) => e.id)).toEqual([endpoint.id]);
    await fx.webhooks.delete({ customerId: alice }, endpoint.id);
    await expect(fx.webhooks.get({ customerId: alice }, endpoint.id)).rejects.toMatchObject(
      notFound,
    );
  });

  it('validates URLs and events unless the operator allows private hosts', async () => {
    const customer = await fx.customer('a@example.com');
    const strict = new WebhookService(fx.store.webhooks, fx.clock);
    const scope = { customerId: customer };
    for (const url of [
      'http://127.0.0.1/h',
      'http://10.0.0.1/h',
      'http://[::1]/h',
      'ftp://example.com/',
      'http://localhost:8080/h',
    ]) {
      await expect(strict.create(scope, { url, events: ['sms.received'] })).rejects.toMatchObject({
        code: 'validation_failed',
        details: { field: 'url' },
      });
    }
    const allowed = new WebhookService(fx.store.webhooks, fx.clock, {
      allowedHosts: ['localhost'],
    });
    await expect(
      allowed.create(scope, { url: 'http://localhost:8080/h', events: ['sms.received'] }),
    ).resolves.toBeDefined();
    await expect(
      fx.webhooks.create(scope, { url: 'http://127.0.0.1/h', events: ['modem.offline'] }),
    ).rejects.toMatchObject({ details: { field: 'events' } });
    await expect(
      fx.webhooks.create(scope, { url: 'http://127.0.0.1/h', events: [] }),
    ).rejects.toMatchObject({ details: { field: 'events' } });
    expect(
      (
        await fx.webhooks.create(
          { admin: true },
          { url: 'http://127.0.0.1/h', events: ['modem.offline'] },
        )
      ).endpoint.customerId,
    ).toBeNull();
  });

  it('sends a test event with data.test = true', async () => {
    const customer = await fx.customer('a@example.com');
    const rx = await receiver();
    const { endpoint, secret } = await fx.webhooks.create(
      { customerId: customer },
      { url: rx.url, events: ['order.finished'] },
    );
    await fx.startWorker();
    const delivery = await fx.webhooks.sendTest({ customerId: customer }, endpoint.id);
    await rx.waitFor(1);
    await fx.settle();
    expect(fx.verify(secret, rx.received[0]!)).toMatchObject({
      id: delivery.eventId,
      type: 'order.finished',
      data: { test: true },
    });
    const [logged] = await deliveriesOf(customer, endpoint.id);
    expect(logged).toMatchObject({ id: delivery.id, status: 'succeeded', responseBody: 'ok' });
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { decideAttempt } from '../../src/domain/index.js';
import type { Received, Reply } from '../helpers/webhook-receiver.js';
import { MINUTE, useWebhookFixture, type WebhookFixture } from './webhook-fixture.js';

/**
 * A receiver that goes away and comes back: real HTTP receivers on 127.0.0.1, a real SQLite file
 * and the delivery worker on a ManualClock. Down means down: the port is closed, so attempts are
 * refused connections, and every request a receiver records is one it answered.
 */
const HOUR = 60 * MINUTE;

const rig = useWebhookFixture();
const receiver = (script?: (n: number) => Reply) => rig.receiver(script);
let fx: WebhookFixture;
beforeEach(() => {
  fx = rig.fx;
});

const eventIds = (requests: readonly Received[]): string[] =>
  requests.map((r) => String(r.headers['webhook-id']));

const bodyOf = (request: Received) =>
  JSON.parse(request.body) as { type: string; data: Record<string, unknown> };

/** Lets `ms` of simulated time pass in steps, each followed by the worker's answers. The worker
 * wakes at each retry's due time within a step; its request timeout is raised above the step
 * (startWorker), as the clock may jump on while an answer is on its way. */
async function pass(ms: number, step = 10 * MINUTE): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    await fx.advance(Math.min(step, ms - done));
    await fx.settle();
  }
}

describe('a receiver down for a while', () => {
  it('gets all 200 events of a 10-minute outage once each, in order, when it is back', async () => {
    const alice = await fx.customer('a@example.com');
    const flaky = await receiver();
    const steady = await receiver();
    const scope = { customerId: alice };
    const down = await fx.webhooks.create(scope, { url: flaky.url, events: ['order.finished'] });
    await fx.webhooks.create(scope, { url: steady.url, events: ['order.finished'] });
    await fx.startWorker({ pollMs: 10 * MINUTE, timeoutMs: HOUR });

    // One event every 6 s for 20 minutes; the receiver is down from minute 5 to minute 15.
    const emitted: string[] = [];
    const port = flaky.port;
    for (let i = 0; i < 200; i++) {
      if (i === 50) await flaky.close();
      if (i === 150) await flaky.listen(port);
      emitted.push(fx.emit('order.finished', alice, { order_id: `ord_${i}` }));
      await fx.advance(6_000);
      await fx.settle();
    }
    // The other endpoint of the same customer was never held up.
    expect(eventIds(steady.received)).toEqual(emitted);
    const during = await fx.webhooks.get(scope, down.endpoint.id);
    expect(during).toMatchObject({ paused: false, active: true });
    expect(during.failingSince).not.toBeNull();

    // Its oldest delivery is retried on the schedule (1, 5, 30 min), then the backlog follows.
    await pass(HOUR, MINUTE);
    expect(eventIds(flaky.received)).toEqual(emitted);
    expect(new Set(eventIds(flaky.received)).size).toBe(200);
    expect(await fx.webhooks.get(scope, down.endpoint.id)).toMatchObject({
      paused: false,
      pausedAt: null,
      failureCount: 0,
      failingSince: null,
    });
    const log = (await fx.webhooks.deliveries(scope, down.endpoint.id, { limit: 200 })).items;
    expect(log.filter((d) => d.status === 'succeeded')).toHaveLength(200);
  });

  it('pauses only after failing for the configured span, tells the owner, and probes it back', async () => {
    const alice = await fx.customer('a@example.com');
    const failing = await receiver(() => ({ status: 503 }));
    const notices = await receiver();
    const scope = { customerId: alice };
    const { endpoint } = await fx.webhooks.create(scope, {
      url: failing.url,
      events: ['order.finished'],
    });
    await fx.webhooks.create(scope, {
      url: notices.url,
      events: ['webhook.paused', 'webhook.resumed'],
    });
    await fx.startWorker({
      settings: { pauseAfterMs: 6 * HOUR, probeIntervalMs: 20 * MINUTE },
      pollMs: 10 * MINUTE,
      timeoutMs: HOUR,
    });
    const start = fx.clock.now();
    const first = [1, 2, 3].map((i) => fx.emit('order.finished', alice, { order_id: `o${i}` }));
    await fx.settle();

    await pass(6 * HOUR - 10 * MINUTE);
    expect(await fx.webhooks.get(scope, endpoint.id)).toMatchObject({
      paused: false,
      failingSince: start,
    });
    expect(notices.received).toHaveLength(0);
    // Only the oldest delivery was tried, again and again: the others wait behind it.
    expect(new Set(eventIds(failing.received))).toEqual(new Set([first[0]]));

    await pass(20 * MINUTE);
    const paused = await fx.webhooks.get(scope, endpoint.id);
    expect(paused).toMatchObject({ paused: true, pauseReason: 'failures', failingSince: start });
    expect(paused.pausedAt! - start).toBeGreaterThanOrEqual(6 * HOUR);
    await notices.waitFor(1);
    const notice = bodyOf(notices.received[0]!);
    expect(notice).toMatchObject({
      type: 'webhook.paused',
      data: {
        endpoint_id: endpoint.id,
        url: failing.url,
        failing_since: new Date(start).toISOString(),
        paused_at: new Date(paused.pausedAt!).toISOString(),
        last_error: 'receiver answered HTTP 503',
      },
    });
    expect(JSON.parse(notices.received[0]!.body)).toMatchObject({ account_id: alice });

    // Paused: new events queue; the oldest delivery is probed every 20 minutes.
    const later = [4, 5].map((i) => fx.emit('order.finished', alice, { order_id: `o${i}` }));
    const before = failing.received.length;
    await pass(HOUR);
    expect(failing.received.length - before).toBe(3);
    expect(new Set(eventIds(failing.received))).toEqual(new Set([first[0]]));

    // The receiver is back: the next probe succeeds and the backlog follows in order.
    failing.setScript(() => ({ status: 200 }));
    const back = failing.received.length;
    await pass(20 * MINUTE);
    expect(eventIds(failing.received.slice(back))).toEqual([...first, ...later]);
    expect(await fx.webhooks.get(scope, endpoint.id)).toMatchObject({
      paused: false,
      pausedAt: null,
      pauseReason: null,
      failingSince: null,
      failureCount: 0,
    });
    await notices.waitFor(2);
    expect(bodyOf(notices.received[1]!)).toMatchObject({
      type: 'webhook.resumed',
      data: { endpoint_id: endpoint.id, paused_at: new Date(paused.pausedAt!).toISOString() },
    });
    expect(notices.received).toHaveLength(2); // nothing about the endpoint reached itself
    expect(failing.received.map(bodyOf).every((b) => b.type === 'order.finished')).toBe(true);
  });

  it('never probes an endpoint its owner paused; un-pausing sends the queue at once, in order', async () => {
    const alice = await fx.customer('a@example.com');
    const rx = await receiver(() => ({ status: 500 }));
    const scope = { customerId: alice };
    const { endpoint } = await fx.webhooks.create(scope, {
      url: rx.url,
      events: ['order.finished'],
    });
    await fx.startWorker({
      settings: { pauseAfterMs: HOUR, probeIntervalMs: 15 * MINUTE },
      pollMs: 10 * MINUTE,
      timeoutMs: HOUR,
    });
    const events = [1, 2, 3].map((i) => fx.emit('order.finished', alice, { order_id: `o${i}` }));
    await fx.settle();
    expect(eventIds(rx.received)).toEqual([events[0]]);

    const paused = await fx.webhooks.update(scope, endpoint.id, { paused: true });
    expect(paused).toMatchObject({
      paused: true,
      pauseReason: 'manual',
      pausedAt: fx.clock.now(),
      failureCount: 1,
    });
    await pass(3 * HOUR);
    expect(rx.received).toHaveLength(1);
    expect((await fx.webhooks.get(scope, endpoint.id)).pauseReason).toBe('manual');

    rx.setScript(() => ({ status: 200 }));
    const resumed = await fx.webhooks.update(scope, endpoint.id, { paused: false });
    expect(resumed).toMatchObject({
      paused: false,
      pausedAt: null,
      pauseReason: null,
      failureCount: 0,
      failingSince: null,
    });
    await fx.settle(); // no clock advance: the retry that was due later is due now
    await rx.waitFor(4);
    await fx.settle();
    expect(eventIds(rx.received)).toEqual([events[0], ...events]);
  });
});

describe("the owner's pause or un-pause while an attempt is in flight", () => {
  /** One delivery claimed (as the worker does), then the owner's PATCH, then its failure. */
  async function claimThenPatch(paused: boolean, pausedByFailures: boolean) {
    const alice = await fx.customer('a@example.com');
    const scope = { customerId: alice };
    const { endpoint } = await fx.webhooks.create(scope, {
      url: 'http://127.0.0.1:9/hook',
      events: ['order.finished'],
    });
    const settings = { pauseAfterMs: HOUR, probeIntervalMs: 15 * MINUTE };
    await fx.webhooks.sendTest(scope, endpoint.id);
    if (pausedByFailures) {
      // Failing for two hours: the second failure pauses it; its next probe is then claimed.
      for (const wait of [0, 2 * HOUR]) {
        await fx.advance(wait);
        const [due] = await fx.store.webhooks.claimDue(fx.clock.now(), 10);
        const failed = decideAttempt(due!, refused, fx.clock.now(), settings);
        await fx.store.webhooks.recordAttempt(failed);
      }
      expect(await fx.webhooks.get(scope, endpoint.id)).toMatchObject({ pauseReason: 'failures' });
      await fx.advance(15 * MINUTE);
    }
    const [claimed] = await fx.store.webhooks.claimDue(fx.clock.now(), 10);
    expect(claimed).toMatchObject({ endpointId: endpoint.id, paused: pausedByFailures });
    await fx.webhooks.update(scope, endpoint.id, { paused });
    const record = decideAttempt(claimed!, refused, fx.clock.now(), settings);
    const change = await fx.store.webhooks.recordAttempt(record);
    return { change, endpoint: await fx.webhooks.get(scope, endpoint.id) };
  }
  const refused = { kind: 'error', message: 'connect ECONNREFUSED' } as const;

  it('keeps a manual pause made during the attempt as it is', async () => {
    const { change, endpoint } = await claimThenPatch(true, false);
    expect(change).toBeNull();
    expect(endpoint).toMatchObject({ paused: true, pauseReason: 'manual', failureCount: 0 });
  });

  it('keeps the fresh start of an un-pause made during a failing probe', async () => {
    const { change, endpoint } = await claimThenPatch(false, true);
    expect(change).toBeNull();
    expect(endpoint).toMatchObject({ paused: false, failureCount: 0, failingSince: null });
  });
});

import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Daemon } from '../../src/daemon/index.js';
import type { InboundSms, Order } from '../../src/domain/index.js';
import { type ManualClock } from '../../src/shared/index.js';
import { advanceBy, advanceUntil } from '../helpers/advance.js';
import { useAppliance } from '../helpers/appliance.js';

/**
 * `/ws/orders` on the daemon's listening server (127.0.0.1) over the whole appliance on a
 * ManualClock: real `ws` clients, SMS from the simulated modems through matching to the frame.
 */
const appliance = useAppliance();

interface Rig {
  readonly daemon: Daemon;
  readonly clock: ManualClock;
  readonly ws: string;
}

async function rig(): Promise<Rig> {
  const { daemon, clock } = await appliance.start({ prefix: 'simpool-ws-' });
  return { daemon, clock, ws: daemon.api.url.replace(/^http/, 'ws') };
}

async function customer(d: Daemon, email: string) {
  const created = await d.rental.customers.createCustomer(email);
  const { plainKey, key } = await d.rental.customers.createKey(created.id, { scopes: ['orders'] });
  await d.rental.customers.credit(created.id, 10 * 10_000);
  return { customerId: created.id, apiKeyId: key.id, key: plainKey };
}

type Frame = Record<string, unknown> & { type: string; event_id: string };

interface Feed {
  readonly socket: WebSocket;
  readonly frames: Frame[];
  /** performance.now() at each frame's arrival, index-aligned with frames. */
  readonly arrivals: number[];
  readonly pings: number[];
  readonly closed: Promise<{ code: number; reason: string }>;
}

function connect(url: string, options: WebSocket.ClientOptions = {}): Feed {
  const socket = new WebSocket(url, options);
  const feed: Feed = {
    socket,
    frames: [],
    arrivals: [],
    pings: [],
    closed: new Promise((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    ),
  };
  socket.on('message', (data: Buffer) => {
    feed.arrivals.push(performance.now());
    feed.frames.push(JSON.parse(data.toString('utf8')) as Frame);
  });
  socket.on('ping', () => feed.pings.push(performance.now()));
  socket.on('error', () => undefined);
  appliance.defer(async () => {
    socket.terminate();
    await feed.closed;
  });
  return feed;
}

async function opened(feed: Feed): Promise<Feed> {
  if (feed.socket.readyState !== WebSocket.OPEN) {
    await new Promise((resolve) => feed.socket.once('open', resolve));
  }
  return feed;
}

function modemOf(d: Daemon, order: Order) {
  const modem = d.simulator!.bank.modems.find((m) => m.identity.iccid === order.simIccid);
  if (!modem) throw new Error(`no simulated modem holds ${order.simIccid}`);
  return modem;
}

/** Attached feeds are registered on the server's serial queue: give it a few turns. */
async function settle(r: Rig): Promise<void> {
  await r.clock.advance(0);
  await r.clock.advance(0);
}

describe('/ws/orders', () => {
  it('refuses a wrong or missing key with 4401 and another customer’s order with 4404', async () => {
    const r = await rig();
    const alice = await customer(r.daemon, 'alice@example.com');
    const bob = await customer(r.daemon, 'bob@example.com');
    const order = await r.daemon.rental.orders.purchase(alice, { service: 'tg', country: 'GB' });

    const wrong = connect(`${r.ws}/ws/orders?api_key=sp_live_${'x'.repeat(32)}`);
    expect(await wrong.closed).toMatchObject({ code: 4401 });
    expect((await connect(`${r.ws}/ws/orders`).closed).code).toBe(4401);
    const foreign = connect(`${r.ws}/ws/orders?order_id=${order.id}`, {
      headers: { 'x-api-key': bob.key },
    });
    expect(await foreign.closed).toMatchObject({ code: 4404, reason: 'no such order' });
    const byActivation = connect(`${r.ws}/ws/orders?order_id=${order.activationId}`, {
      headers: { 'x-api-key': bob.key },
    });
    expect((await byActivation.closed).code).toBe(4404);
    const badSince = connect(`${r.ws}/ws/orders?api_key=${alice.key}&since=evt_nope`);
    expect((await badSince.closed).code).toBe(4400);
  });

  it('pushes the code within 100 ms of the SMS commit, filtered per order and per customer', async () => {
    const r = await rig();
    const alice = await customer(r.daemon, 'alice@example.com');
    const bob = await customer(r.daemon, 'bob@example.com');
    const followed = await r.daemon.rental.orders.purchase(alice, { service: 'tg', country: 'GB' });

    const perOrder = await opened(
      connect(`${r.ws}/ws/orders?api_key=${alice.key}&order_id=${followed.activationId}`),
    );
    const perCustomer = await opened(connect(`${r.ws}/ws/orders?api_key=${alice.key}`));
    const bobFeed = await opened(
      connect(`${r.ws}/ws/orders`, { headers: { 'x-api-key': bob.key } }),
    );
    await settle(r);
    const other = await r.daemon.rental.orders.purchase(alice, { service: 'ds', country: 'US' });
    await advanceUntil(r.clock, () => perCustomer.frames.length >= 1, 10);
    expect(perCustomer.frames[0]).toMatchObject({
      type: 'order.updated',
      event_id: expect.stringMatching(/^evt_/) as string,
      order: { order_id: other.id, status: 'waiting', messages: [] },
    });

    // The matching commits the SMS (and its outbox row) before its promise settles.
    const matching = r.daemon.rental.matching;
    const original = matching.onInboundSms.bind(matching);
    let committedAt = 0;
    matching.onInboundSms = async (sms: InboundSms) => {
      const result = await original(sms);
      if (result.kind === 'matched') committedAt = performance.now();
      return result;
    };
    const text = 'Telegram code: 48213. Do not share it.';
    modemOf(r.daemon, followed).injectSms({ from: 'Telegram', text });
    await advanceUntil(r.clock, () => perOrder.frames.some((f) => f.type === 'sms'), 10);

    const index = perOrder.frames.findIndex((f) => f.type === 'sms');
    expect(perOrder.frames[index]).toEqual({
      type: 'sms',
      event_id: expect.stringMatching(/^evt_/) as string,
      order_id: followed.id,
      code: '48213',
      full_text: text,
      message: text,
      received_at: expect.stringMatching(/Z$/) as string,
    });
    const latency = perOrder.arrivals[index]! - committedAt;
    expect(committedAt).toBeGreaterThan(0);
    expect(latency).toBeLessThan(100);
    await advanceUntil(r.clock, () => perCustomer.frames.length >= 3, 10);
    expect(perOrder.frames[index + 1]).toMatchObject({
      type: 'order.updated',
      order: { order_id: followed.id, status: 'received', code: '48213' },
    });
    // The per-order feed never saw the other order; the customer feed saw both; bob nothing.
    expect(perOrder.frames.every((f) => JSON.stringify(f).includes(followed.id))).toBe(true);
    expect(perCustomer.frames.map((f) => f.type)).toEqual([
      'order.updated',
      'sms',
      'order.updated',
    ]);
    expect(bobFeed.frames).toEqual([]);

    // Expiry: the unanswered order expires at the end of its lifetime.
    await advanceBy(r.clock, 21 * 60_000, 1000);
    await advanceUntil(r.clock, () => perCustomer.frames.some((f) => f.type === 'expired'), 10);
    expect(perCustomer.frames.find((f) => f.type === 'expired')).toEqual({
      type: 'expired',
      event_id: expect.stringMatching(/^evt_/) as string,
      order_id: other.id,
    });
    expect(bobFeed.frames).toEqual([]);
  });

  it('replays the events missed while disconnected when resumed with since=', async () => {
    const r = await rig();
    const alice = await customer(r.daemon, 'alice@example.com');
    const first = await opened(connect(`${r.ws}/ws/orders?api_key=${alice.key}`));
    await settle(r);
    const order = await r.daemon.rental.orders.purchase(alice, { service: 'tg', country: 'GB' });
    await advanceUntil(r.clock, () => first.frames.length === 1, 10);
    const lastSeen = first.frames[0]!.event_id;
    first.socket.close();
    await first.closed;

    modemOf(r.daemon, order).injectSms({ from: 'Telegram', text: 'Telegram code: 77120' });
    for (let i = 0; i < 300; i++) {
      const seen = await r.daemon.rental.orders.get(alice.customerId, order.id);
      if (seen.status === 'received') break;
      await r.clock.advance(20);
    }

    const resumed = await opened(
      connect(`${r.ws}/ws/orders?api_key=${alice.key}&since=${lastSeen}`),
    );
    await advanceUntil(r.clock, () => resumed.frames.length >= 2, 10);
    expect(resumed.frames.map((f) => f.type)).toEqual(['sms', 'order.updated']);
    expect(resumed.frames[0]).toMatchObject({ order_id: order.id, code: '77120' });
    expect(resumed.frames[0]!.event_id).not.toBe(lastSeen);

    // Live events continue after the replay, without repeating it.
    await r.daemon.rental.orders.finish(alice.customerId, order.id);
    await advanceUntil(r.clock, () => resumed.frames.length >= 3, 10);
    expect(resumed.frames[2]).toMatchObject({
      type: 'order.updated',
      order: { order_id: order.id, status: 'finished' },
    });
    await r.clock.advance(100);
    expect(resumed.frames).toHaveLength(3);
  });

  it('pings on the clock, drops a client that does not pong, and closes with 1001 on stop', async () => {
    const r = await rig();
    const alice = await customer(r.daemon, 'alice@example.com');
    const live = await opened(connect(`${r.ws}/ws/orders?api_key=${alice.key}`));
    const deaf = await opened(
      connect(`${r.ws}/ws/orders?api_key=${alice.key}`, { autoPong: false }),
    );
    await settle(r);

    await r.clock.advance(30_000);
    await advanceUntil(r.clock, () => live.pings.length === 1 && deaf.pings.length === 1, 10);
    await r.clock.advance(30_000);
    // The deaf client never answered the first ping: cut (no close frame, 1006 on its side).
    expect((await deaf.closed).code).toBe(1006);
    expect(live.socket.readyState).toBe(WebSocket.OPEN);

    await r.daemon.stop();
    expect(await live.closed).toMatchObject({ code: 1001 });
  });
});

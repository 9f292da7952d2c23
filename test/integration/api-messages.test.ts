import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config, Daemon } from '../../src/daemon/index.js';
import { composeOutbound } from '../../src/pool/index.js';
import type { ManualClock } from '../../src/shared/index.js';
import { createRepositories, openDatabase } from '../../src/store/index.js';
import { useAppliance } from '../helpers/appliance.js';
import {
  buyAndInjectSms,
  callApi,
  newCustomer,
  type ApiCallOptions,
} from '../helpers/customer-api.js';
import { sentMessages, type SentPart } from '../helpers/daemon-harness.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * The Messaging API on the daemon's own listening server (127.0.0.1, port 0) over the whole
 * appliance on one ManualClock: POST queues, the pool routes and the simulated modems send and
 * return status reports, GET shows the states; customer keys see their orders' SMS only.
 */
const appliance = useAppliance();

interface Rig {
  readonly daemon: Daemon;
  readonly clock: ManualClock;
  readonly base: string;
  readonly operator: string;
  readonly dir: string;
}

/** Polling GETs must not hit the per-key limit; throttles off unless a test wants them. */
function settings(throttle: boolean, allowPrivate = false) {
  return (config: Config): Config => ({
    ...config,
    api: { ...config.api, rateLimitPerMinute: 100_000 },
    messaging: {
      ...config.messaging,
      throttle: { ...config.messaging.throttle, enabled: throttle },
    },
    webhooks: { ...config.webhooks, allowPrivate },
  });
}

async function rig(options: { throttle?: boolean; allowPrivate?: boolean } = {}): Promise<Rig> {
  const { daemon, clock, dir } = await appliance.start({
    prefix: 'simpool-messages-',
    startMs: Math.floor(Date.now() / 1000) * 1000,
    configure: settings(options.throttle ?? false, options.allowPrivate),
  });
  // An operator key: scope `messages` on the operator account (what `simpool key create` makes).
  const { plainKey } = await daemon.admin.operator.createKey(['messages']);
  return { daemon, clock, base: daemon.api.url, operator: plainKey, dir };
}

const customer = (r: Rig, email: string) => newCustomer(r.daemon, email, 10);

function call(r: Rig, method: string, url: string, options: ApiCallOptions = {}) {
  return callApi(method, `${r.base}${url}`, { ...options, key: options.key ?? r.operator });
}

const send = (r: Rig, body: unknown, headers: Record<string, string> = {}, key?: string) =>
  call(r, 'POST', '/api/v1/messages', { body, headers, ...(key ? { key } : {}) });

/** Advances the clock until GET shows `status`; returns every status seen on the way. */
async function untilStatus(r: Rig, id: string, status: string): Promise<string[]> {
  const seen: string[] = [];
  for (let step = 0; step < 600; step++) {
    const current = String((await call(r, 'GET', `/api/v1/messages/${id}`)).body.status);
    if (seen.at(-1) !== current) seen.push(current);
    if (current === status) return seen;
    await r.clock.advance(100);
  }
  throw new Error(`${id} never became ${status}; seen ${seen.join(', ')}`);
}

/** The messages a simulated modem submitted (parts joined), from the simulator's control API. */
async function sentBy(r: Rig, iccid: unknown): Promise<Array<{ to: string; text: string }>> {
  const index = r.daemon.simulator!.bank.modems.findIndex((m) => m.identity.iccid === iccid);
  const response = await fetch(`${r.daemon.simulator!.control.url}/modems/${index}/sent`);
  return sentMessages((await response.json()) as SentPart[]);
}

/** Buys a GB number and has the network deliver an SMS to its SIM; the order's id. */
async function buyAndReceive(r: Rig, who: { customerId: string; key: string }, text: string) {
  const bought = await buyAndInjectSms(r.daemon, who, text);
  for (let step = 0; step < 300; step++) {
    if ((await r.daemon.rental.orders.get(who.customerId, bought.orderId)).smsCount > 0) break;
    await r.clock.advance(100);
  }
  return bought;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('Messaging API over a listening daemon', () => {
  it('queues an SMS (202), which a simulated modem sends and reports delivered', async () => {
    const r = await rig({ throttle: true });
    const queued = await send(r, { to: '+447700900555', body: 'Your parcel arrives today' });
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ success: true, status: 'queued', parts: 1 });
    expect(queued.body.id).toMatch(/^msg_[0-9a-f]+$/);
    expect(queued.body.created_at).toMatch(ISO);
    const id = String(queued.body.id);

    const seen = await untilStatus(r, id, 'delivered');
    expect(seen).toContain('sent');
    expect(seen.indexOf('sent')).toBeLessThan(seen.indexOf('delivered'));
    const shown = await call(r, 'GET', `/api/v1/messages/${id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      success: true,
      id,
      direction: 'out',
      to: '+447700900555',
      body: 'Your parcel arrives today',
      parts: 1,
      status: 'delivered',
      error: null,
      received_at: null,
    });
    expect(shown.body.sent_at).toMatch(ISO);
    expect(shown.body.delivered_at).toMatch(ISO);
    const history = (shown.body.history as Array<{ status: string; at: string }>).map(
      (h) => h.status,
    );
    expect(history).toEqual(['queued', 'sending', 'sent', 'delivered']);
    expect(shown.body.parts_detail).toEqual([
      expect.objectContaining({ sequence: 1, status: 'sent', delivery_status: 'delivered' }),
    ]);
    // Routing prefers a SIM of the recipient's country: a GB one sent it.
    const simId = shown.body.sim_id;
    const gbSims = r.daemon.simulator!.bank.modems.filter((m) => m.identity.mcc === '234');
    expect(gbSims.map((m) => m.identity.iccid)).toContain(simId);
    expect(await sentBy(r, simId)).toEqual([
      { to: '+447700900555', text: 'Your parcel arrives today' },
    ]);
  });

  it('counts parts: 161 GSM-7 characters are two, an emoji is two UCS2 units', async () => {
    const r = await rig();
    const parts = async (body: string) => (await send(r, { to: '+447700900556', body })).body.parts;
    expect(await parts('x'.repeat(160))).toBe(1);
    expect(await parts('x'.repeat(161))).toBe(2);
    expect(await parts(`${'x'.repeat(68)}🙂`)).toBe(1);
    expect(await parts(`${'x'.repeat(69)}🙂`)).toBe(2);
    const multipart = await send(r, {
      to: '+447700900556',
      body: `Привет 🙂 ${'мир '.repeat(40)}`,
    });
    expect(multipart.body.parts).toBe(3);
    await untilStatus(r, String(multipart.body.id), 'delivered');
    const shown = await call(r, 'GET', `/api/v1/messages/${String(multipart.body.id)}`);
    expect(await sentBy(r, shown.body.sim_id)).toContainEqual({
      to: '+447700900556',
      text: `Привет 🙂 ${'мир '.repeat(40)}`,
    });
  });

  it('replays an idempotent retry (one message) and refuses the key with another body', async () => {
    const r = await rig();
    const headers = { 'Idempotency-Key': 'order-4711-shipped' };
    const first = await send(r, { to: '+447700900557', body: 'Shipped!' }, headers);
    const again = await send(r, { to: '+447700900557', body: 'Shipped!' }, headers);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const listed = await call(r, 'GET', '/api/v1/messages?direction=out');
    expect(listed.body.data!.map((m) => m.id)).toEqual([first.body.id]);
    const other = await send(r, { to: '+447700900557', body: 'Shipped twice?' }, headers);
    expect(other.status).toBe(422);
    expect(other.body.error).toBe('idempotency_mismatch');
  });

  it('names the invalid field, refuses bad JSON, and sends from the SIM asked for', async () => {
    const r = await rig();
    const future = new Date(r.clock.now() + 3_600_000).toISOString();
    const past = new Date(r.clock.now() - 1000).toISOString();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ body: 'hi' }, 'to'],
      [{ to: '07700900123', body: 'hi' }, 'to'],
      [{ to: '+447700900558' }, 'body'],
      [{ to: '+447700900558', body: '' }, 'body'],
      [{ to: '+447700900558', body: 'x'.repeat(1601) }, 'body'],
      [{ to: '+447700900558', body: 'hi', from: '+15550000000' }, 'from'],
      [{ to: '+447700900558', body: 'hi', valid_until: past }, 'valid_until'],
      [{ to: '+447700900558', body: 'hi', valid_until: 'soon' }, 'valid_until'],
      [{ to: '+447700900558', body: 'hi', priority: 1001 }, 'priority'],
      [{ to: '+447700900558', body: 'hi', priority: 'high' }, 'priority'],
    ];
    for (const [body, field] of cases) {
      const refused = await send(r, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error).toBe('validation_failed');
      expect(refused.body.details).toContainEqual(expect.objectContaining({ field }));
    }
    const badJson = await call(r, 'POST', '/api/v1/messages', { raw: '{"to": "+44' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error).toBe('validation_failed');
    expect((await call(r, 'GET', '/api/v1/messages')).body.data).toEqual([]);

    // A US SIM (its number is known: AT+CNUM answers) sends to a GB number when asked to.
    const us = r.daemon.simulator!.bank.modems[1]!.identity;
    const queued = await send(r, {
      to: '+447700900558',
      body: 'From the US SIM',
      from: us.msisdn,
      valid_until: future,
      priority: 100,
    });
    expect(queued.status).toBe(202);
    await untilStatus(r, String(queued.body.id), 'delivered');
    const shown = await call(r, 'GET', `/api/v1/messages/${String(queued.body.id)}`);
    expect(shown.body).toMatchObject({ sim_id: us.iccid, from: us.msisdn });
    expect(await sentBy(r, us.iccid)).toEqual([{ to: '+447700900558', text: 'From the US SIM' }]);
  });

  it('shows a customer key only the SMS of its own orders, an operator key everything', async () => {
    const r = await rig();
    const alice = await customer(r, 'alice@example.com');
    const bob = await customer(r, 'bob@example.com');
    const outbound = await send(r, { to: '+447700900559', body: 'operator traffic' });
    expect(outbound.status).toBe(202);
    const forbidden = await send(r, { to: '+447700900559', body: 'hi' }, {}, alice.key);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toBe('forbidden');

    const mine = await buyAndReceive(r, alice, 'Telegram code: 11111');
    await buyAndReceive(r, bob, 'Telegram code: 22222');
    const listed = await call(r, 'GET', '/api/v1/messages', { key: alice.key });
    expect(listed.status).toBe(200);
    expect(listed.body.next_cursor).toBeNull();
    expect(listed.body.data).toEqual([
      expect.objectContaining({
        direction: 'in',
        from: 'Telegram',
        body: 'Telegram code: 11111',
        status: 'received',
        sim_id: mine.iccid,
        history: [{ status: 'received', at: expect.stringMatching(ISO) as string }],
      }),
    ]);
    const ownId = String(listed.body.data![0]!.id);
    expect(ownId).toMatch(/^in_\d+$/);
    expect((await call(r, 'GET', `/api/v1/messages/${ownId}`, { key: alice.key })).status).toBe(
      200,
    );
    const all = await call(r, 'GET', '/api/v1/messages?limit=2');
    expect(all.body.data!.map((m) => m.direction)).toEqual(['in', 'in']);
    const rest = await call(
      r,
      'GET',
      `/api/v1/messages?limit=2&cursor=${String(all.body.next_cursor)}`,
    );
    expect(rest.body.data!.map((m) => m.id)).toEqual([outbound.body.id]);
    expect(rest.body.next_cursor).toBeNull();
    const bobsId = all.body.data!.map((m) => String(m.id)).find((id) => id !== ownId)!;
    for (const id of [bobsId, String(outbound.body.id)]) {
      const hidden = await call(r, 'GET', `/api/v1/messages/${id}`, { key: alice.key });
      expect(hidden.status).toBe(404);
      expect(hidden.body.error).toBe('not_found');
    }
    const received = await call(r, 'GET', '/api/v1/messages?status=received');
    expect(received.body.data).toHaveLength(2);
    expect(
      (await call(r, 'GET', '/api/v1/messages?direction=out', { key: alice.key })).body.data,
    ).toEqual([]);
  });

  it('delivers message.received and message.sent to an admin webhook endpoint', async () => {
    const r = await rig({ allowPrivate: true });
    const rx = await new WebhookReceiver().listen();
    appliance.defer(() => rx.close());
    await r.daemon.webhooks.service.create(
      { admin: true },
      { url: rx.url, events: ['message.received', 'message.sent'] },
    );
    const queued = await send(r, { to: '+447700900560', body: 'event please' });
    r.daemon.simulator!.bank.modems[2]!.injectSms({ from: '+4915112345678', text: 'hello there' });
    const types = () => rx.received.map((q) => (JSON.parse(q.body) as { type: string }).type);
    for (let step = 0; step < 300 && types().length < 2; step++) {
      await r.clock.advance(100);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(types().sort()).toEqual(['message.received', 'message.sent']);
    const events = rx.received.map(
      (q) => JSON.parse(q.body) as { type: string; data: Record<string, unknown> },
    );
    expect(events.find((e) => e.type === 'message.sent')!.data).toMatchObject({
      id: queued.body.id,
      status: 'sent',
      to: '+447700900560',
    });
    expect(events.find((e) => e.type === 'message.received')!.data).toMatchObject({
      direction: 'in',
      from: '+4915112345678',
      body: 'hello there',
    });
  });

  it('reports a message that may have gone out as unknown, over GET and the message.unknown webhook', async () => {
    const r = await rig({ allowPrivate: true });
    const rx = await new WebhookReceiver().listen();
    appliance.defer(() => rx.close());
    await r.daemon.webhooks.service.create(
      { admin: true },
      { url: rx.url, events: ['message.unknown'] },
    );
    // A part sent with AT+CMGS when the daemon died, on a SIM no modem shows now: what the
    // store holds after the restart's at-most-once decision (another connection, as a CLI has).
    const db = openDatabase(path.join(r.dir, 'simpool.db'));
    appliance.defer(() => Promise.resolve(db.close()));
    const { outbound } = createRepositories(db);
    const iccid = '8944100000000000999';
    const message = composeOutbound({
      to: '+447700900561',
      text: 'in doubt',
      iccid,
      now: r.clock.now(),
    });
    await outbound.enqueue(message);
    await outbound.claimPart(message.id, iccid, r.clock.now());
    await outbound.recordDirectSend(message.id, 1);
    await outbound.markPartUnknown(
      message.id,
      1,
      'no answer after the PDU went out',
      r.clock.now(),
    );
    const got = await call(r, 'GET', `/api/v1/messages/${message.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      status: 'unknown',
      error: { code: 'sms_send_unknown', detail: 'no answer after the PDU went out' },
      parts_detail: [{ status: 'unknown' }],
    });
    const listed = await call(r, 'GET', '/api/v1/messages?direction=out&status=unknown');
    expect((listed.body.data as Array<{ id: string }>).map((m) => m.id)).toEqual([message.id]);
    for (let step = 0; step < 300 && rx.received.length < 1; step++) {
      await r.clock.advance(100);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const event = JSON.parse(rx.received[0]!.body) as { type: string; data: unknown };
    expect(event).toMatchObject({
      type: 'message.unknown',
      data: { id: message.id, status: 'unknown', error: { code: 'sms_send_unknown' } },
    });
  });

  it('routes around a SIM rented in an open order, unless the message asked for it', async () => {
    const r = await rig();
    const buyer = await customer(r, 'renter@example.com');
    const bought = await call(r, 'POST', '/api/v1/customer/purchase', {
      key: buyer.key,
      body: { service: 'tg', country: 'GB' },
    });
    expect(bought.status).toBe(201);
    const rented = (
      await r.daemon.rental.orders.get(buyer.customerId, String(bought.body.order_id))
    ).simIccid;
    // Two GB SIMs in the appliance: routing prefers the recipient's country, but not the rented one.
    const ids: string[] = [];
    for (const i of [1, 2, 3]) {
      const queued = await send(r, { to: '+447700900321', body: `routed ${i}` });
      ids.push(String(queued.body.id));
    }
    for (const id of ids) await untilStatus(r, id, 'delivered');
    const senders = await Promise.all(
      ids.map(async (id) => (await call(r, 'GET', `/api/v1/messages/${id}`)).body.sim_id),
    );
    expect(senders.every((sim) => sim !== rented)).toBe(true);
    expect(await sentBy(r, rented)).toEqual([]);
    // Asked for by number, the rented SIM still sends (the operator chose it).
    const number = String(bought.body.phone_number);
    const pinned = await send(r, {
      to: '+447700900321',
      body: 'from the rented SIM',
      from: number,
    });
    await untilStatus(r, String(pinned.body.id), 'delivered');
    expect(await sentBy(r, rented)).toEqual([{ to: '+447700900321', text: 'from the rented SIM' }]);
  });
});

import { stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ensureAdminCredential, rotateAdminCredential } from '../../src/daemon/index.js';
import { whileAdvancing } from '../helpers/advance.js';
import { useAppliance } from '../helpers/appliance.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { admin, adminRig, advanceUntilAsync, customer, login, modemOf } from './admin-rig.js';

/**
 * The admin API's live feed, modem controls, webhook retry and the credential file, over the
 * whole appliance on a ManualClock with real HTTP and WebSocket clients on 127.0.0.1.
 */
const appliance = useAppliance();

type Frame = Record<string, unknown> & { type: string };

function connect(url: string, options: WebSocket.ClientOptions = {}) {
  const socket = new WebSocket(url, options);
  const frames: Frame[] = [];
  const closed = new Promise<{ code: number }>((resolve) =>
    socket.on('close', (code) => resolve({ code })),
  );
  socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8')) as Frame));
  socket.on('error', () => undefined);
  appliance.defer(async () => {
    socket.terminate();
    await closed;
  });
  return { socket, frames, closed };
}

describe('/ws/admin', () => {
  it('refuses anything but an admin with 4401, and streams modem and outbox frames', async () => {
    const r = await adminRig(appliance.start, { modems: 2 });
    const ws = r.base.replace(/^http/, 'ws');
    const alice = await customer(r.daemon, 'alice@example.com');
    expect((await connect(`${ws}/ws/admin`).closed).code).toBe(4401);
    expect((await connect(`${ws}/ws/admin?api_key=${alice.key}`).closed).code).toBe(4401);
    expect(
      (await connect(`${ws}/ws/admin`, { headers: { cookie: 'simpool_admin=x' } }).closed).code,
    ).toBe(4401);

    const { cookie } = await login(r);
    // The session cookie is for the admin page's own origin, not another page on this host.
    const elsewhere = { cookie, origin: 'http://127.0.0.1:1' };
    expect((await connect(`${ws}/ws/admin`, { headers: elsewhere }).closed).code).toBe(4401);
    const feed = connect(`${ws}/ws/admin`, { headers: { cookie, origin: r.base } });
    const byKey = connect(`${ws}/ws/admin?api_key=${r.credential}`);
    await advanceUntilAsync(r, () => feed.frames.length > 0 && byKey.frames.length > 0, 'hello');
    expect(feed.frames[0]).toEqual({ type: 'hello' });
    expect(byKey.frames[0]).toEqual({ type: 'hello' });

    // An SMS nobody ordered: the modem's last SMS changes.
    const modem = r.daemon.simulator!.bank.modems[1]!;
    modem.injectSms({ from: '+447700900123', text: 'hello operator' });
    await advanceUntilAsync(
      r,
      () => feed.frames.some((f) => f.type === 'modem' && hasSms(f, 'simulated:1')),
      'a modem frame',
    );

    // An order's SMS: the outbox events reach the feed as they are committed.
    const order = await r.daemon.rental.orders.purchase(alice, { service: 'tg', country: 'GB' });
    modemOf(r.daemon, order).injectSms({ from: 'Telegram', text: 'Telegram code: 40411' });
    await advanceUntilAsync(
      r,
      () => feed.frames.some((f) => eventType(f) === 'sms.received'),
      'the sms.received event',
    );
    const event = feed.frames.find((f) => eventType(f) === 'sms.received')!.event as Frame;
    expect(event).toMatchObject({ id: expect.stringMatching(/^evt_/) as unknown });
    expect((event.data as Frame).code).toBe('40411');
    expect(byKey.frames.some((f) => eventType(f) === 'sms.received')).toBe(true);
  });
});

function hasSms(frame: Frame, id: string): boolean {
  const modem = frame.modem as Frame;
  return modem.id === id && modem.last_sms_at !== null;
}

function eventType(frame: Frame): unknown {
  return frame.type === 'event' ? (frame.event as Frame).type : undefined;
}

describe('modem controls', () => {
  it('resets a modem, answers USSD and queues a test SMS from its SIM', async () => {
    const r = await adminRig(appliance.start, { modems: 2 });
    const id = encodeURIComponent('simulated:0');
    // The network answers a USSD code later (simulated time): the clock runs meanwhile.
    const ussd = await whileAdvancing(
      r.clock,
      admin(r, 'POST', `/modems/${id}/ussd`, { body: { code: '*100#' } }),
    );
    expect(ussd.status).toBe(200);
    expect(ussd.body.response).toBe('Your balance is 12.34. Thank you.');
    expect((await admin(r, 'POST', `/modems/${id}/ussd`, { body: { code: 'AT' } })).status).toBe(
      400,
    );

    const sent = await admin(r, 'POST', `/modems/${id}/test-sms`, {
      body: { to: '+447700900555', body: 'admin test' },
    });
    expect(sent.status).toBe(202);
    // Checked like any message of the Messaging API: the bad field is named.
    const bad = await admin(r, 'POST', `/modems/${id}/test-sms`, {
      body: { to: '07700900555', body: 'admin test' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ field: 'to' })]);
    const simulated = r.daemon.simulator!.bank.modems[0]!;
    await advanceUntilAsync(r, () => simulated.sent.length > 0, 'the test SMS to go out');
    expect(simulated.sent[0]).toMatchObject({ to: '+447700900555' });
    const out = await admin(r, 'GET', '/messages?direction=out');
    expect(out.body.data![0]).toMatchObject({
      id: sent.body.id,
      direction: 'out',
      body: 'admin test',
    });

    const reset = await admin(r, 'POST', `/modems/${id}/reset`);
    expect(reset.status).toBe(200);
    expect(r.daemon.pool.modems()[0]!.state).toBe('recovering');
    expect((await admin(r, 'POST', `/modems/${id}/reset`)).status).toBe(409);
    await advanceUntilAsync(r, () => r.daemon.pool.modems()[0]!.state === 'ready', 'ready again');
    const detail = await admin(r, 'GET', `/modems/${id}`);
    const types = (detail.body.events as Frame[]).map((e) => e.type);
    expect(types).toContain('reset');
    expect(types).toContain('ussd');
    expect(types).toContain('test_sms');
  });
});

describe('webhook deliveries', () => {
  it('lists every endpoint and retries a delivery at once', async () => {
    const r = await adminRig(appliance.start, {
      startMs: Math.floor(Date.now() / 1000) * 1000,
      configure: (config) => ({ ...config, webhooks: { ...config.webhooks, allowPrivate: true } }),
    });
    const rx = await new WebhookReceiver((n) => ({ status: n === 0 ? 500 : 200 })).listen();
    appliance.defer(() => rx.close());
    const { endpoint } = await r.daemon.webhooks.service.create(
      { admin: true },
      { url: rx.url, events: ['sms.received', 'modem.offline'] },
    );
    await r.daemon.webhooks.service.sendTest({ admin: true }, endpoint.id);
    await advanceUntilAsync(r, () => rx.received.length === 1, 'the first attempt');
    const deliveriesOf = async () =>
      (await admin(r, 'GET', `/webhooks/${endpoint.id}/deliveries`)).body.data!;
    await advanceUntilAsync(r, async () => (await deliveriesOf())[0]?.attempt === 1, 'recorded');
    const [failed] = await deliveriesOf();
    expect(failed).toMatchObject({ status: 'pending', response_status: 500 });

    const endpoints = (await admin(r, 'GET', '/webhooks')).body.data!;
    expect(endpoints).toEqual([expect.objectContaining({ id: endpoint.id, customer_id: null })]);

    // Due in a minute; the retry makes it due now.
    const retried = await admin(r, 'POST', `/webhooks/deliveries/${String(failed!.id)}/retry`);
    expect(retried.status).toBe(200);
    await rx.waitFor(2);
    await advanceUntilAsync(r, async () => (await deliveriesOf())[0]?.status === 'succeeded', 'ok');
    expect(r.clock.now() - Date.parse(String(failed!.created_at))).toBeLessThan(60_000);
    expect(
      (await admin(r, 'POST', `/webhooks/deliveries/${String(failed!.id)}/retry`)).status,
    ).toBe(409);
    expect((await admin(r, 'POST', '/webhooks/deliveries/whd_nope/retry')).status).toBe(404);
  });
});

describe('a webhook endpoint paused by failures', () => {
  it('is listed paused since when, its owner is told, and a successful probe resumes it', async () => {
    const MINUTE = 60_000;
    // One modem: the hour and a half of simulated time runs every modem's timers too.
    const r = await adminRig(appliance.start, {
      modems: 1,
      startMs: Math.floor(Date.now() / 1000) * 1000,
      configure: (config) => ({
        ...config,
        webhooks: {
          ...config.webhooks,
          allowPrivate: true,
          pauseAfterHours: 1,
          probeIntervalMinutes: 15,
        },
      }),
    });
    const receiver = async (status: number) => {
      const rx = await new WebhookReceiver(() => ({ status })).listen();
      appliance.defer(() => rx.close());
      return rx;
    };
    const down = await receiver(503);
    const notices = await receiver(200);
    const alice = await customer(r.daemon, 'alice@example.com');
    const scope = { customerId: alice.customerId };
    const { endpoint } = await r.daemon.webhooks.service.create(scope, {
      url: down.url,
      events: ['order.finished'],
    });
    await r.daemon.webhooks.service.create(scope, { url: notices.url, events: ['webhook.paused'] });
    await r.daemon.webhooks.service.sendTest(scope, endpoint.id);
    const listed = async () =>
      (await admin(r, 'GET', '/webhooks')).body.data!.find((e) => e.id === endpoint.id)!;
    /** Minutes of simulated time, each with a moment of real time for the HTTP round trips. */
    const minutesUntil = async (done: () => Promise<boolean>, what: string) => {
      for (let i = 0; i < 120; i++) {
        if (await done()) return;
        await r.clock.advance(MINUTE);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`timed out waiting for ${what}`);
    };

    await minutesUntil(async () => (await listed()).failure_count === 3, 'three failures');
    expect(await listed()).toMatchObject({ paused: false, paused_at: null, pause_reason: null });
    await minutesUntil(async () => (await listed()).paused === true, 'the pause');
    const paused = await listed();
    expect(paused).toMatchObject({
      customer_id: alice.customerId,
      active: true,
      paused: true,
      pause_reason: 'failures',
      paused_at: expect.stringMatching(/^\d{4}-.+Z$/) as string,
      failing_since: expect.stringMatching(/^\d{4}-.+Z$/) as string,
    });
    const span = Date.parse(String(paused.paused_at)) - Date.parse(String(paused.failing_since));
    expect(span).toBeGreaterThanOrEqual(60 * MINUTE);
    await notices.waitFor(1);
    expect(JSON.parse(notices.received[0]!.body)).toMatchObject({
      type: 'webhook.paused',
      data: { endpoint_id: endpoint.id, paused_at: paused.paused_at },
    });

    down.setScript(() => ({ status: 200 }));
    await minutesUntil(async () => (await listed()).paused === false, 'the probe');
    expect(await listed()).toMatchObject({ pause_reason: null, failing_since: null });
    expect(down.received.at(-1)!.headers['webhook-id']).toBe(
      down.received[0]!.headers['webhook-id'],
    );
  }, 60_000);
});

describe('the admin credential', () => {
  it('is generated on first start into a 0600 file, kept across starts, rotated on request', async () => {
    const r = await adminRig(appliance.start);
    const file = path.join(r.dir, 'admin-credential');
    expect(r.daemon.admin.credential).toMatchObject({ created: true, file });
    expect(r.credential).toMatch(/^sp_live_[0-9A-Za-z]{32}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toBe(`${r.credential}\n`);
    const auth = await r.daemon.rental.customers.authenticate(r.credential);
    expect([...(auth?.key.scopes ?? [])].sort()).toEqual(['admin', 'messages', 'orders']);
    expect(auth?.customer.email).toBe('operator@simpool.local');

    // What the next start finds: the same credential, not created (so not printed).
    const again = await ensureAdminCredential(r.dir, r.daemon.admin.operator);
    expect(again).toEqual({ credential: r.credential, file, created: false });

    const rotated = await rotateAdminCredential(r.dir, r.daemon.admin.operator);
    expect(rotated.credential).not.toBe(r.credential);
    expect(await readFile(file, 'utf8')).toBe(`${rotated.credential}\n`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await r.daemon.rental.customers.authenticate(r.credential)).toBeNull();
    const loggedIn = await admin(r, 'GET', '/overview', { key: rotated.credential });
    expect(loggedIn.status).toBe(200);
  });
});

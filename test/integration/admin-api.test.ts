import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { useAppliance } from '../helpers/appliance.js';
import { admin, adminRig, advanceUntilAsync, customer, login, modemOf } from './admin-rig.js';

/**
 * The admin API (docs/admin-api.md) on the daemon's listening server over the whole appliance:
 * simulated modems, SQLite, the order engine, on a ManualClock.
 */
const appliance = useAppliance();

describe('admin API authentication', () => {
  it('logs in with the credential, checks the CSRF token on cookie changes, and logs out', async () => {
    const r = await adminRig(appliance.start);
    expect(
      (await admin(r, 'POST', '/login', { key: null, body: { credential: 'nope' } })).status,
    ).toBe(401);
    const wrong = await admin(r, 'POST', '/login', {
      key: null,
      body: { credential: `sp_live_${'x'.repeat(32)}` },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('unauthorized');

    const response = await admin(r, 'POST', '/login', {
      key: null,
      body: { credential: r.credential },
    });
    expect(response.status).toBe(200);
    const cookieHeader = response.headers.get('set-cookie') ?? '';
    expect(cookieHeader).toMatch(/^simpool_admin=[^;]+;/);
    expect(cookieHeader).toMatch(/HttpOnly/i);
    expect(cookieHeader).toMatch(/SameSite=Strict/i);
    expect(cookieHeader).toMatch(/Path=\//);
    const { cookie, csrf } = await login(r);

    const session = await admin(r, 'GET', '/session', { cookie });
    expect(session.status).toBe(200);
    expect(session.body.csrf_token).toBe(csrf);
    expect((await admin(r, 'GET', '/modems', { cookie })).status).toBe(200);

    const body = { service: 'tg', country: 'GB', price: 0.75 };
    const missing = await admin(r, 'PUT', '/prices', { cookie, body });
    expect(missing.status).toBe(403);
    expect(missing.body.error).toBe('forbidden');
    expect((await admin(r, 'PUT', '/prices', { cookie, body, csrf: 'wrong' })).status).toBe(403);
    expect((await admin(r, 'PUT', '/prices', { cookie, body, csrf })).status).toBe(200);

    // Logging out needs the token too; afterwards the cookie is worth nothing.
    expect((await admin(r, 'POST', '/logout', { cookie })).status).toBe(403);
    expect((await admin(r, 'POST', '/logout', { cookie, csrf })).status).toBe(200);
    expect((await admin(r, 'GET', '/session', { cookie })).status).toBe(401);
    expect((await admin(r, 'GET', '/modems', { cookie })).status).toBe(401);
  });

  it('refuses requests without a credential (401) and customer keys (403)', async () => {
    const r = await adminRig(appliance.start);
    const alice = await customer(r.daemon, 'alice@example.com');
    const none = await admin(r, 'GET', '/overview', { key: null });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ success: false, error: 'unauthorized' });
    expect(typeof none.body.request_id).toBe('string');
    for (const [method, path] of [
      ['GET', '/overview'],
      ['GET', '/customers'],
      ['POST', '/customers'],
      ['GET', '/sims'],
    ] as const) {
      const body = method === 'GET' ? undefined : {};
      const answer = await admin(r, method, path, { key: alice.key, body });
      expect(answer.status, `${method} ${path}`).toBe(403);
    }
    // A customer key cannot open a session either.
    expect(
      (await admin(r, 'POST', '/login', { key: null, body: { credential: alice.key } })).status,
    ).toBe(401);
  });
});

describe('admin login throttle and /health', () => {
  it('refuses an address after wrong logins, the right credential too, until the window ends', async () => {
    const r = await adminRig(appliance.start, {
      configure: (config) => ({
        ...config,
        api: { ...config.api, authFailureLimit: 3, authFailureWindowSeconds: 60 },
      }),
    });
    const tryLogin = (credential: string) =>
      admin(r, 'POST', '/login', { key: null, body: { credential } });
    for (let i = 0; i < 3; i++) expect((await tryLogin(`guess-${i}`)).status).toBe(401);
    const refused = await tryLogin(r.credential);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ success: false, error: 'rate_limited' });
    expect(Number(refused.headers.get('retry-after'))).toBe(60);
    // An admin key from the same address is refused unseen as well, over REST and /ws/admin.
    expect((await admin(r, 'GET', '/overview')).status).toBe(429);
    const feed = new WebSocket(`${r.base.replace(/^http/, 'ws')}/ws/admin?api_key=${r.credential}`);
    feed.on('error', () => undefined);
    expect(await new Promise((resolve) => feed.on('close', (code) => resolve(code)))).toBe(4429);
    const metrics = await (await fetch(`${r.base}/metrics`)).text();
    expect(metrics).toContain('simpool_auth_failures_total{door="admin_login"} 3');
    expect(metrics).toContain('simpool_auth_throttled_total{door="admin_login"} 1');
    expect(metrics).toContain('simpool_auth_throttled_total{door="rest"} 1');
    expect(metrics).toContain('simpool_auth_throttled_total{door="ws"} 1');

    await r.clock.advance(60_000);
    const { cookie } = await login(r);
    // The session reads /health's modem details; without it only the status.
    const detailed = (await (await fetch(`${r.base}/health`, { headers: { cookie } })).json()) as {
      modems?: unknown[];
    };
    expect(detailed.modems).toHaveLength(5);
    expect(await (await fetch(`${r.base}/health`)).json()).toEqual({ status: 'ok' });
  });
});

describe('admin API views and changes', () => {
  it('lists the simulated modems with their SIMs, one with its timeline', async () => {
    const r = await adminRig(appliance.start, { modems: 3 });
    const list = await admin(r, 'GET', '/modems');
    expect(list.status).toBe(200);
    const modems = list.body.data!;
    expect(modems.map((m) => m.id)).toEqual(['simulated:0', 'simulated:1', 'simulated:2']);
    for (const modem of modems) {
      expect(modem).toMatchObject({ state: 'ready', recovery_step: null, current_order_id: null });
      expect(modem.imei).toMatch(/^\d{15}$/);
      expect(modem.iccid).toMatch(/^\d{18,22}/);
      expect(typeof modem.signal_dbm).toBe('number');
    }
    const one = await admin(r, 'GET', `/modems/${encodeURIComponent('simulated:1')}`);
    expect(one.status).toBe(200);
    expect(one.body.id).toBe('simulated:1');
    const events = one.body.events as Array<{ type: string; detail: string }>;
    expect(events.some((e) => e.type === 'state' && e.detail.includes('ready'))).toBe(true);
    expect((await admin(r, 'GET', '/modems/nope')).status).toBe(404);

    const overview = await admin(r, 'GET', '/overview');
    expect(overview.body).toMatchObject({
      modems: { ready: 3, degraded: 0, offline: 0 },
      open_orders: 0,
      webhook_lag_seconds: 0,
    });
  });

  it('a disabled SIM is never sold; notes and blacklist are kept', async () => {
    const r = await adminRig(appliance.start, { modems: 2 });
    const alice = await customer(r.daemon, 'alice@example.com', 50);
    const sims = (await admin(r, 'GET', '/sims')).body.data!;
    const gb = sims.filter((s) => s.country === 'GB');
    expect(gb.length).toBeGreaterThan(0);
    for (const sim of gb) {
      const patched = await admin(r, 'PATCH', `/sims/${String(sim.iccid)}`, {
        body: { enabled: false, notes: 'top-up due', blacklist: ['wa'] },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        enabled: false,
        notes: 'top-up due',
        blacklist: ['wa'],
      });
    }
    const refused = await fetch(`${r.base}/api/v1/customer/purchase`, {
      method: 'POST',
      headers: { 'x-api-key': alice.key, 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'tg', country: 'GB' }),
    });
    expect(refused.status).toBe(409);

    const iccid = String(gb[0]!.iccid);
    await admin(r, 'PATCH', `/sims/${iccid}`, { body: { enabled: true, blacklist: [] } });
    const order = await r.daemon.rental.orders.purchase(alice, { service: 'tg', country: 'GB' });
    expect(order.simIccid).toBe(iccid);
    const after = (await admin(r, 'GET', '/sims')).body.data!.find((s) => s.iccid === iccid)!;
    expect(after).toMatchObject({ enabled: true, notes: 'top-up due', blacklist: [] });
    expect(after.usage).toEqual([{ service: 'tg', orders: 1 }]);
    // Every host's SIMs are listed with the host whose modem holds them and its lease.
    expect(Object.keys(after)).toEqual(expect.arrayContaining(['host', 'host_state']));
    expect(r.daemon.pool.modems().length).toBe(2);
    const unknown = await admin(r, 'PATCH', `/sims/${iccid}`, { body: { blacklist: ['zz9'] } });
    expect(unknown.status).toBe(400);
    expect((await admin(r, 'PATCH', '/sims/123456', { body: { notes: 'x' } })).status).toBe(404);
  });

  it('creates a customer with an orders key, tops it up, lists, creates and revokes keys', async () => {
    const r = await adminRig(appliance.start);
    const created = await admin(r, 'POST', '/customers', {
      body: { email: 'Shop@Example.com', balance: 5 },
    });
    expect(created.status).toBe(201);
    const id = String((created.body.customer as { id: string }).id);
    expect(created.body.customer).toMatchObject({ email: 'shop@example.com', balance: 5 });
    const auth = await r.daemon.rental.customers.authenticate(String(created.body.api_key));
    expect(auth?.key.scopes).toEqual(['orders']);

    const topped = await admin(r, 'POST', `/customers/${id}/topup`, { body: { amount: 2.5 } });
    expect(topped.body).toEqual({ success: true, balance: 7.5 });
    const list = await admin(r, 'GET', '/customers?q=shop');
    expect(list.body.data).toEqual([
      expect.objectContaining({ id, email: 'shop@example.com', balance: 7.5, open_orders: 0 }),
    ]);
    // The operator account is not a customer.
    expect((await admin(r, 'GET', '/customers')).body.data!.map((c) => c.id)).toEqual([id]);

    const key = await admin(r, 'POST', `/customers/${id}/keys`, { body: { sandbox: true } });
    expect(key.status).toBe(201);
    expect(String(key.body.api_key)).toMatch(/^sp_test_/);
    const keys = (await admin(r, 'GET', `/customers/${id}/keys`)).body.data!;
    expect(keys).toHaveLength(2);
    const revoked = await admin(r, 'DELETE', `/customers/${id}/keys/${String(key.body.key_id)}`);
    expect(revoked.status).toBe(200);
    expect(await r.daemon.rental.customers.authenticate(String(key.body.api_key))).toBeNull();
    expect(
      (await admin(r, 'POST', '/customers', { body: { email: 'shop@example.com' } })).status,
    ).toBe(400);
    expect((await admin(r, 'GET', '/customers/cus_nope/keys')).status).toBe(404);

    // `operator` names the operator account: its own keys, e.g. one for the Messaging API.
    const ops = await admin(r, 'POST', '/customers/operator/keys', {
      body: { scopes: ['messages'] },
    });
    expect(ops.status).toBe(201);
    const opsAuth = await r.daemon.rental.customers.authenticate(String(ops.body.api_key));
    expect(opsAuth?.key.scopes).toEqual(['messages']);
    expect(opsAuth?.customer.email).toBe('operator@simpool.local');
    const opsKeys = (await admin(r, 'GET', '/customers/operator/keys')).body.data!;
    expect(opsKeys.map((k) => k.id)).toContain(ops.body.key_id);
  });

  it('updates a price in the catalog and lists orders and messages of every customer', async () => {
    const r = await adminRig(appliance.start);
    expect(
      (await admin(r, 'PUT', '/prices', { body: { service: 'tg', country: 'gb', price: 1.25 } }))
        .status,
    ).toBe(200);
    const catalog = (await admin(r, 'GET', '/catalog')).body;
    const prices = catalog.prices as Array<{ service: string; country: string; price: number }>;
    expect(prices.find((p) => p.service === 'tg' && p.country === 'GB')?.price).toBe(1.25);
    expect((catalog.services as unknown[]).length).toBeGreaterThan(0);

    const alice = await customer(r.daemon, 'alice@example.com');
    const bob = await customer(r.daemon, 'bob@example.com');
    const first = await r.daemon.rental.orders.purchase(alice, { service: 'tg', country: 'GB' });
    const second = await r.daemon.rental.orders.purchase(bob, { service: 'tg', country: 'GB' });
    expect(first.priceUnits).toBe(12_500);
    modemOf(r.daemon, second).injectSms({ from: 'Telegram', text: 'Telegram code: 55123' });
    await advanceUntilAsync(r, async () => {
      const order = await r.daemon.rental.orders.get(bob.customerId, second.id);
      return order.status === 'received';
    });

    const orders = await admin(r, 'GET', '/orders?limit=1');
    expect(orders.body.data).toEqual([
      expect.objectContaining({ order_id: second.id, customer_id: bob.customerId, code: '55123' }),
    ]);
    const page2 = await admin(
      r,
      'GET',
      `/orders?limit=1&cursor=${String(orders.body.next_cursor)}`,
    );
    expect(page2.body.data!.map((o) => o.order_id)).toEqual([first.id]);
    const received = await admin(r, 'GET', '/orders?status=received');
    expect(received.body.data!.map((o) => o.order_id)).toEqual([second.id]);

    const messages = await admin(r, 'GET', '/messages?direction=in&q=55123');
    expect(messages.body.data).toEqual([
      expect.objectContaining({ direction: 'in', from: 'Telegram', status: 'received', parts: 1 }),
    ]);
    expect(String(messages.body.data![0]!.id)).toMatch(/^in_\d+$/);

    const hours = (await admin(r, 'GET', '/stats/sms-per-hour')).body.data!;
    expect(hours).toHaveLength(24);
    expect(hours.at(-1)).toEqual({ hour: '2026-11-22T12:00:00.000Z', in: 1, out: 0 });
    expect(hours[0]!.hour).toBe('2026-11-21T13:00:00.000Z');

    const overview = (await admin(r, 'GET', '/overview')).body;
    expect(overview).toMatchObject({ sms_in_last_minute: 1, open_orders: 2 });
    const modems = (await admin(r, 'GET', '/modems')).body.data!;
    const busy = modems.find((m) => m.iccid === second.simIccid)!;
    expect(busy.current_order_id).toBe(second.id);
    expect(Date.parse(String(busy.last_sms_at))).toBeGreaterThanOrEqual(second.createdAt);

    const system = (await admin(r, 'GET', '/system')).body;
    expect(system).toMatchObject({ success: true, health: { database: true, modems_ready: 5 } });
    expect(Object.keys(system.config as object)).not.toContain('pins');
    expect(system.started_at).toBe('2026-11-22T12:00:00.000Z');
  });
});

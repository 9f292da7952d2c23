import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiServer } from '../../src/api/index.js';
import { WebhookService, type CustomerService } from '../../src/domain/index.js';
import { apiRig, type ApiRig } from '../unit/api/api-harness.js';
import { PATH as LEGACY } from '../unit/api/legacy-harness.js';

/**
 * Security sweep of the whole HTTP surface on a LISTENING server (127.0.0.1, port 0) over the real
 * domain services and SQLite (apiRig with webhooks and the event outbox): every REST route (the
 * table must name every route the app registered, so a new route cannot escape), every legacy
 * action and the /ws/orders upgrade, against bad keys, other customers' ids, oversized and
 * malformed bodies, hostile strings in every text field and the rate limit. Every answer is
 * checked by `inspect`: no 5xx, no stack or internal path, the error format, X-Request-Id.
 */

// ---------------------------------------------------------------------------------------------
// The wire

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  readonly label: string;
}

interface Request {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
  /** Sent with Transfer-Encoding: chunked (no Content-Length the server could refuse up front). */
  readonly chunks?: readonly Buffer[];
  /** The main world's server unless given. */
  readonly port?: number;
}

let port = 0;

function send(request: Request): Promise<Answer> {
  const label = `${request.method} ${request.path}`;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = { ...request.headers };
    if (request.body !== undefined) {
      headers['content-length'] = String(Buffer.byteLength(request.body));
    }
    const req = http.request(
      {
        host: '127.0.0.1',
        port: request.port ?? port,
        method: request.method,
        path: request.path,
        headers,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (chunk: Buffer) => parts.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(parts).toString('utf8'),
            label,
          }),
        );
      },
    );
    // The server may answer 413 and close before the whole body is written: the answer counts.
    req.on('error', reject);
    if (request.chunks) {
      for (const chunk of request.chunks) req.write(chunk);
    } else if (request.body !== undefined) {
      req.write(request.body);
    }
    req.end();
  });
}

/** Traces of internals that must never reach a client. */
const LEAKS = [
  /\/work\//,
  /node_modules/,
  /SqliteError/,
  /TypeError/,
  /ReferenceError/,
  /\n\s*at /,
  /\bat [\w.<>$]+ \(/,
  /\.[jt]s:\d+:\d+/,
];

/** The checks every answer of the sweep must pass; returns the parsed JSON body, if any. */
function inspect(answer: Answer, kind: 'rest' | 'legacy' = 'rest'): Record<string, unknown> {
  const where = `${answer.label} → ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, where).toBeGreaterThanOrEqual(200);
  expect(answer.status, where).toBeLessThan(500);
  for (const leak of LEAKS) expect(answer.text, where).not.toMatch(leak);
  const type = String(answer.headers['content-type'] ?? '');
  expect(type, where).not.toMatch(/html/i);
  if (kind === 'legacy') {
    expect(answer.status, where).toBe(200);
    expect(type, where).toMatch(/^(text\/plain|application\/json); charset=utf-8$/);
    if (type.startsWith('text/plain')) expect(answer.text, where).toMatch(/^[A-Z_]+(:[^\n]*)?$/);
    else return JSON.parse(answer.text) as Record<string, unknown>;
    return {};
  }
  const requestId = answer.headers['x-request-id'];
  expect(typeof requestId, where).toBe('string');
  expect(requestId, where).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
  expect(answer.headers['x-content-type-options'], where).toBe('nosniff');
  expect(type, where).toMatch(/^application\/json; charset=utf-8$/);
  const body = JSON.parse(answer.text) as Record<string, unknown>;
  if (answer.status >= 400) {
    expect(body, where).toMatchObject({ success: false, request_id: requestId });
    expect(body.error, where).toMatch(/^[a-z_]+$/);
    expect(typeof body.message, where).toBe('string');
  } else if (!answer.label.startsWith('GET /health ') && !answer.label.endsWith('/health')) {
    expect(body.success, where).toBe(true);
  }
  return body;
}

async function expectError(request: Request, status: number, code: string) {
  const answer = await send(request);
  const body = inspect(answer);
  expect(answer.status, `${answer.label} ${answer.text}`).toBe(status);
  expect(body.error, answer.label).toBe(code);
  return { answer, body };
}

// ---------------------------------------------------------------------------------------------
// The world: alice (the asking customer), bob (another customer with an order and a webhook),
// and keys that must not work.

const PUBLIC_IP: Readonly<Record<string, string[]>> = { 'hooks.example.com': ['93.184.216.34'] };
const HOOK = { url: 'https://hooks.example.com/in', events: ['sms.received'] };

interface World {
  readonly rig: ApiRig;
  readonly port: number;
  readonly routes: ReadonlySet<string>;
  readonly alice: string;
  readonly aliceOrder: { id: string; activation: string };
  readonly aliceHook: string;
  readonly bobKey: string;
  readonly bobOrder: { id: string; activation: string };
  readonly bobHook: string;
  readonly revoked: string;
  readonly banned: string;
  readonly messagesOnly: string;
  readonly webhooks: WebhookService;
}

function collectRoutes(into: Set<string>) {
  return (app: ApiServer) => {
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        // HEAD twins of GET routes answer like them without a body.
        if (method !== 'HEAD') into.add(`${method} ${route.url}`);
      }
    });
  };
}

/**
 * `authFailureLimit`: the sweep sends hundreds of wrong keys from 127.0.0.1 on purpose, so the
 * failed-authentication throttle is out of its way unless a test is about it.
 */
async function world(rateLimitPerMinute = 100_000, authFailureLimit = 100_000): Promise<World> {
  const routes = new Set<string>();
  let webhooks!: WebhookService;
  const rig = await apiRig(
    (fx) => {
      webhooks = new WebhookService(fx.store.webhooks, fx.clock, {
        resolve: (host) => Promise.resolve(PUBLIC_IP[host] ?? []),
      });
      return {
        webhooks,
        events: fx.store.events,
        config: { rateLimitPerMinute, authFailureLimit, legacyMode: 'sms-activate' },
      };
    },
    { beforeReady: collectRoutes(routes) },
  );
  await rig.app.listen({ host: '127.0.0.1', port: 0 });
  const { fx } = rig;
  const aliceKey = (await fx.customers.authenticate(rig.key))!.key.id;
  const aliceOrder = await fx.orders.purchase(
    { customerId: rig.customerId, apiKeyId: aliceKey },
    { service: 'tg', country: 'GB' },
  );
  const bob = await fx.customer('bob@example.com', 100_000);
  const bobOrder = await fx.orders.purchase(
    { customerId: bob.customerId, apiKeyId: bob.apiKeyId },
    { service: 'tg', country: 'GB' },
  );
  const aliceHook = await webhooks.create({ customerId: rig.customerId }, HOOK);
  const bobHook = await webhooks.create({ customerId: bob.customerId }, HOOK);
  const revoked = await fx.customers.createKey(rig.customerId);
  await fx.customers.revokeKey(rig.customerId, revoked.key.id);
  const carol = await fx.customer('carol@example.com', 100_000);
  await fx.customers.ban(carol.customerId, fx.clock.now() + 86_400_000);
  const messagesOnly = await fx.customers.createKey(rig.customerId, { scopes: ['messages'] });
  return {
    rig,
    port: (rig.app.server.address() as AddressInfo).port,
    routes,
    alice: rig.key,
    aliceOrder: { id: aliceOrder.id, activation: String(aliceOrder.activationId) },
    aliceHook: aliceHook.endpoint.id,
    bobKey: bob.plainKey,
    bobOrder: { id: bobOrder.id, activation: String(bobOrder.activationId) },
    bobHook: bobHook.endpoint.id,
    revoked: revoked.plainKey,
    banned: carol.plainKey,
    messagesOnly: messagesOnly.plainKey,
    webhooks,
  };
}

// ---------------------------------------------------------------------------------------------
// The route table: every REST route with valid inputs; each string in it is a text field the
// hostile sweep replaces.

interface RouteCase {
  readonly auth: 'customer' | 'public';
  /** What `:id` is; `fresh-webhook` makes a new endpoint per request (DELETE must not eat ours). */
  readonly id?: 'order' | 'webhook' | 'fresh-webhook';
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: Readonly<Record<string, unknown>>;
}

const TABLE: Readonly<Record<string, RouteCase>> = {
  'GET /healthz': { auth: 'public' },
  'GET /readyz': { auth: 'public' },
  'GET /health': { auth: 'public' },
  'GET /api/v1/price': { auth: 'public', query: { service: 'tg', country: 'GB' } },
  'GET /api/v1/customer/services': { auth: 'customer', query: { country: 'GB' } },
  'GET /api/v1/customer/countries': { auth: 'customer', query: { service: 'tg' } },
  'GET /api/v1/customer/balance': { auth: 'customer' },
  'GET /api/v1/customer/profile': { auth: 'customer' },
  'GET /api/v1/customer/transactions': {
    auth: 'customer',
    query: {
      type: 'purchase',
      from: '2020-01-01T00:00:00.000Z',
      to: '2100-01-01T00:00:00.000Z',
      limit: '5',
      cursor: 'abc',
    },
  },
  'POST /api/v1/customer/purchase': { auth: 'customer', body: { service: 'tg', country: 'GB' } },
  'GET /api/v1/customer/order/:id': { auth: 'customer', id: 'order' },
  'GET /api/v1/customer/orders': {
    auth: 'customer',
    query: { status: 'waiting', limit: '5', cursor: 'abc' },
  },
  'POST /api/v1/customer/cancel/:id': { auth: 'customer', id: 'order', body: {} },
  'POST /api/v1/customer/swap/:id': { auth: 'customer', id: 'order', body: {} },
  'POST /api/v1/customer/order/:id/retry': { auth: 'customer', id: 'order', body: {} },
  'POST /api/v1/customer/order/:id/finish': { auth: 'customer', id: 'order', body: {} },
  'POST /api/v1/customer/webhooks': {
    auth: 'customer',
    body: { ...HOOK, description: 'mine' },
  },
  'GET /api/v1/customer/webhooks': { auth: 'customer' },
  'GET /api/v1/customer/webhooks/:id': { auth: 'customer', id: 'webhook' },
  'PATCH /api/v1/customer/webhooks/:id': {
    auth: 'customer',
    id: 'webhook',
    body: { description: 'renamed' },
  },
  'DELETE /api/v1/customer/webhooks/:id': { auth: 'customer', id: 'fresh-webhook' },
  'POST /api/v1/customer/webhooks/:id/test': { auth: 'customer', id: 'webhook', body: {} },
  'GET /api/v1/customer/webhooks/:id/deliveries': {
    auth: 'customer',
    id: 'webhook',
    query: { limit: '5', cursor: 'abc' },
  },
};

/** Not in TABLE: swept by their own tests below. */
const LEGACY_ROUTES = [`GET ${LEGACY}`, `POST ${LEGACY}`];
/** Not JSON API either: test/integration/openapi.test.ts and metrics.test.ts cover them. */
const DOCUMENT_ROUTES = ['GET /openapi.json', 'GET /metrics'];
/** Pages, not JSON API: Swagger UI (@fastify/swagger-ui) and the admin page (test/e2e). */
const isPage = (route: string) => /^GET \/(docs(\/|$)|admin(\/|$)|$)/.test(route);

const SQLISH = [`' OR 1=1 --`, `"; DROP TABLE orders; --`, `1; SELECT * FROM api_keys`];
const SCRIPTISH = [`<script>alert(1)</script>`, `{{7*7}}`, '${jndi:ldap://x}', `../../etc/passwd`];
const UNICODE = ['\uD800', 'a\u0000b', '\u202Egnp.exe', '\uFEFF', 'ℌ𝔢𝔩𝔩𝔬', 'x'.repeat(5000)];
/** What fits in an HTTP header (printable ASCII). */
const HEADER_SAFE = [...SQLISH, ...SCRIPTISH];
const HOSTILE = [...SQLISH, ...SCRIPTISH, ...UNICODE];

interface Built {
  readonly method: string;
  readonly pattern: string;
  readonly c: RouteCase;
}

function split(route: string): Built {
  const [method, pattern] = route.split(' ') as [string, string];
  return { method, pattern, c: TABLE[route]! };
}

async function idFor(w: World, c: RouteCase): Promise<string> {
  if (c.id === 'order') return w.aliceOrder.id;
  if (c.id === 'webhook') return w.aliceHook;
  const fresh = await w.webhooks.create({ customerId: w.rig.customerId }, HOOK);
  return fresh.endpoint.id;
}

/** As a client would send it; a lone surrogate has no UTF-8 form, so its WTF-8 bytes go. */
function encodePath(value: string): string {
  let out = '';
  for (const ch of value) {
    const unit = ch.charCodeAt(0);
    const lone = ch.length === 1 && unit >= 0xd800 && unit <= 0xdfff;
    out += lone
      ? [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
          .map((b) => `%${b.toString(16).toUpperCase()}`)
          .join('')
      : encodeURIComponent(ch);
  }
  return out;
}

/** The route's request with valid values, then `change` applied (one field made hostile). */
async function build(
  w: World,
  route: Built,
  change: {
    id?: string;
    query?: Record<string, string>;
    body?: Record<string, unknown>;
    headers?: Record<string, string | string[]>;
    key?: string | null;
  } = {},
): Promise<Request> {
  const { method, pattern, c } = route;
  const id = change.id ?? (c.id ? await idFor(w, c) : '');
  const path = pattern.replace(':id', encodePath(id));
  const query = new URLSearchParams({ ...c.query, ...change.query }).toString();
  const headers: Record<string, string | string[]> = {};
  const key = change.key === undefined ? w.alice : change.key;
  if (c.auth === 'customer' && key !== null) headers['x-api-key'] = key;
  let body: string | undefined;
  if (c.body !== undefined) {
    body = JSON.stringify({ ...c.body, ...change.body });
    headers['content-type'] = 'application/json';
  }
  Object.assign(headers, change.headers);
  return {
    port: w.port,
    method,
    path: query ? `${path}?${query}` : path,
    headers,
    ...(body !== undefined ? { body } : {}),
  };
}

// ---------------------------------------------------------------------------------------------

let w: World;
beforeAll(async () => {
  w = await world();
  port = w.port;
});
afterAll(async () => {
  await w.rig.close();
});

const ROUTES = Object.keys(TABLE).map(split);
const CUSTOMER_ROUTES = ROUTES.filter((r) => r.c.auth === 'customer');

describe('the route table', () => {
  it('names every route the server registered, and nothing else', () => {
    expect([...w.routes].filter((route) => !isPage(route)).sort()).toEqual(
      [...Object.keys(TABLE), ...LEGACY_ROUTES, ...DOCUMENT_ROUTES].sort(),
    );
  });

  it('answers every route with valid inputs below 500 (the baseline of the sweep)', async () => {
    for (const route of ROUTES) inspect(await send(await build(w, route)));
  });
});

describe('keys', () => {
  const MALFORMED = [
    'x',
    `sp_live_${'A'.repeat(31)}`,
    `sp_live_${'A'.repeat(4000)}`,
    ...HEADER_SAFE,
    'sp_live_%00%00',
  ];

  it('refuses missing, wrong, revoked and malformed keys with 401 on every customer route', async () => {
    for (const route of CUSTOMER_ROUTES) {
      await expectError(await build(w, route, { key: null }), 401, 'unauthorized');
      for (const key of [`sp_live_${'A'.repeat(32)}`, w.revoked, ...MALFORMED]) {
        await expectError(await build(w, route, { key }), 401, 'unauthorized');
      }
      for (const authorization of ['Bearer', `Basic ${w.alice}`, `Bearer ${w.alice} extra`]) {
        const request = await build(w, route, { key: null, headers: { authorization } });
        await expectError(request, 401, 'unauthorized');
      }
      // A key header given twice is refused rather than guessed at.
      const twice = await build(w, route, {
        key: null,
        headers: { 'x-api-key': [w.alice, w.alice] },
      });
      await expectError(twice, 401, 'unauthorized');
    }
  });

  it('refuses a banned customer and a key without the orders scope with 403', async () => {
    for (const route of CUSTOMER_ROUTES) {
      const banned = await expectError(await build(w, route, { key: w.banned }), 403, 'forbidden');
      expect(banned.body.until).toMatch(/^\d{4}-\d\d-\d\dT/);
      await expectError(await build(w, route, { key: w.messagesOnly }), 403, 'forbidden');
    }
  });

  it('legacy: NO_KEY, BAD_KEY for wrong, revoked, malformed and scope-less keys, BANNED', async () => {
    const call = async (params: Record<string, string>, headers: Record<string, string> = {}) => {
      const path = `${LEGACY}?${new URLSearchParams(params).toString()}`;
      const answer = await send({ method: 'GET', path, headers });
      inspect(answer, 'legacy');
      return answer.text;
    };
    for (const action of ['getBalance', 'getNumber', 'getStatus', 'setStatus', 'foo', '']) {
      expect(await call({ action })).toBe('NO_KEY');
      for (const key of [`sp_live_${'A'.repeat(32)}`, w.revoked, w.messagesOnly, ...MALFORMED]) {
        expect(await call({ action, api_key: key }), `${action} ${key}`).toBe('BAD_KEY');
        expect(await call({ action }, { 'x-api-key': key }), `${action} ${key}`).toBe('BAD_KEY');
      }
      expect(await call({ action, api_key: w.banned })).toMatch(
        /^BANNED:\d{4}-\d{1,2}-\d{1,2} \d{1,2}-\d{1,2}-\d{1,2}$/,
      );
    }
    // The scope-less key is alice's: with her orders key the same call works.
    expect(await call({ action: 'getBalance', api_key: w.alice })).toMatch(/^ACCESS_BALANCE:/);
  });
});

describe("another customer's ids", () => {
  it('answers 404 not_found for bob’s ord_ id, activation id and webhook id on every id route', async () => {
    const before = await w.rig.fx.orders.get(await bobId(), w.bobOrder.id);
    for (const route of ROUTES.filter((r) => r.c.id !== undefined)) {
      const foreign = route.c.id === 'order' ? [w.bobOrder.id, w.bobOrder.activation] : [w.bobHook];
      const unknown = route.c.id === 'order' ? ['ord_zzzzzzzz', '999999999'] : ['whe_zzzzzzzz'];
      for (const id of [...foreign, ...unknown]) {
        const { body } = await expectError(await build(w, route, { id }), 404, 'not_found');
        // Indistinguishable from an id that never existed: nothing of bob's is named.
        expect(JSON.stringify(body)).not.toContain(w.bobOrder.id);
      }
    }
    // Bob's order and endpoint are untouched (cancel, swap, finish, PATCH, DELETE all refused).
    const after = await w.rig.fx.orders.get(await bobId(), w.bobOrder.id);
    expect(after.status).toBe(before.status);
    expect(after.phoneNumber).toBe(before.phoneNumber);
    const hook = await w.webhooks.get({ customerId: await bobId() }, w.bobHook);
    expect(hook.description).toBe('');
    // Bob's own key still sees both (the ids were real).
    const own = await send({
      method: 'GET',
      path: `/api/v1/customer/order/${w.bobOrder.id}`,
      headers: { 'x-api-key': w.bobKey },
    });
    expect(own.status).toBe(200);
  });

  it("legacy: NO_ACTIVATION for bob's activation id on every action that takes an id", async () => {
    const actions: Array<Record<string, string>> = [
      { action: 'getStatus' },
      { action: 'getStatusV2' },
      { action: 'getFullSms' },
      { action: 'setStatus', status: '8' },
      { action: 'setStatus', status: '6' },
      { action: 'setStatus', status: '3' },
      { action: 'setStatus', status: '1' },
    ];
    for (const params of actions) {
      for (const method of ['GET', 'POST']) {
        const query = new URLSearchParams({
          ...params,
          id: w.bobOrder.activation,
          api_key: w.alice,
        });
        const answer = await send({ method, path: `${LEGACY}?${query.toString()}` });
        inspect(answer, 'legacy');
        expect(answer.text, JSON.stringify(params)).toBe('NO_ACTIVATION');
      }
    }
    const bob = await w.rig.fx.orders.get(await bobId(), w.bobOrder.id);
    expect(bob.status).toBe('waiting');
  });
});

async function bobId(): Promise<string> {
  return (await w.rig.fx.customers.authenticate(w.bobKey))!.customer.id;
}

describe('oversized bodies', () => {
  const BODY_ROUTES = ROUTES.filter((r) => r.method !== 'GET' && r.method !== 'DELETE');

  it('answers 413 payload_too_large to 1 MiB of JSON on every route with a body', async () => {
    expect(BODY_ROUTES.length).toBeGreaterThanOrEqual(8);
    const big = JSON.stringify({ service: 'tg', country: 'GB', pad: 'x'.repeat(1 << 20) });
    for (const route of BODY_ROUTES) {
      const request = { ...(await build(w, route)), body: big };
      await expectError(request, 413, 'payload_too_large');
      // Without a Content-Length the limit still holds while the body streams in.
      const chunks = Array.from({ length: 17 }, () => Buffer.alloc(64 * 1024, 0x20));
      const streamed = await build(w, route);
      const { body: _ignored, ...rest } = streamed;
      await expectError(
        { ...rest, headers: { ...rest.headers, 'transfer-encoding': 'chunked' }, chunks },
        413,
        'payload_too_large',
      );
    }
  });

  it('legacy: a 70 KiB form is not read (a token, HTTP 200) and a key inside it does not count', async () => {
    const form = `action=getBalance&api_key=${w.alice}&pad=${'x'.repeat(70 * 1024)}`;
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'application/json']) {
      const answer = await send({
        method: 'POST',
        path: LEGACY,
        headers: { 'content-type': type },
        body: form,
      });
      inspect(answer, 'legacy');
      // A token that says what went wrong, not ERROR_SQL (nothing failed inside).
      expect(answer.text).toBe('ERROR_BODY_TOO_LARGE');
    }
    // The same form without the padding is read (the refusal above was the size).
    const small = await send({
      method: 'POST',
      path: LEGACY,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `action=getBalance&api_key=${w.alice}`,
    });
    expect(small.text).toMatch(/^ACCESS_BALANCE:/);
  });
});

describe('malformed bodies, types and numbers', () => {
  const purchase = split('POST /api/v1/customer/purchase');
  const createHook = split('POST /api/v1/customer/webhooks');
  const patchHook = split('PATCH /api/v1/customer/webhooks/:id');

  it('answers 400 validation_failed to malformed JSON on every route with a body', async () => {
    const broken = ['{', '{"service":', '{"service":"tg",}', "{'a':1}", '\u0000', 'NaN', '[1,'];
    for (const route of ROUTES.filter((r) => r.c.body !== undefined)) {
      for (const raw of broken) {
        const request = { ...(await build(w, route)), body: raw };
        await expectError(request, 400, 'validation_failed');
      }
      // Well-formed JSON of the wrong shape.
      for (const raw of ['[]', '"tg"', '42', 'true', '[{"service":"tg"}]']) {
        const request = { ...(await build(w, route)), body: raw };
        await expectError(request, 400, 'validation_failed');
      }
    }
  });

  it('refuses wrong content types with 400 or 415 in the error format', async () => {
    for (const route of ROUTES.filter((r) => r.c.body !== undefined)) {
      const valid = await build(w, route);
      for (const [type, status] of [
        ['text/plain', 400],
        ['application/x-www-form-urlencoded', 415],
        ['multipart/form-data; boundary=x', 415],
        ['application/xml', 415],
        ['text/html', 415],
      ] as const) {
        const request = { ...valid, headers: { ...valid.headers, 'content-type': type } };
        const answer = await send(request);
        inspect(answer);
        expect(answer.status, `${answer.label} ${type}`).toBe(status);
      }
    }
  });

  it('answers 400 to wrong types and out-of-range numbers in bodies', async () => {
    const bad: Array<[Built, string]> = [
      [purchase, '{"service":1,"country":"GB"}'],
      [purchase, '{"service":["tg"],"country":"GB"}'],
      [purchase, '{"service":{"$ne":null},"country":"GB"}'],
      [purchase, '{"service":"tg","country":"GB","max_price":1e309}'],
      [purchase, '{"service":"tg","country":"GB","max_price":-1e309}'],
      [purchase, '{"service":"tg","country":"GB","max_price":-1}'],
      [purchase, '{"service":"tg","country":"GB","max_price":1e300}'],
      [purchase, '{"service":"tg","country":"GB","max_price":0.00001}'],
      [purchase, '{"service":"tg","country":"GB","max_price":"1"}'],
      [purchase, '{"service":"tg","country":"GB","__proto__":{"admin":true}}'],
      [purchase, '{"service":"tg","country":"GB","constructor":{"prototype":{"x":1}}}'],
      [
        createHook,
        '{"url":"https://hooks.example.com/a","events":["sms.received"],"threshold":1e400}',
      ],
      [
        createHook,
        '{"url":"https://hooks.example.com/a","events":["sms.received"],"threshold":-5}',
      ],
      [createHook, '{"url":"https://hooks.example.com/a","events":"sms.received"}'],
      [createHook, '{"url":"https://hooks.example.com/a","events":[]}'],
      [createHook, '{"url":"javascript:alert(1)","events":["sms.received"]}'],
      [createHook, '{"url":"file:///etc/passwd","events":["sms.received"]}'],
      [createHook, '{"url":"http://127.0.0.1/x","events":["sms.received"]}'],
      [patchHook, '{}'],
      [patchHook, '{"active":"yes"}'],
      [patchHook, '{"threshold":1e999}'],
    ];
    for (const [route, raw] of bad) {
      const request = { ...(await build(w, route)), body: raw };
      const { body } = await expectError(request, 400, 'validation_failed');
      expect(Array.isArray(body.details), raw).toBe(true);
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('answers 400 to NaN, Infinity, huge, negative and fractional limits and bad dates', async () => {
    const lists = ROUTES.filter((r) => r.c.query?.limit !== undefined);
    expect(lists.length).toBe(3);
    for (const route of lists) {
      for (const limit of ['NaN', 'Infinity', '-Infinity', '-1', '0', '201', '1.5', '1e309']) {
        await expectError(await build(w, route, { query: { limit } }), 400, 'validation_failed');
      }
      for (const limit of ['99999999999999999999999', '0x10', '', ' 5', '5abc']) {
        await expectError(await build(w, route, { query: { limit } }), 400, 'validation_failed');
      }
    }
    const ledger = split('GET /api/v1/customer/transactions');
    for (const from of ['yesterday', '2020-13-45T99:99:99Z', '275760-09-13T00:00:00.001Z']) {
      await expectError(await build(w, ledger, { query: { from } }), 400, 'validation_failed');
    }
  });

  it('answers 400 to unicode edge cases in patterned fields and ids', async () => {
    for (const value of UNICODE) {
      await expectError(
        await build(w, purchase, { body: { service: value } }),
        400,
        'validation_failed',
      );
      await expectError(
        await build(w, purchase, { body: { country: value } }),
        400,
        'validation_failed',
      );
      const order = split('GET /api/v1/customer/order/:id');
      const byId = await send(await build(w, order, { id: value }));
      inspect(byId);
      // An over-long id is refused by the router's parameter limit (414) or the schema (400).
      expect([400, 414]).toContain(byId.status);
    }
  });
});

describe('hostile strings in every text field', () => {
  it('never answers 5xx to SQL-ish, script-ish or unicode strings in any field of any route', async () => {
    let requests = 0;
    for (const route of ROUTES) {
      const { c } = route;
      const fields: Array<(v: string) => Parameters<typeof build>[2]> = [];
      if (c.id) fields.push((v) => ({ id: v }));
      for (const name of Object.keys(c.query ?? {})) fields.push((v) => ({ query: { [name]: v } }));
      for (const [name, value] of Object.entries(c.body ?? {})) {
        if (typeof value === 'string') fields.push((v) => ({ body: { [name]: v } }));
        if (Array.isArray(value)) fields.push((v) => ({ body: { [name]: [v] } }));
      }
      for (const value of HOSTILE) {
        for (const field of fields) {
          inspect(await send(await build(w, route, field(value))));
          requests++;
        }
      }
      for (const value of HEADER_SAFE) {
        for (const name of ['idempotency-key', 'x-request-id', 'x-idempotency-key', 'accept']) {
          const answer = await send(await build(w, route, { headers: { [name]: value } }));
          inspect(answer);
          // A hostile request id is replaced, never echoed.
          if (name === 'x-request-id') expect(answer.headers['x-request-id']).toMatch(/^req_/);
          requests++;
        }
      }
    }
    expect(requests).toBeGreaterThan(500);
  });

  it('echoes a hostile webhook description only as inert JSON, byte for byte', async () => {
    const create = split('POST /api/v1/customer/webhooks');
    for (const description of [...HEADER_SAFE, '\u202Eevil', 'a\u0000b']) {
      const answer = await send(await build(w, create, { body: { description } }));
      const body = inspect(answer);
      if (answer.status !== 201) {
        expect(answer.status).toBe(400);
        continue;
      }
      expect(body.description).toBe(description);
      const read = await send(
        await build(w, split('GET /api/v1/customer/webhooks/:id'), { id: String(body.id) }),
      );
      expect(inspect(read).description).toBe(description);
    }
  });

  it('legacy: every parameter of every action, hostile, answers a token with HTTP 200', async () => {
    const actions = [
      'getBalance',
      'getNumber',
      'getNumberV2',
      'getStatus',
      'getStatusV2',
      'getFullSms',
      'setStatus',
      'getActiveActivations',
      'getPrices',
      'getCountries',
      'getServicesList',
      'getNumbersStatus',
    ];
    const names = ['action', 'api_key', 'id', 'service', 'country', 'status', 'maxPrice', 'text'];
    const base = { service: 'tg', country: '16', id: w.aliceOrder.activation, status: '8' };
    const before = await w.rig.fx.count('orders');
    for (const action of actions) {
      for (const name of names) {
        for (const value of HOSTILE) {
          const params = { ...base, action, api_key: w.alice, [name]: value };
          const query = new URLSearchParams(params).toString();
          inspect(await send({ method: 'GET', path: `${LEGACY}?${query}` }), 'legacy');
          inspect(
            await send({
              method: 'POST',
              path: LEGACY,
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: query,
            }),
            'legacy',
          );
        }
      }
    }
    // Hostile strings bought nothing: only the few requests whose hostile field is one getNumber
    // ignores (id, status, text…) may buy, and each at most once per value and method.
    const harmless = ['id', 'status', 'text', 'maxPrice'].length * HOSTILE.length * 2 * 2;
    expect((await w.rig.fx.count('orders')) - before).toBeLessThanOrEqual(harmless);
  });
});

describe('rate limit', () => {
  it('answers 429 rate_limited with Retry-After and the error body past the limit', async () => {
    const limited = await world(3);
    try {
      const balance = { method: 'GET', path: '/api/v1/customer/balance' };
      for (let i = 0; i < 3; i++) {
        const ok = await send({
          ...balance,
          port: limited.port,
          headers: { 'x-api-key': limited.alice },
        });
        inspect(ok);
        expect(ok.status).toBe(200);
        expect(ok.headers['x-ratelimit-limit']).toBe('3');
      }
      for (const route of CUSTOMER_ROUTES) {
        const request = await build(limited, route);
        const { answer } = await expectError(request, 429, 'rate_limited');
        expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(answer.headers['x-ratelimit-remaining']).toBe('0');
      }
      // Another key of the same server is not limited by alice's use.
      const bob = await send({
        ...balance,
        port: limited.port,
        headers: { 'x-api-key': limited.bobKey },
      });
      expect(bob.status).toBe(200);
    } finally {
      await limited.rig.close();
    }
  });
});

describe('the WebSocket upgrade', () => {
  function close(query: Record<string, string>, headers: Record<string, string> = {}) {
    const url = `ws://127.0.0.1:${port}/ws/orders?${new URLSearchParams(query).toString()}`;
    const socket = new WebSocket(url, { headers });
    socket.on('error', () => undefined);
    return new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  }

  it('closes with 4401, 4403, 4404 and 4400, never 1011, for bad keys, foreign ids and hostile parameters', async () => {
    expect(await close({})).toBe(4401);
    for (const key of [`sp_live_${'A'.repeat(32)}`, w.revoked, ...HEADER_SAFE]) {
      expect(await close({ api_key: key })).toBe(4401);
      expect(await close({}, { 'x-api-key': key })).toBe(4401);
    }
    expect(await close({ api_key: w.banned })).toBe(4403);
    expect(await close({ api_key: w.messagesOnly })).toBe(4403);
    for (const id of [w.bobOrder.id, w.bobOrder.activation]) {
      expect(await close({ api_key: w.alice, order_id: id })).toBe(4404);
    }
    for (const value of HOSTILE) {
      expect(await close({ api_key: w.alice, order_id: value }), value).toBeGreaterThanOrEqual(
        4400,
      );
      expect(await close({ api_key: w.alice, since: value }), value).toBe(4400);
    }
  });

  it('refuses an upgrade on any other path with a plain 404', async () => {
    const answer = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/other`);
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('error', () => undefined);
    });
    expect(answer).toBe(404);
  });
});

describe('every door shares the per-key budget and the failed-authentication throttle', () => {
  /** The close code of a /ws/orders upgrade on `portOf`'s server. */
  function wsClose(portOf: number, query: Record<string, string>) {
    const url = `ws://127.0.0.1:${portOf}/ws/orders?${new URLSearchParams(query).toString()}`;
    const socket = new WebSocket(url);
    socket.on('error', () => undefined);
    return new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  }
  const legacyGet = (portOf: number, key: string) =>
    send({
      method: 'GET',
      path: `${LEGACY}?${new URLSearchParams({ action: 'getBalance', api_key: key }).toString()}`,
      port: portOf,
    });
  const restGet = (portOf: number, key: string) =>
    send({
      method: 'GET',
      path: '/api/v1/customer/balance',
      headers: { 'x-api-key': key },
      port: portOf,
    });

  it('spends one budget per key over REST, the legacy API and WebSocket upgrades', async () => {
    const limited = await world(3);
    try {
      const { port: at, alice } = limited;
      expect((await restGet(at, alice)).status).toBe(200);
      expect((await legacyGet(at, alice)).text).toMatch(/^ACCESS_BALANCE:/);
      // 4404 comes after the budget is taken: this upgrade was the third request.
      expect(await wsClose(at, { api_key: alice, order_id: 'ord_none' })).toBe(4404);
      const rest = await restGet(at, alice);
      expect(rest.status).toBe(429);
      expect(JSON.parse(rest.text)).toMatchObject({ error: 'rate_limited' });
      const legacyAnswer = await legacyGet(at, alice);
      inspect(legacyAnswer, 'legacy');
      expect(legacyAnswer.text).toBe('ERROR_LIMIT');
      expect(Number(legacyAnswer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(await wsClose(at, { api_key: alice })).toBe(4429);
      // The next minute gives it back on every door.
      await limited.rig.fx.clock.advance(60_000);
      expect(await wsClose(at, { api_key: alice, order_id: 'ord_none' })).toBe(4404);
      expect((await legacyGet(at, alice)).text).toMatch(/^ACCESS_BALANCE:/);
    } finally {
      await limited.rig.close();
    }
  });

  it('refuses an address after N wrong keys on any door, the right key too, until the window ends', async () => {
    const guarded = await world(100_000, 3);
    try {
      const { port: at, alice } = guarded;
      const wrong = `sp_live_${'B'.repeat(32)}`;
      // One failure on each door: REST 401, legacy BAD_KEY, WebSocket 4401.
      expect((await restGet(at, wrong)).status).toBe(401);
      expect((await legacyGet(at, wrong)).text).toBe('BAD_KEY');
      expect(await wsClose(at, { api_key: wrong })).toBe(4401);
      // Now every door refuses this address before looking at the key, the right one included.
      const rest = await restGet(at, alice);
      inspect(rest);
      expect(rest.status).toBe(429);
      expect(Number(rest.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await legacyGet(at, alice)).text).toBe('ERROR_LIMIT');
      expect(await wsClose(at, { api_key: alice, order_id: 'ord_none' })).toBe(4429);
      const metrics = (await send({ method: 'GET', path: '/metrics', port: at })).text;
      for (const door of ['rest', 'legacy', 'ws']) {
        expect(metrics).toContain(`simpool_auth_failures_total{door="${door}"} 1`);
        expect(metrics).toContain(`simpool_auth_throttled_total{door="${door}"} 1`);
      }
      // Not for good: one window (5 min by default here) after the failures it answers again.
      await guarded.rig.fx.clock.advance(300_000);
      expect((await restGet(at, alice)).status).toBe(200);
      expect((await legacyGet(at, alice)).text).toMatch(/^ACCESS_BALANCE:/);
      expect(await wsClose(at, { api_key: alice, order_id: 'ord_none' })).toBe(4404);
    } finally {
      await guarded.rig.close();
    }
  });
});

describe('the 500 path', () => {
  it('answers 500 internal_error with the request id and nothing of the thrown error', async () => {
    const secret = 'SqliteError: no such table at /work/main/src/store/x.ts:12:3';
    const broken = await apiRig((fx) => ({
      customers: Object.assign(Object.create(fx.customers) as CustomerService, {
        balance: () => Promise.reject(new TypeError(secret)),
      }),
    }));
    try {
      const res = await broken.app.inject({
        url: '/api/v1/customer/balance',
        headers: { 'x-api-key': broken.key },
      });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({
        success: false,
        error: 'internal_error',
        message: expect.any(String) as string,
        request_id: res.headers['x-request-id'],
      });
      for (const leak of LEAKS) expect(res.body).not.toMatch(leak);
      expect(res.body).not.toContain('no such table');
    } finally {
      await broken.close();
    }
  });
});

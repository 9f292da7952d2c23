import { afterEach, describe, expect, it } from 'vitest';
import { WebhookService } from '../../../src/domain/index.js';
import { apiRig, type ApiRig } from './api-harness.js';

/**
 * The webhook routes through `app.inject()`: request schemas, the service's own field errors,
 * the secret shown once, idempotent creation. Host names resolve through a fake resolver so the
 * private-address rule is exercised without DNS.
 */
const rigs: ApiRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});

const ADDRESSES: Readonly<Record<string, string[]>> = {
  'hooks.example.com': ['93.184.216.34'],
  'intranet.example.com': ['10.1.2.3'],
};

async function rig(withWebhooks = true): Promise<ApiRig> {
  const r = await apiRig((fx) =>
    withWebhooks
      ? {
          webhooks: new WebhookService(fx.store.webhooks, fx.clock, {
            resolve: (host) => Promise.resolve(ADDRESSES[host] ?? []),
          }),
        }
      : {},
  );
  rigs.push(r);
  return r;
}

const URL_OK = 'https://hooks.example.com/simpool';

function send(r: ApiRig, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) {
  return r.app.inject({
    method,
    url: `/api/v1/customer${url}`,
    headers: { 'x-api-key': r.key },
    ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
  });
}

async function create(r: ApiRig, body: unknown = { url: URL_OK, events: ['sms.received'] }) {
  const res = await send(r, 'POST', '/webhooks', body);
  expect(res.statusCode).toBe(201);
  return res.json<Record<string, unknown>>();
}

/** The `details` of a 400, as `field: issue` pairs. */
function fieldsOf(res: { statusCode: number; json: () => unknown }): string[] {
  expect(res.statusCode).toBe(400);
  const body = res.json() as { error: string; details: Array<{ field: string }> };
  expect(body.error).toBe('validation_failed');
  return body.details.map((d) => d.field);
}

describe('webhook routes: request validation', () => {
  it('names the field of every invalid create body', async () => {
    const r = await rig();
    const cases: Array<[unknown, string]> = [
      [{ events: ['sms.received'] }, 'url'],
      [{ url: URL_OK }, 'events'],
      [{ url: URL_OK, events: [] }, 'events'],
      [{ url: URL_OK, events: ['sms.sent.maybe'] }, 'events.0'],
      [{ url: URL_OK, events: ['modem.offline'] }, 'events.0'], // admin-only type
      [{ url: URL_OK, events: ['sms.received'], threshold: -1 }, 'threshold'],
      [{ url: URL_OK, events: ['sms.received'], threshold: '5' }, 'threshold'],
      [{ url: URL_OK, events: ['sms.received'], description: 'x'.repeat(501) }, 'description'],
      [{ url: URL_OK, events: ['sms.received'], secret: 'whsec_mine' }, 'secret'],
      [{ url: 42, events: ['sms.received'] }, 'url'],
      [{ url: 'ftp://hooks.example.com/x', events: ['sms.received'] }, 'url'],
      [{ url: 'not a url', events: ['sms.received'] }, 'url'],
      [{ url: 'https://user:pw@hooks.example.com/', events: ['sms.received'] }, 'url'],
      [{ url: 'http://127.0.0.1:8080/hook', events: ['sms.received'] }, 'url'],
      [{ url: 'http://intranet.example.com/hook', events: ['sms.received'] }, 'url'],
      [{ url: 'http://nowhere.example.com/hook', events: ['sms.received'] }, 'url'],
    ];
    for (const [body, field] of cases) {
      const res = await send(r, 'POST', '/webhooks', body);
      expect(fieldsOf(res), JSON.stringify(body)).toContain(field);
    }
    const list = await send(r, 'GET', '/webhooks');
    expect(list.json()).toEqual({ success: true, data: [], next_cursor: null });
  });

  it('validates PATCH bodies, ids and the delivery page query', async () => {
    const r = await rig();
    const { id } = await create(r);
    expect(fieldsOf(await send(r, 'PATCH', `/webhooks/${String(id)}`, {}))).toEqual(['body']);
    expect(
      fieldsOf(await send(r, 'PATCH', `/webhooks/${String(id)}`, { paused: 'yes' })),
    ).toContain('paused');
    expect(
      fieldsOf(await send(r, 'PATCH', `/webhooks/${String(id)}`, { url: 'gopher://x.example' })),
    ).toEqual(['url']);
    expect(fieldsOf(await send(r, 'PATCH', `/webhooks/${String(id)}`, { id: 'whe_X' }))).toEqual([
      'id',
    ]);
    expect(fieldsOf(await send(r, 'GET', '/webhooks/1%27%20OR%201=1'))).toContain('id');
    for (const query of ['limit=0', 'limit=201', 'limit=ten']) {
      const res = await send(r, 'GET', `/webhooks/${String(id)}/deliveries?${query}`);
      expect(fieldsOf(res), query).toContain('limit');
    }
    expect(
      fieldsOf(await send(r, 'POST', `/webhooks/${String(id)}/test`, { force: true })),
    ).toContain('body');
    // Nothing above changed the endpoint.
    expect((await send(r, 'GET', `/webhooks/${String(id)}`)).json()).toMatchObject({
      url: URL_OK,
      paused: false,
    });
  });

  it('answers 401 without a key and 404 for an unknown id', async () => {
    const r = await rig();
    const anonymous = await r.app.inject({ url: '/api/v1/customer/webhooks' });
    expect(anonymous.statusCode).toBe(401);
    const unknown = await send(r, 'GET', '/webhooks/whe_01JAAAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ success: false, error: 'not_found' });
  });

  it('is not served without a WebhookService', async () => {
    const r = await rig(false);
    const res = await send(r, 'GET', '/webhooks');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not_found', message: 'no such endpoint' });
  });
});

describe('webhook routes: responses', () => {
  it('shows the secret only on creation, USD thresholds as numbers, RFC 3339 times', async () => {
    const r = await rig();
    const created = await create(r, {
      url: URL_OK,
      events: ['balance.low', 'sms.received', 'balance.low'],
      threshold: 1.25,
    });
    expect(created).toMatchObject({
      success: true,
      events: ['balance.low', 'sms.received'],
      threshold: 1.25,
      description: '',
      failure_count: 0,
    });
    expect(created.secret).toMatch(/^whsec_/);
    expect(Buffer.from(String(created.secret).slice(6), 'base64')).toHaveLength(32);
    expect(created.created_at).toBe(new Date(r.fx.clock.now()).toISOString());
    const id = String(created.id);

    const patched = await send(r, 'PATCH', `/webhooks/${id}`, {
      threshold: null,
      description: ' alerts ',
      active: false,
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ threshold: null, description: 'alerts', active: false });
    for (const res of [patched, await send(r, 'GET', `/webhooks/${id}`)]) {
      expect(res.body).not.toContain('whsec_');
    }
    expect((await send(r, 'GET', '/webhooks')).body).not.toContain('whsec_');
  });

  it('replays an idempotent create instead of making a second endpoint', async () => {
    const r = await rig();
    const post = (body: unknown) =>
      r.app.inject({
        method: 'POST',
        url: '/api/v1/customer/webhooks',
        headers: { 'x-api-key': r.key, 'idempotency-key': 'create-1' },
        payload: body as Record<string, unknown>,
      });
    const body = { url: URL_OK, events: ['sms.received'] };
    const first = await post(body);
    const again = await post(body);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const other = await post({ ...body, description: 'different' });
    expect(other.statusCode).toBe(422);
    expect((await send(r, 'GET', '/webhooks')).json<{ data: unknown[] }>().data).toHaveLength(1);
  });

  it("keeps a customer's endpoints from another customer's key", async () => {
    const r = await rig();
    const { id } = await create(r);
    const bob = await r.fx.customer('bob@example.com', 0);
    const asBob = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
      r.app.inject({
        method,
        url: `/api/v1/customer${url}`,
        headers: { 'x-api-key': bob.plainKey },
        ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
      });
    const path = `/webhooks/${String(id)}`;
    for (const res of [
      await asBob('GET', path),
      await asBob('PATCH', path, { url: 'https://hooks.example.com/bob' }),
      await asBob('DELETE', path),
      await asBob('POST', `${path}/test`),
      await asBob('GET', `${path}/deliveries`),
    ]) {
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: 'not_found' });
    }
    expect((await send(r, 'GET', path)).json()).toMatchObject({ url: URL_OK });
  });
});

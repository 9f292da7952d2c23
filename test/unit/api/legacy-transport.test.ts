import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../../src/api/deps.js';
import { createGuards } from '../../../src/api/plugins/guards.js';
import { legacyRoutes } from '../../../src/api/routes/legacy/index.js';
import { silentLogger } from '../../../src/shared/index.js';
import { OrderFixture } from '../domain/order-fixture.js';
import { legacy, PATH, type Legacy, expectText } from './legacy-harness.js';

let rig: Legacy;
afterEach(async () => rig.close());

describe('legacy API: transport, keys and errors', () => {
  it('row 1: an unknown key is BAD_KEY with HTTP 200', async () => {
    rig = await legacy();
    expectText(await rig.call({ action: 'getBalance', api_key: 'sp_live_nope' }), 'BAD_KEY');
    expectText(await rig.call({ action: 'getBalance', api_key: 'garbage' }), 'BAD_KEY');
  });

  it('row 2: no key at all is NO_KEY', async () => {
    rig = await legacy();
    expectText(await rig.call({ action: 'getBalance' }), 'NO_KEY');
    expectText(await rig.call({ action: 'getBalance', api_key: '' }), 'NO_KEY');
  });

  it('row 3: an unknown or missing action is BAD_ACTION, prototype names included', async () => {
    rig = await legacy();
    expectText(await rig.call({ action: 'foo', api_key: rig.key }), 'BAD_ACTION');
    expectText(await rig.call({ api_key: rig.key }), 'BAD_ACTION');
    expectText(await rig.call({ action: 'toString', api_key: rig.key }), 'BAD_ACTION');
    expectText(await rig.call({ action: '__proto__', api_key: rig.key }), 'BAD_ACTION');
  });

  it('row 4: getBalance and getBalanceAndCashBack answer ACCESS_BALANCE with 2 decimals', async () => {
    rig = await legacy();
    expectText(await rig.call({ action: 'getBalance', api_key: rig.key }), 'ACCESS_BALANCE:50.30');
    expectText(
      await rig.call({ action: 'getBalanceAndCashBack', api_key: rig.key }),
      'ACCESS_BALANCE:50.30',
    );
  });

  it('takes the key from the X-API-Key header too', async () => {
    rig = await legacy();
    const res = await rig.call({ action: 'getBalance' }, { headers: { 'x-api-key': rig.key } });
    expectText(res, 'ACCESS_BALANCE:50.30');
  });

  it('row 37: POST with everything in the query string and an empty body answers as GET', async () => {
    rig = await legacy();
    const params = { action: 'getBalance', api_key: rig.key };
    expectText(await rig.call(params, { method: 'POST' }), 'ACCESS_BALANCE:50.30');
    for (const type of ['application/json', 'application/x-www-form-urlencoded', 'text/plain']) {
      const res = await rig.call(params, {
        method: 'POST',
        payload: '',
        headers: { 'content-type': type },
      });
      expectText(res, 'ACCESS_BALANCE:50.30');
    }
  });

  it('reads POST parameters from a form-encoded body, with or without a content type', async () => {
    rig = await legacy();
    const payload = `action=getBalance&api_key=${rig.key}`;
    for (const headers of [
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'text/plain' },
    ]) {
      expectText(await rig.call({}, { method: 'POST', payload, headers }), 'ACCESS_BALANCE:50.30');
    }
    const untyped = await rig.app.inject({
      method: 'POST',
      url: PATH,
      payload,
      headers: { 'content-type': '' },
    });
    expectText(untyped, 'ACCESS_BALANCE:50.30');
    const split = await rig.call(
      { action: 'getBalance' },
      {
        method: 'POST',
        payload: `api_key=${rig.key}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
    );
    expectText(split, 'ACCESS_BALANCE:50.30');
  });

  it('an oversized body answers ERROR_BODY_TOO_LARGE (not ERROR_SQL, not a 413 page)', async () => {
    rig = await legacy();
    const post = (payload: string) =>
      rig.call(
        { action: 'getBalance', api_key: rig.key },
        { method: 'POST', payload, headers: { 'content-type': 'text/plain' } },
      );
    expectText(await post('x='.padEnd(64 * 1024, 'a')), 'ERROR_BODY_TOO_LARGE');
    // Just under the 16 KiB limit is read as usual; the same client goes on working.
    expectText(await post('x='.padEnd(16 * 1024 - 1, 'a')), 'ACCESS_BALANCE:50.30');
  });

  it('rows 12 and the error list: a banned key answers BANNED:Y-m-d H-i-s to every action', async () => {
    rig = await legacy();
    await rig.fx.customers.ban(rig.customerId, Date.UTC(2026, 11, 1, 10, 0, 0));
    for (const action of ['getBalance', 'getNumber', 'getStatus']) {
      expectText(
        await rig.call({ action, service: 'tg', country: '16', id: '1', api_key: rig.key }),
        'BANNED:2026-12-01 10-00-00',
      );
    }
  });

  it('an internal failure answers ERROR_SQL, never a stack', async () => {
    rig = await legacy();
    rig.fx.store.db.close();
    expectText(await rig.call({ action: 'getBalance', api_key: rig.key }), 'ERROR_SQL');
  });

  it('keeps its tolerant body parser to itself: a sibling JSON route still parses JSON', async () => {
    rig = await legacy();
    const fx = new OrderFixture();
    const deps: ApiDeps = {
      catalog: fx.catalog,
      customers: fx.customers,
      orders: fx.orders,
      matching: fx.matching,
      clock: fx.clock,
      logger: silentLogger,
      config: { rateLimitPerMinute: 60, legacyMode: 'sms-activate' },
    };
    const app = Fastify();
    app.post('/echo', (request, reply) => reply.send({ body: request.body }));
    await app.register(legacyRoutes, { deps: { ...deps, guards: createGuards(deps) } });
    try {
      const echo = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
      expect(echo.json()).toEqual({ body: { a: 1 } });
      const empty = await app.inject({
        method: 'POST',
        url: '/echo',
        payload: '',
        headers: { 'content-type': 'application/json' },
      });
      expect(empty.statusCode).toBe(400);
      const legacyAnswer = await app.inject({ method: 'POST', url: `${PATH}?action=getBalance` });
      expect(legacyAnswer.body).toBe('NO_KEY');
    } finally {
      await app.close();
      await fx.close();
    }
  });
});

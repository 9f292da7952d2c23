import Fastify, { type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createGuards } from '../../src/api/plugins/guards.js';
import { legacyRoutes } from '../../src/api/routes/legacy/index.js';
import { type Daemon } from '../../src/daemon/index.js';
import { type ManualClock, silentLogger } from '../../src/shared/index.js';
import { useAppliance } from '../helpers/appliance.js';

/**
 * The legacy endpoint on a real listening server (127.0.0.1) over the whole daemon: simulated
 * modems, the modem pool, SQLite and the order engine on one ManualClock. The SMS go the whole
 * way: simulated network → AT → PDU codec → store → matching → getStatus.
 */
const appliance = useAppliance();

interface Rig {
  readonly daemon: Daemon;
  readonly clock: ManualClock;
  readonly base: string;
}

async function rig(): Promise<Rig> {
  const { daemon, clock } = await appliance.start({ prefix: 'simpool-legacy-' });

  const app: FastifyInstance = Fastify();
  const { catalog, customers, orders, matching } = daemon.rental;
  const deps = {
    catalog,
    customers,
    orders,
    matching,
    clock,
    logger: silentLogger,
    config: { rateLimitPerMinute: 60, legacyMode: 'sms-activate' as const },
  };
  await app.register(legacyRoutes, { deps: { ...deps, guards: createGuards(deps) } });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  appliance.defer(() => app.close());
  return { daemon, clock, base };
}

async function legacyCall(
  r: Rig,
  params: Record<string, string | number>,
  method: 'GET' | 'POST' = 'GET',
): Promise<{ status: number; type: string | null; body: string }> {
  const query = new URLSearchParams(
    Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  const res = await fetch(`${r.base}/stubs/handler_api.php?${query}`, { method });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

/** Polls getStatus over HTTP while the clock (and so the simulated network) moves. */
async function statusUntil(r: Rig, params: Record<string, string | number>, want: string) {
  let last = '';
  for (let i = 0; i < 300; i++) {
    last = (await legacyCall(r, { action: 'getStatus', ...params })).body;
    if (last === want) return;
    await r.clock.advance(50);
  }
  throw new Error(`getStatus stayed ${last}, wanted ${want}`);
}

describe('legacy API over a real server and simulated modems', () => {
  it('keeps live and sandbox activations of one customer apart on every action that takes an id', async () => {
    const r = await rig();
    const { customers } = r.daemon.rental;
    const customer = await customers.createCustomer('modes@example.com');
    const live = (await customers.createKey(customer.id)).plainKey;
    const test = (await customers.createKey(customer.id, { sandbox: true })).plainKey;
    await customers.credit(customer.id, 50_000);
    const buy = async (api_key: string) => {
      const bought = await legacyCall(r, {
        action: 'getNumber',
        service: 'tg',
        country: 16,
        api_key,
      });
      const id = /^ACCESS_NUMBER:(\d+):\d+$/.exec(bought.body)?.[1];
      expect(id, bought.body).toBeDefined();
      return id!;
    };
    const liveId = await buy(live);
    const testId = await buy(test);
    // The sandbox order gets its synthetic code from the daemon; the live one a real SMS.
    let testStatus = '';
    for (let i = 0; i < 300 && !testStatus.startsWith('STATUS_OK:'); i++) {
      testStatus = (await legacyCall(r, { action: 'getStatus', id: testId, api_key: test })).body;
      // Half a second a poll: the sandbox code comes after 3 s; the key has 60 requests a minute.
      if (!testStatus.startsWith('STATUS_OK:')) await r.clock.advance(500);
    }
    expect(testStatus).toMatch(/^STATUS_OK:\d+$/);
    const liveOrder = await r.daemon.rental.orders.get(customer.id, liveId);
    const modem = r.daemon.simulator!.bank.modems.find(
      (m) => m.identity.iccid === liveOrder.simIccid,
    );
    modem!.injectSms({ from: 'Telegram', text: 'Telegram code: 48213. Do not share it.' });
    await statusUntil(r, { id: liveId, api_key: live }, 'STATUS_OK:48213');
    await r.clock.advance(121_000); // past the hold: a cancel would not be refused for that

    for (const [api_key, id] of [
      [test, liveId],
      [live, testId],
    ] as const) {
      for (const params of [
        { action: 'getStatus' },
        { action: 'getStatusV2' },
        { action: 'getFullSms' },
        ...['1', '3', '6', '8'].map((status) => ({ action: 'setStatus', status })),
      ]) {
        const answer = await legacyCall(r, { ...params, id, api_key });
        expect(answer.body, `${JSON.stringify(params)} ${id}`).toBe('NO_ACTIVATION');
      }
    }
    expect((await legacyCall(r, { action: 'getStatus', id: liveId, api_key: live })).body).toBe(
      'STATUS_OK:48213',
    );
    expect((await legacyCall(r, { action: 'getStatus', id: testId, api_key: test })).body).toBe(
      testStatus,
    );
    const liveNow = await r.daemon.rental.orders.get(customer.id, liveId);
    const testNow = await r.daemon.rental.orders.get(customer.id, testId);
    expect([liveNow.status, testNow.status]).toEqual(['received', 'received']);
  });

  it('buys, reads two codes with a retry in between, finishes; the order is the domain one', async () => {
    const r = await rig();
    const { customers, orders } = r.daemon.rental;
    const customer = await customers.createCustomer('legacy@example.com');
    const { plainKey } = await customers.createKey(customer.id);
    await customers.credit(customer.id, 50_300);
    const api_key = plainKey;

    // Real clients POST with everything in the query string and an empty body.
    const balance = await legacyCall(r, { action: 'getBalance', api_key }, 'POST');
    expect(balance).toEqual({
      status: 200,
      type: 'text/plain; charset=utf-8',
      body: 'ACCESS_BALANCE:5.03',
    });

    const bought = await legacyCall(
      r,
      { action: 'getNumber', service: 'tg', country: 16, api_key },
      'POST',
    );
    const match = /^ACCESS_NUMBER:(\d+):(44\d+)$/.exec(bought.body);
    expect(match, bought.body).not.toBeNull();
    const [, id, digits] = match!;
    const order = await orders.get(customer.id, id!);
    expect(order).toMatchObject({ status: 'waiting', service: 'tg', country: 'GB' });
    expect(order.phoneNumber).toBe(`+${digits}`);
    expect((await legacyCall(r, { action: 'getStatus', id: id!, api_key })).body).toBe(
      'STATUS_WAIT_CODE',
    );

    const modem = r.daemon.simulator!.bank.modems.find((m) => m.identity.iccid === order.simIccid);
    modem!.injectSms({ from: 'Telegram', text: 'Telegram code: 48213. Do not share it.' });
    await statusUntil(r, { id: id!, api_key }, 'STATUS_OK:48213');

    expect((await legacyCall(r, { action: 'setStatus', id: id!, status: 3, api_key })).body).toBe(
      'ACCESS_RETRY_GET',
    );
    expect((await legacyCall(r, { action: 'getStatus', id: id!, api_key })).body).toBe(
      'STATUS_WAIT_RETRY:48213',
    );
    modem!.injectSms({ from: 'Telegram', text: 'Login code: 77125. Never give it to anyone.' });
    await statusUntil(r, { id: id!, api_key }, 'STATUS_OK:77125');

    const done = await legacyCall(r, { action: 'setStatus', id: id!, status: 6, api_key }, 'POST');
    expect(done).toEqual({
      status: 200,
      type: 'text/plain; charset=utf-8',
      body: 'ACCESS_ACTIVATION',
    });

    const detail = await orders.get(customer.id, order.id);
    expect(detail.status).toBe('finished');
    expect(detail.messages.map((m) => m.code)).toEqual(['48213', '77125']);
    expect(await customers.balance(customer.id)).toBe(45_300);
    expect((await legacyCall(r, { action: 'getBalance', api_key })).body).toBe(
      'ACCESS_BALANCE:4.53',
    );
  });
});

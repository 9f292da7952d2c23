import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Daemon } from '../../src/daemon/index.js';
import type { Order } from '../../src/domain/index.js';
import { advanceUntil } from '../helpers/advance.js';
import { useAppliance } from '../helpers/appliance.js';
import { admin, adminRig } from './admin-rig.js';

/**
 * An incoming call end to end: the simulated modem rings (RING, +CLIP), the driver rejects or
 * ignores it, the call is stored on its SIM and reaches the open order — over REST, the
 * WebSocket feed and the legacy API — on one ManualClock.
 */
const appliance = useAppliance();

async function customer(d: Daemon) {
  const created = await d.rental.customers.createCustomer('alice@example.com');
  const { plainKey, key } = await d.rental.customers.createKey(created.id, { scopes: ['orders'] });
  await d.rental.customers.credit(created.id, 10 * 10_000);
  return { customerId: created.id, apiKeyId: key.id, key: plainKey };
}

function modemOf(d: Daemon, order: Order) {
  const modem = d.simulator!.bank.modems.find((m) => m.identity.iccid === order.simIccid);
  if (!modem) throw new Error(`no simulated modem holds ${order.simIccid}`);
  return modem;
}

interface RestOrder {
  status: string;
  code: string | null;
  calls: { caller: string | null; code: string | null; rings: number }[];
}

async function restOrder(d: Daemon, key: string, order: Order): Promise<RestOrder> {
  const response = await fetch(`${d.api.url}/api/v1/customer/order/${order.id}`, {
    headers: { 'x-api-key': key },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as RestOrder;
}

describe('incoming calls through the appliance', () => {
  it('a call to a rented number is rejected after one RING and reaches the order everywhere', async () => {
    const { daemon, clock } = await appliance.start({ prefix: 'simpool-calls-', modems: 2 });
    const alice = await customer(daemon);
    const order = await daemon.rental.orders.purchase(alice, { service: 'tg', country: 'GB' });
    const frames: { type: string; code?: string | null; caller?: string | null }[] = [];
    const socket = new WebSocket(`${daemon.api.url.replace(/^http/, 'ws')}/ws/orders`, {
      headers: { 'x-api-key': alice.key },
    });
    socket.on('message', (data: Buffer) => {
      frames.push(JSON.parse(data.toString('utf8')) as (typeof frames)[number]);
    });
    socket.on('error', () => undefined);
    appliance.defer(() => Promise.resolve(socket.terminate()));
    await new Promise((resolve) => socket.once('open', resolve));
    await clock.advance(0);

    const modem = modemOf(daemon, order);
    modem.incomingCall({ from: '+447700912345', rings: 5 });
    await advanceUntil(clock, () => frames.some((f) => f.type === 'call'));
    expect(frames.find((f) => f.type === 'call')).toMatchObject({
      caller: '+447700912345',
      code: '12345',
      order_id: order.id,
    });
    // Rejected by the default policy: ATH after the first RING, no NO CARRIER.
    expect(modem.calls).toEqual([expect.objectContaining({ rings: 1, endedBy: 'host_hung_up' })]);

    const rest = await restOrder(daemon, alice.key, order);
    expect(rest).toMatchObject({ status: 'received', code: '12345' });
    expect(rest.calls).toEqual([
      expect.objectContaining({ caller: '+447700912345', code: '12345', rings: 1 }),
    ]);
    const legacy = await fetch(
      `${daemon.api.url}/stubs/handler_api.php?api_key=${alice.key}` +
        `&action=getIncomingCallStatus&activationId=${order.activationId}`,
    );
    expect(await legacy.text()).toBe('{"status":3,"phone":"447700912345"}');
  });

  it('calls.onIncoming "ignore" lets it ring until the caller hangs up; the call is still data', async () => {
    const { daemon, clock } = await appliance.start({
      prefix: 'simpool-calls-',
      modems: 2,
      configure: (config) => ({ ...config, calls: { onIncoming: 'ignore' } }),
    });
    const alice = await customer(daemon);
    const order = await daemon.rental.orders.purchase(alice, { service: 'fb', country: 'GB' });
    const modem = modemOf(daemon, order);
    modem.incomingCall({ from: '+447700912345', rings: 2, hangupAfterMs: 500 });
    await advanceUntil(clock, () => modem.activeCall === undefined);
    expect(modem.calls[0]).toMatchObject({ rings: 2, endedBy: 'caller_hung_up' });
    let rest: RestOrder | undefined;
    for (let i = 0; i < 50 && !rest?.calls.length; i++) {
      await clock.advance(100);
      rest = await restOrder(daemon, alice.key, order);
    }
    // Facebook does not verify by call: no code, the order keeps waiting for its SMS.
    expect(rest).toMatchObject({ status: 'waiting', code: null });
    expect(rest?.calls).toEqual([
      expect.objectContaining({ caller: '+447700912345', code: null, rings: 2 }),
    ]);
  });
});

describe('admin API: missed-call verification per service', () => {
  it('PATCH /services/{code} sets or clears call_code_digits; bad values change nothing', async () => {
    const r = await adminRig(appliance.start, { modems: 1 });
    const digitsOf = async (code: string) => {
      const catalog = await admin(r, 'GET', '/catalog');
      const services = catalog.body.services as { code: string; call_code_digits: number | null }[];
      return services.find((s) => s.code === code)?.call_code_digits;
    };
    expect(await digitsOf('tg')).toBe(5);
    expect(await digitsOf('fb')).toBeNull();
    const set = await admin(r, 'PATCH', '/services/fb', { body: { call_code_digits: 4 } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ success: true, code: 'fb', call_code_digits: 4 });
    for (const body of [
      { call_code_digits: 0 },
      { call_code_digits: 13 },
      { call_code_digits: '4' },
      { call_code_digits: 4, extra: true },
      {},
    ]) {
      expect((await admin(r, 'PATCH', '/services/fb', { body })).status).toBe(400);
    }
    const unknown = await admin(r, 'PATCH', '/services/nope', { body: { call_code_digits: 4 } });
    expect(unknown.status).toBeGreaterThanOrEqual(400);
    expect(await digitsOf('fb')).toBe(4);
    await admin(r, 'PATCH', '/services/fb', { body: { call_code_digits: null } });
    expect(await digitsOf('fb')).toBeNull();
  });
});

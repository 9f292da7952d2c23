import { afterEach, describe, expect, it } from 'vitest';
import type { Order } from '../../../src/domain/index.js';
import { SECOND } from '../domain/order-fixture.js';
import { JSON_TYPE, legacy, type Legacy, expectText } from './legacy-harness.js';

let rig: Legacy;
afterEach(async () => rig.close());

const ask = (action: string, extra: Record<string, string | number>) =>
  rig.call({
    action,
    api_key: rig.key,
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])),
  });

/** A call to the order's number, through the real matching service. */
async function ring(order: Order, caller: string | null): Promise<void> {
  const now = rig.fx.clock.now();
  await rig.fx.matching.onIncomingCall({
    iccid: order.simIccid,
    imei: null,
    caller,
    startedAt: now,
    endedAt: now + 4 * SECOND,
    rings: 1,
    end: 'rejected',
  });
}

describe('legacy API: incoming calls', () => {
  it('getIncomingCallStatus: 2 while waiting, 3 with the caller once a call came', async () => {
    rig = await legacy();
    const order = await rig.buy('tg');
    const before = await ask('getIncomingCallStatus', { activationId: order.activationId });
    expect(before.statusCode).toBe(200);
    expect(before.headers['content-type']).toBe(JSON_TYPE);
    expect(before.body).toBe('{"status":2,"phone":false}');
    // A withheld caller id verifies nothing: still waiting.
    await ring(order, null);
    expect((await ask('getIncomingCallStatus', { id: order.activationId })).body).toBe(
      '{"status":2,"phone":false}',
    );
    await rig.fx.clock.advance(SECOND);
    await ring(order, '+447700912345');
    const after = await ask('getIncomingCallStatus', { activationId: order.activationId });
    expect(after.body).toBe('{"status":3,"phone":"447700912345"}');
    // `id` is accepted as well as `activationId`.
    expect((await ask('getIncomingCallStatus', { id: order.activationId })).body).toBe(after.body);
  });

  it('getIncomingCallStatus: 4 for an activation closed without a call; bad ids are tokens', async () => {
    rig = await legacy();
    const order = await rig.buy('tg');
    await rig.fx.clock.advance(121 * SECOND);
    expectText(await ask('setStatus', { id: order.activationId, status: 8 }), 'ACCESS_CANCEL');
    expect((await ask('getIncomingCallStatus', { activationId: order.activationId })).body).toBe(
      '{"status":4,"phone":false}',
    );
    expectText(await ask('getIncomingCallStatus', {}), 'WRONG_ACTIVATION_ID');
    expectText(await ask('getIncomingCallStatus', { activationId: 'abc' }), 'WRONG_ACTIVATION_ID');
    expectText(await ask('getIncomingCallStatus', { activationId: 999_999 }), 'NO_ACTIVATION');
  });

  it('getStatusV2 fills "call" and getStatus answers the code read from the caller (Telegram: 5 digits)', async () => {
    rig = await legacy();
    const order = await rig.buy('tg');
    await rig.fx.clock.advance(7 * SECOND);
    await ring(order, '+447700912345');
    const v2 = await ask('getStatusV2', { id: order.activationId });
    expect(v2.body).toBe(
      '{"verificationType":2,"sms":null,"call":{"from":"447700912345","text":"","code":"12345",' +
        '"dateTime":"2026-01-01 12:00:07","url":"","parsingCount":1}}',
    );
    expectText(await ask('getStatus', { id: order.activationId }), 'STATUS_OK:12345');
  });

  it('a service that does not verify by call shows the call without a code and keeps waiting', async () => {
    rig = await legacy();
    const order = await rig.buy('fb');
    await ring(order, '+447700912345');
    const v2 = await ask('getStatusV2', { id: order.activationId });
    expect(v2.json<{ call: { code: string } }>().call.code).toBe('');
    expectText(await ask('getStatus', { id: order.activationId }), 'STATUS_WAIT_CODE');
  });
});

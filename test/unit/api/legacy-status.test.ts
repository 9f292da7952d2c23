import { afterEach, describe, expect, it } from 'vitest';
import { SECOND } from '../domain/order-fixture.js';
import { JSON_TYPE, legacy, type Legacy, expectText } from './legacy-harness.js';

let rig: Legacy;
afterEach(async () => rig.close());

const SMS = 'Telegram code: 4321. Do not give it to anyone.';
const call = (action: string, extra: Record<string, string | number>) =>
  rig.call({
    action,
    api_key: rig.key,
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])),
  });
const status = (id: number, extra: Record<string, string> = {}) =>
  call('getStatus', { id, ...extra });
const setStatus = (id: number, to: number) => call('setStatus', { id, status: to });

describe('legacy API: getStatus, getStatusV2, getFullSms', () => {
  it('row 14: a just bought activation is STATUS_WAIT_CODE', async () => {
    rig = await legacy();
    const order = await rig.buy();
    expectText(await status(order.activationId), 'STATUS_WAIT_CODE');
  });

  it('row 15: after the SMS, STATUS_OK:<code>', async () => {
    rig = await legacy();
    const order = await rig.buy();
    await rig.sms(order, SMS);
    expectText(await status(order.activationId), 'STATUS_OK:4321');
    expect((await status(order.activationId)).headers['x-text']).toBeUndefined();
  });

  it('row 16: after setStatus 3, STATUS_WAIT_RETRY:<last code>; the next SMS is STATUS_OK again', async () => {
    rig = await legacy();
    const order = await rig.buy();
    await rig.sms(order, SMS);
    expectText(await setStatus(order.activationId, 3), 'ACCESS_RETRY_GET');
    expectText(await status(order.activationId), 'STATUS_WAIT_RETRY:4321');
    await rig.sms(order, 'Telegram code: 9876');
    expectText(await status(order.activationId), 'STATUS_OK:9876');
  });

  it('row 17: cancelled and expired activations are STATUS_CANCEL; finished ones keep STATUS_OK', async () => {
    rig = await legacy({ sims: 3 });
    const cancelled = await rig.buy();
    const expired = await rig.buy('wa');
    const finished = await rig.buy('vi');
    await rig.sms(finished, SMS);
    await rig.fx.clock.advance(121 * SECOND);
    expectText(await setStatus(cancelled.activationId, 8), 'ACCESS_CANCEL');
    expectText(await status(cancelled.activationId), 'STATUS_CANCEL');
    expectText(await setStatus(finished.activationId, 6), 'ACCESS_ACTIVATION');
    await rig.fx.clock.advance(20 * 60 * SECOND);
    await rig.fx.orders.expireDue();
    expectText(await status(expired.activationId), 'STATUS_CANCEL');
    expectText(await status(finished.activationId), 'STATUS_OK:4321');
  });

  it("row 18: an unknown id or another customer's is NO_ACTIVATION", async () => {
    rig = await legacy();
    const bob = await rig.fx.customer('bob@example.com');
    const res = await rig.call({
      action: 'getNumber',
      service: 'tg',
      country: '16',
      api_key: bob.plainKey,
    });
    const bobsId = Number(res.body.split(':')[1]);
    expectText(await status(999999999), 'NO_ACTIVATION');
    expectText(await status(bobsId), 'NO_ACTIVATION');
    expectText(await call('getFullSms', { id: bobsId }), 'NO_ACTIVATION');
    expectText(await setStatus(bobsId, 8), 'NO_ACTIVATION');
  });

  it('row 19: an id that is not digits is WRONG_ACTIVATION_ID, an ord_ reference included', async () => {
    rig = await legacy();
    const order = await rig.buy();
    expectText(await call('getStatus', { id: 'abc' }), 'WRONG_ACTIVATION_ID');
    expectText(await call('getStatus', { id: order.id }), 'WRONG_ACTIVATION_ID');
    expectText(await call('getStatus', {}), 'WRONG_ACTIVATION_ID');
    expectText(await call('setStatus', { id: '-1', status: 8 }), 'WRONG_ACTIVATION_ID');
  });

  it('row 20: text=1 adds X-Text with the full SMS; non-ASCII text is percent-encoded and flagged', async () => {
    rig = await legacy({ sims: 2 });
    const order = await rig.buy();
    await rig.sms(order, SMS);
    const res = await status(order.activationId, { text: '1' });
    expectText(res, 'STATUS_OK:4321');
    expect(res.headers['x-text']).toBe(SMS);
    expect(res.headers['x-text-encoding']).toBeUndefined();

    const other = await rig.buy('wa');
    const unicode = 'Ваш код WhatsApp: 555-123\nНе сообщайте его';
    await rig.sms(other, unicode);
    const encoded = await status(other.activationId, { text: '1' });
    expect(encoded.body).toBe('STATUS_OK:555123');
    expect(encoded.headers['x-text-encoding']).toBe('percent');
    expect(decodeURIComponent(String(encoded.headers['x-text']))).toBe(unicode);
  });

  it('row 21: getStatusV2 answers the SMS as JSON, "sms":null before any', async () => {
    rig = await legacy();
    const order = await rig.buy();
    const before = await call('getStatusV2', { id: order.activationId });
    expect(before.headers['content-type']).toBe(JSON_TYPE);
    expect(before.body).toBe('{"verificationType":2,"sms":null,"call":null}');
    await rig.fx.clock.advance(5 * SECOND);
    await rig.sms(order, SMS);
    const after = await call('getStatusV2', { id: order.activationId });
    expect(after.statusCode).toBe(200);
    expect(after.body).toBe(
      `{"verificationType":2,"sms":{"dateTime":"2026-01-01 12:00:05","code":"4321","text":${JSON.stringify(SMS)}},"call":null}`,
    );
  });

  it('row 22: getFullSms is FULL_SMS:<text>, else STATUS_WAIT_CODE / STATUS_CANCEL', async () => {
    rig = await legacy();
    const order = await rig.buy();
    const cancelled = await rig.buy('wa');
    expectText(await call('getFullSms', { id: order.activationId }), 'STATUS_WAIT_CODE');
    await rig.sms(order, SMS);
    expectText(await call('getFullSms', { id: order.activationId }), `FULL_SMS:${SMS}`);
    await rig.fx.clock.advance(121 * SECOND);
    await setStatus(cancelled.activationId, 8);
    expectText(await call('getFullSms', { id: cancelled.activationId }), 'STATUS_CANCEL');
  });
});

describe('legacy API: setStatus', () => {
  it('row 23: status 1 on a waiting activation is ACCESS_READY', async () => {
    rig = await legacy();
    const order = await rig.buy();
    expectText(await setStatus(order.activationId, 1), 'ACCESS_READY');
    expectText(await status(order.activationId), 'STATUS_WAIT_CODE');
  });

  it('row 24: status 3 after a code is ACCESS_RETRY_GET; before any code BAD_STATUS', async () => {
    rig = await legacy();
    const order = await rig.buy();
    expectText(await setStatus(order.activationId, 3), 'BAD_STATUS');
    await rig.sms(order, SMS);
    expectText(await setStatus(order.activationId, 3), 'ACCESS_RETRY_GET');
    expectText(await setStatus(order.activationId, 3), 'ACCESS_RETRY_GET');
  });

  it('row 25: status 6 after a code is ACCESS_ACTIVATION (repeating it too)', async () => {
    rig = await legacy();
    const order = await rig.buy();
    expectText(await setStatus(order.activationId, 6), 'BAD_STATUS');
    await rig.sms(order, SMS);
    expectText(await setStatus(order.activationId, 6), 'ACCESS_ACTIVATION');
    expectText(await setStatus(order.activationId, 6), 'ACCESS_ACTIVATION');
    expect((await rig.fx.orders.get(rig.customerId, order.id)).status).toBe('finished');
  });

  it('row 26: status 8 after the hold, no code, is ACCESS_CANCEL and refunds', async () => {
    rig = await legacy();
    const order = await rig.buy();
    await rig.fx.clock.advance(120 * SECOND);
    expectText(await setStatus(order.activationId, 8), 'ACCESS_CANCEL');
    expectText(await rig.call({ action: 'getBalance', api_key: rig.key }), 'ACCESS_BALANCE:50.30');
    expectText(await setStatus(order.activationId, 8), 'ACCESS_CANCEL');
    expectText(await rig.call({ action: 'getBalance', api_key: rig.key }), 'ACCESS_BALANCE:50.30');
  });

  it('row 27: status 8 inside the 120 s hold is EARLY_CANCEL_DENIED', async () => {
    rig = await legacy();
    const order = await rig.buy();
    await rig.fx.clock.advance(119 * SECOND);
    expectText(await setStatus(order.activationId, 8), 'EARLY_CANCEL_DENIED');
  });

  it('row 28: status 8 after a code is BAD_STATUS (daisysms: ACCESS_READY), nothing refunded', async () => {
    for (const [mode, token] of [
      ['sms-activate', 'BAD_STATUS'],
      ['daisysms', 'ACCESS_READY'],
    ] as const) {
      rig = await legacy({ mode });
      const order = await rig.buy();
      await rig.sms(order, SMS);
      await rig.fx.clock.advance(121 * SECOND);
      expectText(await setStatus(order.activationId, 8), token);
      expectText(
        await rig.call({ action: 'getBalance', api_key: rig.key }),
        'ACCESS_BALANCE:49.80',
      );
      expect((await rig.fx.orders.get(rig.customerId, order.id)).status).toBe('received');
      if (mode === 'sms-activate') await rig.close();
    }
  });

  it('row 29: any other status is BAD_STATUS', async () => {
    rig = await legacy();
    const order = await rig.buy();
    expectText(await setStatus(order.activationId, 7), 'BAD_STATUS');
    expectText(await call('setStatus', { id: order.activationId }), 'BAD_STATUS');
    expectText(await call('setStatus', { id: order.activationId, status: 'x' }), 'BAD_STATUS');
  });

  it('row 30: an unknown id is NO_ACTIVATION whatever the status', async () => {
    rig = await legacy();
    for (const to of [1, 3, 6, 7, 8]) expectText(await setStatus(999999999, to), 'NO_ACTIVATION');
  });
});

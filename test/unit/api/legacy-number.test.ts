import { afterEach, describe, expect, it } from 'vitest';
import { JSON_TYPE, legacy, TEXT, type Legacy, expectText } from './legacy-harness.js';

let rig: Legacy;
afterEach(async () => rig.close());

const buy = (extra: Record<string, string> = {}, key = rig.key) =>
  rig.call({ action: 'getNumber', service: 'tg', country: '16', api_key: key, ...extra });

describe('legacy API: getNumber and getNumberV2', () => {
  it('row 5: a free SIM answers ACCESS_NUMBER:<digits id>:<digits number> and bills the order', async () => {
    rig = await legacy();
    const res = await buy();
    const [, id] = /^ACCESS_NUMBER:(\d+):(\d+)$/.exec(res.body) ?? [];
    const order = await rig.fx.orders.get(rig.customerId, id!);
    expectText(res, `ACCESS_NUMBER:${order.activationId}:${order.phoneNumber.slice(1)}`);
    expect(order.phoneNumber).toBe('+447700900001');
    expect(res.headers['x-price']).toBeUndefined();
    expectText(await rig.call({ action: 'getBalance', api_key: rig.key }), 'ACCESS_BALANCE:49.80');
  });

  it('row 6: no free SIM is NO_NUMBERS, also for the virtual USA (12)', async () => {
    rig = await legacy({ sims: 1 });
    await buy();
    expectText(await buy(), 'NO_NUMBERS');
    expectText(await buy({ country: '12' }), 'NO_NUMBERS');
  });

  it('row 7: a balance below the price is NO_BALANCE (daisysms: NO_MONEY)', async () => {
    rig = await legacy();
    const poor = await rig.fx.customer('poor@example.com', 4_999);
    expectText(await buy({}, poor.plainKey), 'NO_BALANCE');
    await rig.close();
    rig = await legacy({ mode: 'daisysms' });
    const poorer = await rig.fx.customer('poor@example.com', 0);
    expectText(await buy({}, poorer.plainKey), 'NO_MONEY');
  });

  it('row 8: an unknown or missing service is BAD_SERVICE', async () => {
    rig = await legacy();
    expectText(await buy({ service: 'zz9' }), 'BAD_SERVICE');
    expectText(
      await rig.call({ action: 'getNumber', country: '16', api_key: rig.key }),
      'BAD_SERVICE',
    );
    expectText(await buy({ service: "tg' OR 1=1 --" }), 'BAD_SERVICE');
  });

  it('row 9: an unknown or non-numeric country is BAD_COUNTRY', async () => {
    rig = await legacy();
    expectText(await buy({ country: '9999' }), 'BAD_COUNTRY');
    expectText(await buy({ country: 'GB' }), 'BAD_COUNTRY');
  });

  it('row 10: a price above maxPrice is WRONG_MAX_PRICE:<price> (daisysms: MAX_PRICE_EXCEEDED)', async () => {
    rig = await legacy();
    expectText(await buy({ maxPrice: '0.01' }), 'WRONG_MAX_PRICE:0.50');
    expectText(await buy({ maxPrice: 'cheap' }), 'WRONG_MAX_PRICE:0.50');
    expect((await buy({ maxPrice: '0.5' })).body).toMatch(/^ACCESS_NUMBER:/);
    await rig.close();
    rig = await legacy({ mode: 'daisysms' });
    expectText(await buy({ maxPrice: '0.01' }), 'MAX_PRICE_EXCEEDED');
  });

  it('row 11: too many open orders for the key is CHANNELS_LIMIT (daisysms: TOO_MANY_ACTIVE_RENTALS)', async () => {
    for (const [mode, token] of [
      ['sms-activate', 'CHANNELS_LIMIT'],
      ['daisysms', 'TOO_MANY_ACTIVE_RENTALS'],
    ] as const) {
      rig = await legacy({ mode, sims: 3 });
      const limited = await rig.fx.customer('busy@example.com', 100_000, { maxOpenOrders: 1 });
      expect((await buy({}, limited.plainKey)).body).toMatch(/^ACCESS_NUMBER:/);
      expectText(await buy({}, limited.plainKey), token);
      if (mode === 'sms-activate') await rig.close();
    }
  });

  it('row 12: a banned key is BANNED:<until>', async () => {
    rig = await legacy();
    await rig.fx.customers.ban(rig.customerId, Date.UTC(2026, 11, 1, 10, 0, 0));
    expectText(await buy(), 'BANNED:2026-12-01 10-00-00');
  });

  it('row 13: getNumberV2 answers the exact JSON object', async () => {
    rig = await legacy();
    const res = await rig.call({
      action: 'getNumberV2',
      service: 'tg',
      country: '16',
      api_key: rig.key,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(JSON_TYPE);
    const id = res.json<{ activationId: string }>().activationId;
    expect(res.body).toBe(
      `{"activationId":"${id}","phoneNumber":"447700900001","activationCost":"0.50","currency":840,` +
        `"countryCode":"16","countryPhoneCode":44,"canGetAnotherSms":"1",` +
        `"activationTime":"2026-01-01 12:00:00","activationEndTime":"2026-01-01 12:20:00",` +
        `"activationOperator":"Vodafone UK","serviceCode":"tg"}`,
    );
    expect((await rig.fx.orders.get(rig.customerId, id)).status).toBe('waiting');
    // Errors of the JSON actions are the same plain tokens.
    expectText(
      await rig.call({ action: 'getNumberV2', service: 'zz9', country: '16', api_key: rig.key }),
      'BAD_SERVICE',
    );
  });

  it('row 38: daisysms mode adds X-Price to a successful getNumber', async () => {
    rig = await legacy({ mode: 'daisysms' });
    const res = await buy();
    expect(res.body).toMatch(/^ACCESS_NUMBER:\d+:447700900001$/);
    expect(res.headers['content-type']).toBe(TEXT);
    expect(res.headers['x-price']).toBe('0.50');
  });
});

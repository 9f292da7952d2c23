import { afterEach, describe, expect, it } from 'vitest';
import { SECOND } from '../domain/order-fixture.js';
import { JSON_TYPE, legacy, TEXT, type Legacy } from './legacy-harness.js';

let rig: Legacy;
afterEach(async () => rig.close());

const call = (action: string, extra: Record<string, string> = {}) =>
  rig.call({ action, api_key: rig.key, ...extra });

function expectJson(res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe(JSON_TYPE);
}

describe('legacy API: JSON lists', () => {
  it('row 31: getActiveActivations lists open activations twice (activeActivations and data)', async () => {
    rig = await legacy();
    const waiting = await rig.buy();
    await rig.fx.clock.advance(3 * SECOND);
    const received = await rig.buy('wa');
    await rig.sms(received, 'WhatsApp code 123-456');
    const res = await call('getActiveActivations');
    expectJson(res);
    const a = (o: typeof waiting, fields: string) =>
      `{"activationId":"${o.activationId}","serviceCode":"${o.service}",` +
      `"phoneNumber":"${o.phoneNumber.slice(1)}","activationCost":"0.50",${fields},` +
      `"countryCode":"16","countryName":"United Kingdom","canGetAnotherSms":"1"}`;
    const list =
      '[' +
      a(
        received,
        '"activationStatus":"2","smsCode":["123456"],"smsText":"WhatsApp code 123-456",' +
          '"activationTime":"2026-01-01 12:00:03"',
      ) +
      ',' +
      a(
        waiting,
        '"activationStatus":"4","smsCode":null,"smsText":null,"activationTime":"2026-01-01 12:00:00"',
      ) +
      ']';
    expect(res.body).toBe(`{"status":"success","activeActivations":${list},"data":${list}}`);
    await call('setStatus', { id: String(received.activationId), status: '3' });
    const retry = (await call('getActiveActivations')).json<{
      data: Array<{ activationStatus: string }>;
    }>();
    expect(retry.data.map((x) => x.activationStatus)).toEqual(['3', '4']);
  });

  it('row 32: with no open activation, {"status":"error","error":"NO_ACTIVATIONS"}', async () => {
    rig = await legacy();
    const res = await call('getActiveActivations');
    expectJson(res);
    expect(res.body).toBe('{"status":"error","error":"NO_ACTIVATIONS"}');
    const order = await rig.buy();
    await rig.fx.clock.advance(121 * SECOND);
    await call('setStatus', { id: String(order.activationId), status: '8' });
    expect((await call('getActiveActivations')).body).toBe(
      '{"status":"error","error":"NO_ACTIVATIONS"}',
    );
  });

  it('row 33: getPrices by sms-activate country id with the free SIM count', async () => {
    rig = await legacy();
    const filtered = await call('getPrices', { service: 'tg', country: '16' });
    expectJson(filtered);
    expect(filtered.body).toBe('{"16":{"tg":{"cost":0.5,"count":2}}}');
    await rig.buy();
    expect((await call('getPrices', { service: 'tg', country: '16' })).body).toBe(
      '{"16":{"tg":{"cost":0.5,"count":1}}}',
    );
    const all = (await call('getPrices')).json<Record<string, Record<string, unknown>>>();
    expect(all['16']?.['wa']).toEqual({ cost: 0.5, count: 1 });
    expect(all['187']?.['tg']).toEqual({ cost: 0.5, count: 0 });
    expect(all['12']).toBeUndefined();
    expect((await call('getPrices', { country: '12' })).body).toBe('{}');
    const bad = await call('getPrices', { country: '9999' });
    expect(bad.headers['content-type']).toBe(TEXT);
    expect(bad.body).toBe('BAD_COUNTRY');
    expect((await call('getPrices', { service: 'zz9' })).body).toBe('BAD_SERVICE');
  });

  it('row 34: getCountries with the exact keys and types', async () => {
    rig = await legacy();
    const res = await call('getCountries');
    expectJson(res);
    expect(res.body).toContain(
      '"16":{"id":16,"rus":"Англия","eng":"United Kingdom","chn":"英国","visible":1,"retry":1,"rent":0,"multiService":0}',
    );
    const all = res.json<Record<string, { id: number }>>();
    expect(Object.keys(all)).toContain('12');
    for (const [key, country] of Object.entries(all)) expect(country.id).toBe(Number(key));
  });

  it('row 35: getServicesList', async () => {
    rig = await legacy();
    const res = await call('getServicesList');
    expectJson(res);
    expect(res.body).toMatch(
      /^\{"status":"success","services":\[\{"code":"[a-z]+","name":"[^"]+"\}/,
    );
    expect(res.body).toContain('{"code":"tg","name":"Telegram"}');
  });

  it('row 36: getNumbersStatus counts free SIMs per service of a country', async () => {
    rig = await legacy();
    await rig.buy();
    const res = await call('getNumbersStatus', { country: '16' });
    expectJson(res);
    const counts = res.json<Record<string, number>>();
    expect(counts).toMatchObject({ tg_0: 1, wa_0: 1 });
    expect(res.body).toContain('"tg_0":1');
    expect((await call('getNumbersStatus', { country: '187' })).json()).toMatchObject({ tg_0: 0 });
    expect((await call('getNumbersStatus', { country: '12' })).json()).toMatchObject({ tg_0: 0 });
  });
});

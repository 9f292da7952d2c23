import { afterEach, describe, expect, it } from 'vitest';
import type { FlavourName } from '../../../src/simulator/index.js';
import { setup, started, teardown, type Harness } from './harness.js';

const flavours: FlavourName[] = ['sim800c', 'ec25'];
const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await teardown(h);
});

function track(h: Harness): Harness {
  open.push(h);
  return h;
}

describe.each(flavours)('ModemDriver init against a simulated %s', (flavour) => {
  it('becomes ready with the identity the modem and its SIM hold', async () => {
    const h = track(setup({ modem: { flavour, index: 0 } }));
    const identities: unknown[] = [];
    h.driver.on('identity', (identity) => identities.push(identity));
    await started(h);

    expect(h.driver.state).toBe('ready');
    expect(h.states.map((s) => `${s.to}:${s.reason}`)).toEqual([
      'initializing:link_opened',
      'ready:initialized',
    ]);
    const id = h.modem.identity;
    expect(h.driver.info).toMatchObject({
      manufacturer: h.modem.flavour.manufacturer,
      model: h.modem.flavour.model,
      imei: id.imei,
      profile: flavour === 'ec25' ? 'quectel' : 'simcom',
    });
    expect(h.driver.sim).toEqual({
      iccid: id.iccid,
      imsi: id.imsi,
      msisdn: id.msisdn,
      msisdnSource: 'cnum',
      mcc: '234',
      mnc: '10',
      country: 'GB',
      operator: 'O2 - UK',
    });
    expect(identities).toHaveLength(1);
    expect(h.modem.settings.cnmi).toEqual([2, 1, 0, 2, 0]);
    expect(h.modem.settings.cmgf).toBe(0);
    expect(h.driver.health).toMatchObject({
      registration: 'home',
      signalDbm: -113 + 2 * id.rssi,
      operator: id.operatorName,
      storageUsed: 0,
      storageTotal: h.modem.flavour.smCapacity,
    });
  });

  it('derives country and operator from the IMSI of a US SIM (three-digit MNC)', async () => {
    const h = track(setup({ modem: { flavour, index: 1 } }));
    await started(h);
    expect(h.driver.sim).toMatchObject({
      mcc: '310',
      mnc: '260',
      country: 'US',
      operator: 'T-Mobile',
    });
  });

  it('takes the own number from the configuration when AT+CNUM is empty', async () => {
    // Index 2 of a bank is one of the SIMs without EF_MSISDN (cnumVisible false).
    const h0 = setup({ modem: { flavour, index: 2 } });
    expect(h0.modem.identity.cnumVisible).toBe(false);
    h0.modem.close();
    const iccid = h0.modem.identity.iccid;
    const h = track(
      setup({ modem: { flavour, index: 2 }, driver: { numbers: { [iccid]: '+79165550102' } } }),
    );
    await started(h);
    expect(h.driver.sim).toMatchObject({
      msisdn: '+79165550102',
      msisdnSource: 'config',
      country: 'RU',
      operator: 'MTS RUS',
    });
  });

  it('reports no own number when AT+CNUM is empty and none is configured', async () => {
    const h = track(setup({ modem: { flavour, index: 2 } }));
    await started(h);
    expect(h.driver.sim).toMatchObject({ msisdn: null, msisdnSource: null });
  });
});

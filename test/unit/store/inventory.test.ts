import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModemRecord, SimRecord } from '../../../src/pool/index.js';
import type { Store } from '../../../src/store/index.js';
import { HOUR, IMEI_1, IMEI_2, MINUTE, SIM_A, SIM_B, StoreFixture, T0 } from './helpers.js';

const PATH_1 = '/dev/serial/by-path/platform-xhci-usb-0:1.1:1.2-port0';
const PATH_2 = '/dev/serial/by-path/platform-xhci-usb-0:1.2:1.2-port0';

function modem(imei: string, path: string, at: number): ModemRecord {
  return {
    imei,
    manufacturer: 'SIMCOM_Ltd',
    model: 'SIM800C',
    revision: '1418B05SIM800C24',
    path,
    state: 'ready',
    at,
  };
}

function sim(
  iccid: string,
  imei: string,
  path: string,
  at: number,
  msisdn: string | null,
): SimRecord {
  return {
    iccid,
    imsi: '262011234567890',
    msisdn,
    country: 'DE',
    operator: 'Telekom.de',
    imei,
    path,
    at,
  };
}

describe('SqliteInventoryRepository', () => {
  const fx = new StoreFixture();
  let store: Store;
  beforeEach(() => {
    store = fx.store();
  });
  afterEach(() => fx.close());

  function modemRow(imei: string) {
    return store.db.prepare('SELECT * FROM modems WHERE imei = ?').get(imei);
  }

  it('records a modem by IMEI and its slot by path, following it to a new path', async () => {
    await store.inventory.recordModem(modem(IMEI_1, PATH_1, T0));
    await store.inventory.setModemState(IMEI_1, 'recovering', T0 + MINUTE);
    // AT+CFUN=1,1: it re-enumerates and is found again under another path.
    await store.inventory.recordModem(modem(IMEI_1, PATH_2, T0 + 2 * MINUTE));
    expect(modemRow(IMEI_1)).toMatchObject({
      last_path: PATH_2,
      state: 'ready',
      state_changed_at: T0 + 2 * MINUTE,
      first_seen_at: T0,
    });
    const slots = store.db.prepare('SELECT path, modem_imei FROM slots ORDER BY path').all();
    expect(slots).toEqual([
      { path: PATH_1, modem_imei: null },
      { path: PATH_2, modem_imei: IMEI_1 },
    ]);
    await store.inventory.setModemState(IMEI_1, 'offline', T0 + HOUR);
    expect(modemRow(IMEI_1)).toMatchObject({ state: 'offline', last_seen_at: T0 + 2 * MINUTE });
  });

  it('keeps a SIM moved to another modem in one row with its first_seen_at and history', async () => {
    await store.inventory.recordModem(modem(IMEI_1, PATH_1, T0));
    await store.inventory.recordModem(modem(IMEI_2, PATH_2, T0));
    await store.inventory.recordSim(sim(SIM_A, IMEI_1, PATH_1, T0, '+4915112345678'));
    await store.inventory.recordSim(sim(SIM_A, IMEI_1, PATH_1, T0 + MINUTE, null));
    await store.inventory.setSimStatus(SIM_A, 'ready', T0 + MINUTE);
    await store.inventory.recordSim(sim(SIM_A, IMEI_2, PATH_2, T0 + HOUR, null));
    expect(await store.inventory.listSims()).toEqual([
      expect.objectContaining({
        iccid: SIM_A,
        imei: IMEI_2,
        path: PATH_2,
        msisdn: '+4915112345678', // an empty AT+CNUM later does not forget the number
        status: 'ready',
        firstSeenAt: T0,
        lastSeenAt: T0 + HOUR,
      }),
    ]);
    expect(await store.inventory.simPlacements(SIM_A)).toEqual([
      { imei: IMEI_1, path: PATH_1, hostId: '', firstSeenAt: T0, lastSeenAt: T0 + MINUTE },
      { imei: IMEI_2, path: PATH_2, hostId: '', firstSeenAt: T0 + HOUR, lastSeenAt: T0 + HOUR },
    ]);
    // The modem it left vanishes: the SIM now lives elsewhere and stays online.
    await store.inventory.markModemSimsOffline(IMEI_1, T0 + 2 * HOUR);
    expect((await store.inventory.findSim(SIM_A))?.status).toBe('ready');
    await store.inventory.markModemSimsOffline(IMEI_2, T0 + 2 * HOUR);
    expect((await store.inventory.findSim(SIM_A))?.status).toBe('offline');
  });

  it('records a SIM reported before its modem', async () => {
    await store.inventory.recordSim(sim(SIM_B, IMEI_2, PATH_2, T0, null));
    expect(await store.inventory.findSim(SIM_B)).toMatchObject({ imei: IMEI_2, status: 'offline' });
    await store.inventory.recordModem(modem(IMEI_2, PATH_2, T0 + MINUTE));
    expect(modemRow(IMEI_2)).toMatchObject({ model: 'SIM800C', first_seen_at: T0 });
  });

  it('records health and finds a SIM by ICCID or by number in either form', async () => {
    await store.inventory.recordSim(sim(SIM_A, IMEI_1, PATH_1, T0, '+4915112345678'));
    await store.inventory.recordSim(sim(SIM_B, IMEI_2, PATH_2, T0, null));
    await store.inventory.recordSimHealth(
      SIM_A,
      { signalDbm: -71, registration: 'roaming', operator: 'Vodafone.de' },
      T0 + MINUTE,
    );
    expect(await store.inventory.findSim(SIM_A)).toMatchObject({
      signalDbm: -71,
      registration: 'roaming',
      operator: 'Vodafone.de',
      lastSeenAt: T0 + MINUTE,
    });
    expect((await store.inventory.findSim('+4915112345678'))?.iccid).toBe(SIM_A);
    expect((await store.inventory.findSim('4915112345678'))?.iccid).toBe(SIM_A);
    expect((await store.inventory.findSim(SIM_B))?.iccid).toBe(SIM_B);
    expect(await store.inventory.findSim('+4900000')).toBeUndefined();
    expect(await store.inventory.findSim('not a number')).toBeUndefined();
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModemRecord, SimRecord } from '../../../src/pool/index.js';
import { HOUR, IMEI_1, IMEI_2, MINUTE, SIM_A, SIM_B, T0 } from '../../unit/store/helpers.js';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';
import { poolSideStore, type PoolSideStore } from './pool-side-store.js';

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

for (const engine of ENGINES) {
  describe(`InventoryRepository on ${engine}`, () => {
    let db: EngineDatabase;
    let store: PoolSideStore;
    beforeEach(async () => {
      db = await openEngineDatabase(engine, 'inventory');
      store = poolSideStore(db.current());
    });
    afterEach(() => db.close());

    async function modemRow(imei: string) {
      const [row] = await db.rows('SELECT * FROM modems WHERE imei = ?', [imei]);
      return row;
    }

    function slots() {
      return db.rows<{ host_id: string; path: string; modem_imei: string | null }>(
        `SELECT host_id, path, modem_imei, sim_iccid FROM slots ORDER BY host_id, path`,
      );
    }

    it('records a modem by IMEI and its slot by path, following it to a new path', async () => {
      await store.inventory.recordModem(modem(IMEI_1, PATH_1, T0));
      await store.inventory.setModemState(IMEI_1, 'recovering', T0 + MINUTE);
      // AT+CFUN=1,1: it re-enumerates and is found again under another path.
      await store.inventory.recordModem(modem(IMEI_1, PATH_2, T0 + 2 * MINUTE));
      expect(await modemRow(IMEI_1)).toMatchObject({
        last_path: PATH_2,
        state: 'ready',
        state_changed_at: T0 + 2 * MINUTE,
        first_seen_at: T0,
        host_id: '',
      });
      expect(await slots()).toEqual([
        { host_id: '', path: PATH_1, modem_imei: null, sim_iccid: null },
        { host_id: '', path: PATH_2, modem_imei: IMEI_1, sim_iccid: null },
      ]);
      await store.inventory.setModemState(IMEI_1, 'offline', T0 + HOUR);
      expect(await modemRow(IMEI_1)).toMatchObject({
        state: 'offline',
        state_changed_at: T0 + HOUR,
        last_seen_at: T0 + 2 * MINUTE,
      });
    });

    it('keeps a SIM moved to another modem in one row with its first_seen_at and history', async () => {
      await store.inventory.recordModem(modem(IMEI_1, PATH_1, T0));
      await store.inventory.recordModem(modem(IMEI_2, PATH_2, T0));
      await store.inventory.recordSim(sim(SIM_A, IMEI_1, PATH_1, T0, '+4915112345678'));
      await store.inventory.recordSim(sim(SIM_A, IMEI_1, PATH_1, T0 + MINUTE, null));
      await store.inventory.setSimStatus(SIM_A, 'ready', T0 + MINUTE);
      await store.inventory.recordSim(sim(SIM_A, IMEI_2, PATH_2, T0 + HOUR, null));
      expect(await store.inventory.listSims()).toEqual([
        {
          iccid: SIM_A,
          imsi: '262011234567890',
          msisdn: '+4915112345678', // an empty AT+CNUM later does not forget the number
          country: 'DE',
          operator: 'Telekom.de',
          imei: IMEI_2,
          path: PATH_2,
          status: 'ready',
          signalDbm: null,
          registration: null,
          firstSeenAt: T0,
          lastSeenAt: T0 + HOUR,
          enabled: true,
          hostId: '',
        },
      ]);
      expect(await store.inventory.simPlacements(SIM_A)).toEqual([
        { imei: IMEI_1, path: PATH_1, hostId: '', firstSeenAt: T0, lastSeenAt: T0 + MINUTE },
        { imei: IMEI_2, path: PATH_2, hostId: '', firstSeenAt: T0 + HOUR, lastSeenAt: T0 + HOUR },
      ]);
      // The slot it left is empty; the one it is in names it.
      expect(await slots()).toEqual([
        { host_id: '', path: PATH_1, modem_imei: IMEI_1, sim_iccid: null },
        { host_id: '', path: PATH_2, modem_imei: IMEI_2, sim_iccid: SIM_A },
      ]);
      // The modem it left vanishes: the SIM now lives elsewhere and stays online.
      await store.inventory.markModemSimsOffline(IMEI_1, T0 + 2 * HOUR);
      expect((await store.inventory.findSim(SIM_A))?.status).toBe('ready');
      await store.inventory.markModemSimsOffline(IMEI_2, T0 + 2 * HOUR);
      expect((await store.inventory.findSim(SIM_A))?.status).toBe('offline');
    });

    it('records a SIM reported before its modem', async () => {
      await store.inventory.recordSim(sim(SIM_B, IMEI_2, PATH_2, T0, null));
      expect(await store.inventory.findSim(SIM_B)).toMatchObject({
        imei: IMEI_2,
        status: 'offline',
      });
      await store.inventory.recordModem(modem(IMEI_2, PATH_2, T0 + MINUTE));
      expect(await modemRow(IMEI_2)).toMatchObject({ model: 'SIM800C', first_seen_at: T0 });
    });

    it('records health and finds a SIM by ICCID or by number in either form', async () => {
      await store.inventory.recordSim(sim(SIM_A, IMEI_1, PATH_1, T0, '+4915112345678'));
      await store.inventory.recordSim(sim(SIM_B, IMEI_2, PATH_2, T0, null));
      await store.inventory.recordSimHealth(
        SIM_A,
        { signalDbm: -70.6, registration: 'roaming', operator: 'Vodafone.de' },
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
      expect((await store.inventory.findSim(' +49 151 1234-5678 '))?.iccid).toBe(SIM_A);
      expect((await store.inventory.findSim(SIM_B))?.iccid).toBe(SIM_B);
      expect(await store.inventory.findSim('+4900000')).toBeUndefined();
      expect(await store.inventory.findSim('not a number')).toBeUndefined();
      // Slot paths in byte order, whatever the database's collation.
      expect((await store.inventory.listSims()).map((s) => s.iccid)).toEqual([SIM_A, SIM_B]);
    });

    it('keeps the slots of two hosts apart: simulated:0 on each is two slots', async () => {
      const hostA = poolSideStore(db.current(), { hostId: 'host-a' });
      const hostB = poolSideStore(db.current(), { hostId: 'host-b' });
      await hostA.inventory.recordModem(modem(IMEI_1, 'simulated:0', T0));
      await hostA.inventory.recordSim(sim(SIM_A, IMEI_1, 'simulated:0', T0, null));
      await hostB.inventory.recordModem(modem(IMEI_2, 'simulated:0', T0 + MINUTE));
      await hostB.inventory.recordSim(sim(SIM_B, IMEI_2, 'simulated:0', T0 + MINUTE, null));
      expect(await slots()).toEqual([
        { host_id: 'host-a', path: 'simulated:0', modem_imei: IMEI_1, sim_iccid: SIM_A },
        { host_id: 'host-b', path: 'simulated:0', modem_imei: IMEI_2, sim_iccid: SIM_B },
      ]);
      expect((await modemRow(IMEI_1)) as { host_id: string }).toMatchObject({ host_id: 'host-a' });
      expect((await modemRow(IMEI_2)) as { host_id: string }).toMatchObject({ host_id: 'host-b' });
      // Every host's SIMs are listed, each with its host.
      const listed = await hostA.inventory.listSims();
      expect(listed.map((s) => [s.iccid, s.hostId])).toEqual([
        [SIM_A, 'host-a'],
        [SIM_B, 'host-b'],
      ]);
      expect((await hostA.inventory.findSim(SIM_B))?.hostId).toBe('host-b');
      // A host's writes by IMEI or ICCID never touch another host's modem or SIM.
      await hostB.inventory.setSimStatus(SIM_B, 'ready', T0 + HOUR);
      await hostA.inventory.setSimStatus(SIM_B, 'offline', T0 + HOUR);
      await hostA.inventory.markModemSimsOffline(IMEI_2, T0 + HOUR);
      await hostA.inventory.recordSimHealth(
        SIM_B,
        { signalDbm: -99, registration: 'denied', operator: null },
        T0 + HOUR,
      );
      await hostA.inventory.setModemState(IMEI_2, 'offline', T0 + HOUR);
      expect(await hostB.inventory.findSim(SIM_B)).toMatchObject({
        status: 'ready',
        signalDbm: null,
      });
      expect((await modemRow(IMEI_2)) as { state: string }).toMatchObject({ state: 'ready' });
    });

    it('moves a SIM (and a modem) seen on another host to that host, with a new placement', async () => {
      const hostA = poolSideStore(db.current(), { hostId: 'host-a' });
      const hostB = poolSideStore(db.current(), { hostId: 'host-b' });
      await hostA.inventory.recordModem(modem(IMEI_1, '/dev/ttyUSB0', T0));
      await hostA.inventory.recordSim(sim(SIM_A, IMEI_1, '/dev/ttyUSB0', T0, '+4915112345678'));
      await hostA.inventory.setSimStatus(SIM_A, 'ready', T0);
      // The operator carries the modem, SIM inside, to host B: the same path there.
      await hostB.inventory.recordModem(modem(IMEI_1, '/dev/ttyUSB0', T0 + HOUR));
      await hostB.inventory.recordSim(sim(SIM_A, IMEI_1, '/dev/ttyUSB0', T0 + HOUR, null));
      await hostB.inventory.setSimStatus(SIM_A, 'ready', T0 + HOUR);
      expect(await hostA.inventory.findSim(SIM_A)).toMatchObject({
        hostId: 'host-b',
        msisdn: '+4915112345678',
        status: 'ready',
        firstSeenAt: T0,
      });
      expect((await modemRow(IMEI_1)) as { host_id: string }).toMatchObject({ host_id: 'host-b' });
      expect(
        (await hostB.inventory.simPlacements(SIM_A)).map((p) => [p.hostId, p.path, p.firstSeenAt]),
      ).toEqual([
        ['host-a', '/dev/ttyUSB0', T0],
        ['host-b', '/dev/ttyUSB0', T0 + HOUR],
      ]);
      // Host A noticing late that its modem is gone changes nothing of host B's.
      await hostA.inventory.markModemSimsOffline(IMEI_1, T0 + 2 * HOUR);
      await hostA.inventory.setModemState(IMEI_1, 'offline', T0 + 2 * HOUR);
      expect((await hostA.inventory.findSim(SIM_A))?.status).toBe('ready');
      expect((await modemRow(IMEI_1)) as { state: string }).toMatchObject({ state: 'ready' });
    });
  });
}

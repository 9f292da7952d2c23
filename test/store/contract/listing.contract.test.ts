/**
 * The store's modem inventory (`simpool modems`) and readiness probe on both engines: every
 * host's modems with the SIM in their slot, their host and its lease state; `writable` while the
 * database takes writes, and not once it is gone.
 */
import { describe, expect, it } from 'vitest';
import { SEEDED_AT, seedHost, seedModemInSlot, seedSimRow } from './admin-fixtures.js';
import { useEngineStore } from './engine-store.js';
import { ENGINES } from './engines.js';

const HOUR = 3_600_000;

for (const engine of ENGINES) {
  describe(`modem inventory and readiness on ${engine}`, () => {
    const t = useEngineStore(engine, 'listing');
    const exec = (sql: string, params?: readonly unknown[]) => t.exec(sql, params);

    it("lists every host's modems by host and slot, each with the SIM in its own host's slot", async () => {
      const now = Date.now();
      await seedHost(exec, 'rack-a', now + HOUR);
      await seedHost(exec, 'rack-b', now - HOUR);
      await seedSimRow(exec, { iccid: '894400000000000041', hostId: 'rack-a' });
      await seedSimRow(exec, { iccid: '894400000000000042', hostId: 'rack-b', status: 'offline' });
      // The same slot path on two hosts: each modem sees its own host's slot.
      await seedModemInSlot(exec, {
        imei: '860000000000002',
        hostId: 'rack-b',
        path: 'simulated:0',
        sim: '894400000000000042',
        state: 'offline',
      });
      await seedModemInSlot(exec, {
        imei: '860000000000001',
        hostId: 'rack-a',
        path: 'simulated:0',
        sim: '894400000000000041',
      });
      await seedModemInSlot(exec, {
        imei: '860000000000003',
        hostId: 'rack-a',
        path: 'simulated:1',
      });
      // Seen before, in no slot now: listed by the last path it was seen on.
      await seedModemInSlot(exec, {
        imei: '860000000000004',
        hostId: 'rack-a',
        path: null,
        lastPath: '/dev/ttyUSB9',
      });
      await seedModemInSlot(exec, { imei: '860000000000005', hostId: '', path: '/dev/ttyUSB0' });

      const modems = await t.store.modemInventory();
      expect(
        modems.map((m) => [m.hostId, m.path, m.imei, m.hostState, m.sim?.iccid ?? null]),
      ).toEqual([
        ['', '/dev/ttyUSB0', '860000000000005', null, null],
        ['rack-a', '/dev/ttyUSB9', '860000000000004', 'alive', null],
        ['rack-a', 'simulated:0', '860000000000001', 'alive', '894400000000000041'],
        ['rack-a', 'simulated:1', '860000000000003', 'alive', null],
        ['rack-b', 'simulated:0', '860000000000002', 'expired', '894400000000000042'],
      ]);
      expect(modems[2]).toEqual({
        imei: '860000000000001',
        manufacturer: 'Quectel',
        model: 'EC25',
        revision: 'R01',
        path: 'simulated:0',
        state: 'ready',
        stateChangedAt: SEEDED_AT,
        lastSeenAt: SEEDED_AT + 1,
        hostId: 'rack-a',
        hostState: 'alive',
        sim: {
          iccid: '894400000000000041',
          msisdn: '+447700900041',
          country: 'GB',
          operator: 'EE',
          status: 'ready',
          signalDbm: -71,
          registration: 'home',
          healthAt: SEEDED_AT,
        },
      });
      expect(modems[4]).toMatchObject({ state: 'offline', sim: { status: 'offline' } });
    });

    it('is writable while the database takes writes, and not once it is gone', async () => {
      expect(await t.store.writable()).toBe(true);
      expect(await t.store.writable()).toBe(true);
      await t.opened.close();
      expect(await t.store.writable()).toBe(false);
    });
  });
}

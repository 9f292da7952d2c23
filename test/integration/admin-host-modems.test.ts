import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/index.js';
import { useAppliance } from '../helpers/appliance.js';
import { admin, adminRig } from './admin-rig.js';

const appliance = useAppliance();

const OTHER_IMEI = '356938035643809';
const OTHER_ICCID = '8944200000000000099';

/**
 * Records another host's modem in the daemon's database as that host's inventory would (several
 * hosts share one database): its host row with a lease until `leaseUntil`, the modem, its SIM
 * and the slot that holds both.
 */
function recordOtherHost(file: string, leaseUntil: number, now: number): void {
  const db = openDatabase(file);
  try {
    db.prepare(
      `INSERT INTO hosts (id, epoch, lease_until, started_at, renewed_at, version)
       VALUES ('host-b', 1, ?, ?, ?, 'test')`,
    ).run(leaseUntil, now, now);
    db.prepare(
      `INSERT INTO modems (imei, manufacturer, model, state, state_changed_at, first_seen_at,
         last_seen_at, host_id) VALUES (?, 'Quectel', 'EC25', 'ready', ?, ?, ?, 'host-b')`,
    ).run(OTHER_IMEI, now, now, now);
    db.prepare(
      `INSERT INTO sims (iccid, msisdn, country, operator, modem_imei, slot_path, status,
         status_changed_at, signal_dbm, registration, first_seen_at, last_seen_at, host_id)
       VALUES (?, '+447700900099', 'GB', 'EE', ?, '/dev/ttyUSB3', 'ready', ?, -71, 'home', ?, ?,
         'host-b')`,
    ).run(OTHER_ICCID, OTHER_IMEI, now, now, now);
    db.prepare(
      `INSERT INTO slots (host_id, path, modem_imei, sim_iccid, first_seen_at, last_seen_at)
       VALUES ('host-b', '/dev/ttyUSB3', ?, ?, ?, ?)`,
    ).run(OTHER_IMEI, OTHER_ICCID, now, now);
  } finally {
    db.close();
  }
}

describe('the admin modem list across hosts', () => {
  it("lists this host's modems and another host's, each with its host and lease", async () => {
    const r = await adminRig(appliance.start, { modems: 1 });
    const now = r.clock.now();
    recordOtherHost(path.join(r.dir, 'simpool.db'), now + 60_000, now);

    const listed = (await admin(r, 'GET', '/modems')).body.data!;
    expect(listed).toHaveLength(2);
    const own = listed.find((m) => m.id === 'simulated:0')!;
    expect(own).toMatchObject({ host: 'appliance-test', host_state: 'alive' });
    expect(listed.find((m) => m.id === OTHER_IMEI)).toEqual({
      id: OTHER_IMEI,
      imei: OTHER_IMEI,
      manufacturer: 'Quectel',
      model: 'EC25',
      state: 'ready',
      signal_dbm: -71,
      registration: 'home',
      operator: 'EE',
      iccid: OTHER_ICCID,
      number: '+447700900099',
      country: 'GB',
      current_order_id: null,
      last_sms_at: null,
      recovery_step: null,
      host: 'host-b',
      host_state: 'alive',
    });
    const one = await admin(r, 'GET', `/modems/${OTHER_IMEI}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: OTHER_IMEI, host: 'host-b', events: [] });

    // Once host B's lease runs out, its modem shows offline whatever B last recorded.
    await r.clock.advance(61_000);
    const later = (await admin(r, 'GET', '/modems')).body.data!;
    expect(later.find((m) => m.id === OTHER_IMEI)).toMatchObject({
      state: 'offline',
      host_state: 'expired',
    });
    expect((await admin(r, 'GET', '/modems/356938035649999')).status).toBe(404);
  });
});

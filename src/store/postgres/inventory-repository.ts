/**
 * The modem inventory on PostgreSQL (InventoryRepository): one host's modems, slots and SIMs in
 * the database every host shares. What this host records carries its id; a slot is
 * (host, path), so `simulated:0` or `/dev/ttyUSB0` of two hosts are two slots. Each write is
 * one transaction that first checks this host is still the current holder of its id (fencing).
 */
import type {
  InventoryRepository,
  ModemRecord,
  SimHealthRecord,
  SimRecord,
  SimRow,
  SimStatus,
} from '../../pool/index.js';
import {
  numberDigits,
  placementFromRow,
  samePlacement,
  simFromRow,
  storedSignal,
  type PlacementRow,
  type SimPlacement,
  type SimTableRow,
} from '../common/inventory-rows.js';
import type { PostgresDatabase } from './database.js';
import type { Fencing } from './fencing.js';
import type { PostgresClient } from './transaction.js';

type ModemState = ModemRecord['state'];

/*
 * Statements. Parameters whose type PostgreSQL cannot infer from a column (compared in a CASE)
 * are cast. Writes other than recording name the host, so a late write of a host a modem or SIM
 * left cannot undo what its new host recorded.
 */
const SQL = {
  // A modem last recorded by another host is this host's now: it was moved.
  upsertModem: `
INSERT INTO modems (imei, manufacturer, model, revision, last_path, state, state_changed_at,
  first_seen_at, last_seen_at, host_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7, $8)
ON CONFLICT (imei) DO UPDATE SET
  manufacturer = excluded.manufacturer, model = excluded.model, revision = excluded.revision,
  last_path = excluded.last_path,
  state_changed_at = CASE WHEN modems.state = excluded.state THEN modems.state_changed_at
                          ELSE excluded.state_changed_at END,
  state = excluded.state, last_seen_at = excluded.last_seen_at, host_id = excluded.host_id`,
  // A SIM may be reported before its modem: a bare modem row keeps the foreign key whole.
  ensureModem: `
INSERT INTO modems (imei, state_changed_at, first_seen_at, last_seen_at, host_id)
VALUES ($1, $2, $2, $2, $3) ON CONFLICT (imei) DO NOTHING`,
  setModemState: `
UPDATE modems SET
  state_changed_at = CASE WHEN state = $2::text THEN state_changed_at ELSE $3::bigint END,
  state = $2,
  last_seen_at = CASE WHEN $2::text = 'offline' THEN last_seen_at ELSE $3::bigint END
WHERE imei = $1 AND host_id = $4`,
  // Whatever was in this slot before is not any more; this modem is in no other slot.
  placeModemInSlot: `
INSERT INTO slots (host_id, path, modem_imei, first_seen_at, last_seen_at)
VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (host_id, path) DO UPDATE SET
  sim_iccid = CASE WHEN slots.modem_imei IS NOT DISTINCT FROM excluded.modem_imei
                   THEN slots.sim_iccid ELSE NULL END,
  modem_imei = excluded.modem_imei, last_seen_at = excluded.last_seen_at`,
  vacateOtherSlotsOfModem: `
UPDATE slots SET modem_imei = NULL, sim_iccid = NULL
 WHERE host_id = $1 AND modem_imei = $2 AND path <> $3`,
  // A SIM last recorded by another host is this host's now: it was moved.
  upsertSim: `
INSERT INTO sims (iccid, imsi, msisdn, country, operator, modem_imei, slot_path,
  status_changed_at, first_seen_at, last_seen_at, host_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8, $9)
ON CONFLICT (iccid) DO UPDATE SET
  imsi = COALESCE(excluded.imsi, sims.imsi), msisdn = COALESCE(excluded.msisdn, sims.msisdn),
  country = COALESCE(excluded.country, sims.country),
  operator = COALESCE(excluded.operator, sims.operator),
  modem_imei = excluded.modem_imei, slot_path = excluded.slot_path,
  last_seen_at = excluded.last_seen_at, host_id = excluded.host_id`,
  placeSimInSlot: `
INSERT INTO slots (host_id, path, modem_imei, sim_iccid, first_seen_at, last_seen_at)
VALUES ($1, $2, $3, $4, $5, $5)
ON CONFLICT (host_id, path) DO UPDATE SET modem_imei = excluded.modem_imei,
  sim_iccid = excluded.sim_iccid, last_seen_at = excluded.last_seen_at`,
  vacateOtherSlotsOfSim: `
UPDATE slots SET sim_iccid = NULL WHERE host_id = $1 AND sim_iccid = $2 AND path <> $3`,
  latestPlacement: 'SELECT * FROM sim_placements WHERE sim_iccid = $1 ORDER BY id DESC LIMIT 1',
  insertPlacement: `
INSERT INTO sim_placements (sim_iccid, modem_imei, slot_path, first_seen_at, last_seen_at, host_id)
VALUES ($1, $2, $3, $4, $4, $5)`,
  touchPlacement: 'UPDATE sim_placements SET last_seen_at = $1 WHERE id = $2',
  placements: 'SELECT * FROM sim_placements WHERE sim_iccid = $1 ORDER BY id',
  setSimStatus: `
UPDATE sims SET
  status_changed_at = CASE WHEN status = $2::text THEN status_changed_at ELSE $3::bigint END,
  status = $2,
  last_seen_at = CASE WHEN $2::text = 'offline' THEN last_seen_at ELSE $3::bigint END
WHERE iccid = $1 AND host_id = $4`,
  recordSimHealth: `
UPDATE sims SET signal_dbm = $2, registration = $3, operator = COALESCE($4, operator),
  health_at = $5, last_seen_at = $5
WHERE iccid = $1 AND host_id = $6`,
  markModemSimsOffline: `
UPDATE sims SET status = 'offline', status_changed_at = $2
 WHERE modem_imei = $1 AND host_id = $3 AND status <> 'offline'`,
  // SQLite's order: bytes (COLLATE "C", whatever the database's collation), NULL first.
  listSims: `SELECT * FROM sims ORDER BY slot_path COLLATE "C" NULLS FIRST, iccid COLLATE "C"`,
  simByIccid: 'SELECT * FROM sims WHERE iccid = $1',
  // Numbers are compared by digits (`+49…`, `49…`); a recycled number: the SIM seen last.
  simByNumber: `
SELECT * FROM sims WHERE msisdn IS NOT NULL AND ltrim(msisdn, '+') = $1
 ORDER BY last_seen_at DESC LIMIT 1`,
} as const;

export class PostgresInventoryRepository implements InventoryRepository {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly fencing: Fencing,
    /** This host's id: what its modems, slots and SIMs are recorded under. */
    private readonly host: string,
  ) {}

  recordModem(modem: ModemRecord): Promise<void> {
    return this.write(async (client) => {
      await client.query(SQL.upsertModem, [
        modem.imei,
        modem.manufacturer,
        modem.model,
        modem.revision,
        modem.path,
        modem.state,
        modem.at,
        this.host,
      ]);
      await client.query(SQL.placeModemInSlot, [this.host, modem.path, modem.imei, modem.at]);
      await client.query(SQL.vacateOtherSlotsOfModem, [this.host, modem.imei, modem.path]);
    });
  }

  setModemState(imei: string, state: ModemState, at: number): Promise<void> {
    return this.write(async (client) => {
      await client.query(SQL.setModemState, [imei, state, at, this.host]);
    });
  }

  recordSim(sim: SimRecord): Promise<void> {
    return this.write(async (client) => {
      await client.query(SQL.ensureModem, [sim.imei, sim.at, this.host]);
      // The SIM's row is locked from here on: its placements below are not raced by another
      // recording of the same SIM (which waits for this one's commit).
      await client.query(SQL.upsertSim, [
        sim.iccid,
        sim.imsi,
        sim.msisdn,
        sim.country,
        sim.operator,
        sim.imei,
        sim.path,
        sim.at,
        this.host,
      ]);
      await client.query(SQL.placeSimInSlot, [this.host, sim.path, sim.imei, sim.iccid, sim.at]);
      await client.query(SQL.vacateOtherSlotsOfSim, [this.host, sim.iccid, sim.path]);
      const { rows } = await client.query<PlacementRow>(SQL.latestPlacement, [sim.iccid]);
      const latest = rows[0];
      if (samePlacement(latest, { imei: sim.imei, path: sim.path, hostId: this.host })) {
        await client.query(SQL.touchPlacement, [sim.at, latest.id]);
      } else {
        await client.query(SQL.insertPlacement, [sim.iccid, sim.imei, sim.path, sim.at, this.host]);
      }
    });
  }

  setSimStatus(iccid: string, status: SimStatus, at: number): Promise<void> {
    return this.write(async (client) => {
      await client.query(SQL.setSimStatus, [iccid, status, at, this.host]);
    });
  }

  recordSimHealth(iccid: string, health: SimHealthRecord, at: number): Promise<void> {
    return this.write(async (client) => {
      await client.query(SQL.recordSimHealth, [
        iccid,
        storedSignal(health.signalDbm),
        health.registration,
        health.operator,
        at,
        this.host,
      ]);
    });
  }

  markModemSimsOffline(imei: string, at: number): Promise<void> {
    return this.write(async (client) => {
      await client.query(SQL.markModemSimsOffline, [imei, at, this.host]);
    });
  }

  async listSims(): Promise<SimRow[]> {
    const { rows } = await this.db.query<SimTableRow>(SQL.listSims);
    return rows.map(simFromRow);
  }

  async findSim(iccidOrNumber: string): Promise<SimRow | undefined> {
    const byIccid = await this.db.query<SimTableRow>(SQL.simByIccid, [iccidOrNumber.trim()]);
    if (byIccid.rows[0]) return simFromRow(byIccid.rows[0]);
    const digits = numberDigits(iccidOrNumber);
    if (digits === undefined) return undefined;
    const byNumber = await this.db.query<SimTableRow>(SQL.simByNumber, [digits]);
    return byNumber.rows[0] ? simFromRow(byNumber.rows[0]) : undefined;
  }

  /** Every modem and slot (of any host) a SIM was seen in, oldest first (not part of the port). */
  async simPlacements(iccid: string): Promise<SimPlacement[]> {
    const { rows } = await this.db.query<PlacementRow>(SQL.placements, [iccid]);
    return rows.map(placementFromRow);
  }

  /** One transaction on behalf of this host's modems: refused once this host is fenced off. */
  private write(work: (client: PostgresClient) => Promise<void>): Promise<void> {
    return this.db.transaction(async (client) => {
      await this.fencing.check(client);
      await work(client);
    });
  }
}

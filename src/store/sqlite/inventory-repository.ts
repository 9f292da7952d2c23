import type {
  InventoryRepository,
  ModemRecord,
  SimHealthRecord,
  SimRecord,
  SimRow,
  SimStatus,
} from '../../pool/index.js';
import type { SqliteDatabase } from './database.js';
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
import { settled } from './settled.js';

type ModemState = ModemRecord['state'];

/** Every statement that writes binds `@host`, this host's id. */
function prepareInventoryStatements(db: SqliteDatabase) {
  return {
    // A modem last recorded by another host is this host's now: it was moved.
    upsertModem: db.prepare<ModemRecord & { host: string }>(
      `INSERT INTO modems (imei, manufacturer, model, revision, last_path, state,
         state_changed_at, first_seen_at, last_seen_at, host_id)
       VALUES (@imei, @manufacturer, @model, @revision, @path, @state, @at, @at, @at, @host)
       ON CONFLICT (imei) DO UPDATE SET
         manufacturer = excluded.manufacturer, model = excluded.model,
         revision = excluded.revision, last_path = excluded.last_path,
         state_changed_at = CASE WHEN state = excluded.state THEN state_changed_at
                                 ELSE excluded.state_changed_at END,
         state = excluded.state, last_seen_at = excluded.last_seen_at,
         host_id = excluded.host_id`,
    ),
    // A SIM may be reported before its modem: a bare modem row keeps the foreign key whole.
    ensureModem: db.prepare<{ imei: string; at: number; host: string }>(
      `INSERT INTO modems (imei, state_changed_at, first_seen_at, last_seen_at, host_id)
       VALUES (@imei, @at, @at, @at, @host) ON CONFLICT (imei) DO NOTHING`,
    ),
    setModemState: db.prepare<{ imei: string; state: ModemState; at: number; host: string }>(
      `UPDATE modems SET
         state_changed_at = CASE WHEN state = @state THEN state_changed_at ELSE @at END,
         state = @state,
         last_seen_at = CASE WHEN @state = 'offline' THEN last_seen_at ELSE @at END
       WHERE imei = @imei AND host_id = @host`,
    ),
    // Whatever was in this slot before is not any more; this modem is in no other slot.
    placeModemInSlot: db.prepare<{ path: string; imei: string; at: number; host: string }>(
      `INSERT INTO slots (host_id, path, modem_imei, first_seen_at, last_seen_at)
       VALUES (@host, @path, @imei, @at, @at)
       ON CONFLICT (host_id, path) DO UPDATE SET
         sim_iccid = CASE WHEN modem_imei IS excluded.modem_imei THEN sim_iccid ELSE NULL END,
         modem_imei = excluded.modem_imei, last_seen_at = excluded.last_seen_at`,
    ),
    vacateOtherSlotsOfModem: db.prepare<{ path: string; imei: string; host: string }>(
      `UPDATE slots SET modem_imei = NULL, sim_iccid = NULL
        WHERE host_id = @host AND modem_imei = @imei AND path != @path`,
    ),
    // A SIM last recorded by another host is this host's now: it was moved.
    upsertSim: db.prepare<SimRecord & { host: string }>(
      `INSERT INTO sims (iccid, imsi, msisdn, country, operator, modem_imei, slot_path,
         status_changed_at, first_seen_at, last_seen_at, host_id)
       VALUES (@iccid, @imsi, @msisdn, @country, @operator, @imei, @path, @at, @at, @at, @host)
       ON CONFLICT (iccid) DO UPDATE SET
         imsi = COALESCE(excluded.imsi, imsi), msisdn = COALESCE(excluded.msisdn, msisdn),
         country = COALESCE(excluded.country, country),
         operator = COALESCE(excluded.operator, operator),
         modem_imei = excluded.modem_imei, slot_path = excluded.slot_path,
         last_seen_at = excluded.last_seen_at, host_id = excluded.host_id`,
    ),
    placeSimInSlot: db.prepare<{
      path: string;
      imei: string;
      iccid: string;
      at: number;
      host: string;
    }>(
      `INSERT INTO slots (host_id, path, modem_imei, sim_iccid, first_seen_at, last_seen_at)
       VALUES (@host, @path, @imei, @iccid, @at, @at)
       ON CONFLICT (host_id, path) DO UPDATE SET modem_imei = excluded.modem_imei,
         sim_iccid = excluded.sim_iccid, last_seen_at = excluded.last_seen_at`,
    ),
    vacateOtherSlotsOfSim: db.prepare<{ path: string; iccid: string; host: string }>(
      `UPDATE slots SET sim_iccid = NULL
        WHERE host_id = @host AND sim_iccid = @iccid AND path != @path`,
    ),
    latestPlacement: db.prepare<[string], PlacementRow>(
      'SELECT * FROM sim_placements WHERE sim_iccid = ? ORDER BY id DESC LIMIT 1',
    ),
    insertPlacement: db.prepare<{
      iccid: string;
      imei: string;
      path: string;
      at: number;
      host: string;
    }>(
      `INSERT INTO sim_placements (sim_iccid, modem_imei, slot_path, first_seen_at, last_seen_at,
         host_id)
       VALUES (@iccid, @imei, @path, @at, @at, @host)`,
    ),
    touchPlacement: db.prepare<[number, number]>(
      'UPDATE sim_placements SET last_seen_at = ? WHERE id = ?',
    ),
    placements: db.prepare<[string], PlacementRow>(
      'SELECT * FROM sim_placements WHERE sim_iccid = ? ORDER BY id',
    ),
    setSimStatus: db.prepare<{ iccid: string; status: SimStatus; at: number; host: string }>(
      `UPDATE sims SET
         status_changed_at = CASE WHEN status = @status THEN status_changed_at ELSE @at END,
         status = @status,
         last_seen_at = CASE WHEN @status = 'offline' THEN last_seen_at ELSE @at END
       WHERE iccid = @iccid AND host_id = @host`,
    ),
    recordSimHealth: db.prepare<{
      iccid: string;
      signal: number | null;
      registration: string;
      operator: string | null;
      at: number;
      host: string;
    }>(
      `UPDATE sims SET signal_dbm = @signal, registration = @registration,
         operator = COALESCE(@operator, operator), health_at = @at, last_seen_at = @at
       WHERE iccid = @iccid AND host_id = @host`,
    ),
    markModemSimsOffline: db.prepare<{ imei: string; at: number; host: string }>(
      `UPDATE sims SET status = 'offline', status_changed_at = @at
        WHERE modem_imei = @imei AND host_id = @host AND status != 'offline'`,
    ),
    listSims: db.prepare<[], SimTableRow>('SELECT * FROM sims ORDER BY slot_path, iccid'),
    simByIccid: db.prepare<[string], SimTableRow>('SELECT * FROM sims WHERE iccid = ?'),
    // Numbers are compared by digits (`+49…`, `49…`); a recycled number: the SIM seen last.
    simByNumber: db.prepare<[string], SimTableRow>(
      `SELECT * FROM sims WHERE msisdn IS NOT NULL AND ltrim(msisdn, '+') = ?
        ORDER BY last_seen_at DESC LIMIT 1`,
    ),
  };
}

/** Modems by IMEI, SIMs by ICCID, slots by (host, path): a SIM moved keeps its row. */
export class SqliteInventoryRepository implements InventoryRepository {
  private readonly s: ReturnType<typeof prepareInventoryStatements>;
  private readonly recordModemTx: (modem: ModemRecord) => void;
  private readonly recordSimTx: (sim: SimRecord) => void;

  /** `host`: this host's id ('' for a lone appliance), what its rows are recorded under. */
  constructor(
    db: SqliteDatabase,
    private readonly host = '',
  ) {
    this.s = prepareInventoryStatements(db);
    this.recordModemTx = db.transaction((modem: ModemRecord) => {
      const slot = { path: modem.path, imei: modem.imei, host };
      this.s.upsertModem.run({ ...modem, host });
      this.s.placeModemInSlot.run({ ...slot, at: modem.at });
      this.s.vacateOtherSlotsOfModem.run(slot);
    });
    this.recordSimTx = db.transaction((sim: SimRecord) => {
      this.s.ensureModem.run({ imei: sim.imei, at: sim.at, host });
      this.s.upsertSim.run({ ...sim, host });
      const place = { path: sim.path, imei: sim.imei, iccid: sim.iccid, at: sim.at, host };
      this.s.placeSimInSlot.run(place);
      this.s.vacateOtherSlotsOfSim.run(place);
      const latest = this.s.latestPlacement.get(sim.iccid);
      if (samePlacement(latest, { imei: sim.imei, path: sim.path, hostId: host })) {
        this.s.touchPlacement.run(sim.at, latest.id);
      } else {
        this.s.insertPlacement.run(place);
      }
    });
  }

  recordModem(modem: ModemRecord): Promise<void> {
    return settled(() => this.recordModemTx(modem));
  }

  setModemState(imei: string, state: ModemState, at: number): Promise<void> {
    return settled(() => {
      this.s.setModemState.run({ imei, state, at, host: this.host });
    });
  }

  recordSim(sim: SimRecord): Promise<void> {
    return settled(() => this.recordSimTx(sim));
  }

  setSimStatus(iccid: string, status: SimStatus, at: number): Promise<void> {
    return settled(() => {
      this.s.setSimStatus.run({ iccid, status, at, host: this.host });
    });
  }

  recordSimHealth(iccid: string, health: SimHealthRecord, at: number): Promise<void> {
    return settled(() => {
      this.s.recordSimHealth.run({
        iccid,
        signal: storedSignal(health.signalDbm),
        registration: health.registration,
        operator: health.operator,
        at,
        host: this.host,
      });
    });
  }

  markModemSimsOffline(imei: string, at: number): Promise<void> {
    return settled(() => {
      this.s.markModemSimsOffline.run({ imei, at, host: this.host });
    });
  }

  listSims(): Promise<SimRow[]> {
    return settled(() => this.s.listSims.all().map(simFromRow));
  }

  findSim(iccidOrNumber: string): Promise<SimRow | undefined> {
    return settled(() => {
      const byIccid = this.s.simByIccid.get(iccidOrNumber.trim());
      if (byIccid) return simFromRow(byIccid);
      const digits = numberDigits(iccidOrNumber);
      const byNumber = digits === undefined ? undefined : this.s.simByNumber.get(digits);
      return byNumber ? simFromRow(byNumber) : undefined;
    });
  }

  /** Every modem and slot a SIM was seen in, oldest first (not part of the pool's port). */
  simPlacements(iccid: string): Promise<SimPlacement[]> {
    return settled(() => this.s.placements.all(iccid).map(placementFromRow));
  }
}

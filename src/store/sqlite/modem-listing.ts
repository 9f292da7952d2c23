import type { SqliteDatabase } from './database.js';

/**
 * A modem as the daemon last recorded it, with the SIM in its slot: what `simpool modems` shows
 * without opening the ports (the running daemon owns them).
 */
export interface ModemInventoryRow {
  readonly imei: string;
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly revision: string | null;
  /** The slot (port path) it is in now, else the last path it was seen on. */
  readonly path: string | null;
  readonly state: string;
  readonly stateChangedAt: number;
  readonly lastSeenAt: number;
  readonly sim: {
    readonly iccid: string;
    readonly msisdn: string | null;
    readonly country: string | null;
    readonly operator: string | null;
    readonly status: string;
    readonly signalDbm: number | null;
    readonly registration: string | null;
    /** When signal and registration were read. */
    readonly healthAt: number | null;
  } | null;
}

interface Row {
  imei: string;
  manufacturer: string | null;
  model: string | null;
  revision: string | null;
  path: string | null;
  state: string;
  state_changed_at: number;
  last_seen_at: number;
  iccid: string | null;
  msisdn: string | null;
  country: string | null;
  operator: string | null;
  sim_status: string | null;
  signal_dbm: number | null;
  registration: string | null;
  health_at: number | null;
}

/** Every modem ever seen, by slot path; a modem's SIM is the one its slot holds now. */
export function listModemInventory(db: SqliteDatabase): ModemInventoryRow[] {
  const rows = db
    .prepare<[], Row>(
      `SELECT m.imei, m.manufacturer, m.model, m.revision, COALESCE(sl.path, m.last_path) AS path,
         m.state, m.state_changed_at, m.last_seen_at, s.iccid, s.msisdn, s.country, s.operator,
         s.status AS sim_status, s.signal_dbm, s.registration, s.health_at
       FROM modems m
       LEFT JOIN slots sl ON sl.modem_imei = m.imei
       LEFT JOIN sims s ON s.iccid = sl.sim_iccid
       ORDER BY path IS NULL, path, m.imei`,
    )
    .all();
  return rows.map((r) => ({
    imei: r.imei,
    manufacturer: r.manufacturer,
    model: r.model,
    revision: r.revision,
    path: r.path,
    state: r.state,
    stateChangedAt: r.state_changed_at,
    lastSeenAt: r.last_seen_at,
    sim:
      r.iccid === null
        ? null
        : {
            iccid: r.iccid,
            msisdn: r.msisdn,
            country: r.country,
            operator: r.operator,
            status: r.sim_status ?? 'offline',
            signalDbm: r.signal_dbm,
            registration: r.registration,
            healthAt: r.health_at,
          },
  }));
}

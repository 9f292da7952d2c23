/**
 * The modem inventory as the hosts last recorded it, with the SIM in each modem's slot: what
 * `simpool modems` shows without opening the ports (the running daemons own them), every host's
 * modems with their host and its lease state. The SQL reads the same on both engines
 * (src/store/sqlite/modem-listing.ts, src/store/postgres/modem-listing.ts).
 */
import type { RecordedModem } from '../../domain/index.js';
import { hostColumns, hostOfRow, type HostColumnsRow } from './host-state.js';

/** The domain's RecordedModem (src/domain/admin-types.ts), as both engines list it. */
export type ModemInventoryRow = RecordedModem;

export interface ModemInventoryTableRow extends HostColumnsRow {
  readonly imei: string;
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly revision: string | null;
  readonly path: string | null;
  readonly state: string;
  readonly state_changed_at: number;
  readonly last_seen_at: number;
  readonly iccid: string | null;
  readonly msisdn: string | null;
  readonly country: string | null;
  readonly operator: string | null;
  readonly sim_status: string | null;
  readonly signal_dbm: number | null;
  readonly registration: string | null;
  readonly health_at: number | null;
}

const PATH = 'COALESCE(sl.path, m.last_path)';

/** Every modem ever seen, by host then slot path; a modem's SIM is the one its slot holds now. */
export const MODEM_INVENTORY_SQL = `
SELECT m.imei, m.manufacturer, m.model, m.revision, ${PATH} AS path, m.state,
  m.state_changed_at, m.last_seen_at, s.iccid, s.msisdn, s.country, s.operator,
  s.status AS sim_status, s.signal_dbm, s.registration, s.health_at, ${hostColumns('m')}
FROM modems m
LEFT JOIN slots sl ON sl.modem_imei = m.imei AND sl.host_id = m.host_id
LEFT JOIN sims s ON s.iccid = sl.sim_iccid
LEFT JOIN hosts h ON h.id = m.host_id
ORDER BY m.host_id, ${PATH} IS NULL, ${PATH}, m.imei`;

/** `now`: the time the hosts' leases are judged at (the database's clock on PostgreSQL). */
export function modemFromInventoryRow(r: ModemInventoryTableRow, now: number): ModemInventoryRow {
  return {
    imei: r.imei,
    manufacturer: r.manufacturer,
    model: r.model,
    revision: r.revision,
    path: r.path,
    state: r.state,
    stateChangedAt: r.state_changed_at,
    lastSeenAt: r.last_seen_at,
    ...hostOfRow(r, now),
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
  };
}

import type { SimRow, SimStatus } from '../../pool/index.js';

type Registration = NonNullable<SimRow['registration']>;

export interface SimTableRow {
  readonly iccid: string;
  readonly imsi: string | null;
  readonly msisdn: string | null;
  readonly country: string | null;
  readonly operator: string | null;
  readonly modem_imei: string | null;
  readonly slot_path: string | null;
  readonly status: string;
  readonly status_changed_at: number;
  readonly signal_dbm: number | null;
  readonly registration: string | null;
  readonly health_at: number | null;
  readonly first_seen_at: number;
  readonly last_seen_at: number;
  readonly enabled: number;
}

export interface PlacementRow {
  readonly id: number;
  readonly sim_iccid: string;
  readonly modem_imei: string;
  readonly slot_path: string;
  readonly first_seen_at: number;
  readonly last_seen_at: number;
}

/** One stay of a SIM in one modem and slot. */
export interface SimPlacement {
  readonly imei: string;
  readonly path: string;
  readonly firstSeenAt: number;
  readonly lastSeenAt: number;
}

export function simFromRow(row: SimTableRow): SimRow {
  return {
    iccid: row.iccid,
    imsi: row.imsi,
    msisdn: row.msisdn,
    country: row.country,
    operator: row.operator,
    imei: row.modem_imei,
    path: row.slot_path,
    // The CHECK constraints keep these columns within the unions.
    status: row.status as SimStatus,
    signalDbm: row.signal_dbm,
    registration: row.registration as Registration | null,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    enabled: row.enabled === 1,
  };
}

/** Row mapping of modems' SIMs and their placements, shared by both engines. */
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
  readonly host_id: string;
}

export interface PlacementRow {
  readonly id: number;
  readonly sim_iccid: string;
  readonly modem_imei: string;
  readonly slot_path: string;
  readonly first_seen_at: number;
  readonly last_seen_at: number;
  readonly host_id: string;
}

/** One stay of a SIM in one modem and slot, of one host. */
export interface SimPlacement {
  readonly imei: string;
  readonly path: string;
  readonly hostId: string;
  readonly firstSeenAt: number;
  readonly lastSeenAt: number;
}

export function placementFromRow(row: PlacementRow): SimPlacement {
  return {
    imei: row.modem_imei,
    path: row.slot_path,
    hostId: row.host_id,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
  };
}

/**
 * Whether a SIM seen in this modem and slot of this host is still in its latest placement
 * (then that placement is touched), or starts a new one.
 */
export function samePlacement(
  latest: PlacementRow | undefined,
  seen: { readonly imei: string; readonly path: string; readonly hostId: string },
): latest is PlacementRow {
  return (
    latest !== undefined &&
    latest.modem_imei === seen.imei &&
    latest.slot_path === seen.path &&
    latest.host_id === seen.hostId
  );
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
    hostId: row.host_id,
  };
}

/**
 * A SIM's number as `findSim` compares it: digits only, without the `+` (`+49 151 …`,
 * `49151…`); undefined when it is not a number.
 */
export function numberDigits(wanted: string): string | undefined {
  const digits = wanted
    .trim()
    .replace(/[\s\-()]/g, '')
    .replace(/^\+/, '');
  return /^\d+$/.test(digits) ? digits : undefined;
}

/** Signal strength as stored: whole dBm. */
export function storedSignal(signalDbm: number | null): number | null {
  return signalDbm === null ? null : Math.round(signalDbm);
}

/**
 * Every host's modems on one admin page (several hosts on one database): this host's modems as
 * its pool sees them now, and the others' as their hosts last recorded them, each with its host
 * and that host's lease. Another host's modem is named by its IMEI (the id its modem actions
 * take); once its host's lease is over, it shows offline whatever was last recorded.
 */
import type { HostLeaseState } from './hosts.js';
import type { ModemView, ModemViewState, RecordedModem } from './admin-types.js';

/** A modem view with the host that drives it. */
export interface HostedModemView extends ModemView {
  readonly hostId: string;
  /** The driving host's lease; null for a modem recorded before hosts existed. */
  readonly hostState: HostLeaseState | null;
}

const VIEW_STATES: ReadonlySet<string> = new Set<ModemViewState>([
  'connecting',
  'initializing',
  'ready',
  'degraded',
  'recovering',
  'offline',
]);

/** This host's modem, as its pool sees it: its host is alive (it is answering). */
export function ownModem(view: ModemView, hostId: string): HostedModemView {
  return { ...view, hostId, hostState: 'alive' };
}

/** Another host's modem as it was recorded; `offline` unless that host's lease is alive. */
export function recordedModem(row: RecordedModem): HostedModemView {
  const recorded = VIEW_STATES.has(row.state) ? (row.state as ModemViewState) : 'offline';
  return {
    id: row.imei,
    imei: row.imei,
    manufacturer: row.manufacturer,
    model: row.model,
    state: row.hostState === 'alive' ? recorded : 'offline',
    signalDbm: row.sim?.signalDbm ?? null,
    registration: row.sim?.registration ?? null,
    operator: row.sim?.operator ?? null,
    iccid: row.sim?.iccid ?? null,
    number: row.sim?.msisdn ?? null,
    country: row.sim?.country ?? null,
    recoveryStep: null,
    hostId: row.hostId,
    hostState: row.hostState,
  };
}

/** The recorded modems other hosts drive (not this host's, nor unadopted pre-host rows). */
export function otherHostsModems(
  rows: readonly RecordedModem[],
  hostId: string,
): HostedModemView[] {
  return rows.filter((row) => row.hostId !== hostId && row.hostId !== '').map(recordedModem);
}

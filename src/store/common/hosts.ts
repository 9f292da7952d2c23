/**
 * What both engines' host registries share (src/store/sqlite/host-registry.ts,
 * src/store/postgres/host-registry.ts): row mapping, the listing's SQL, the wording of refusals
 * and of what a reaper leaves in the outbound history.
 */
import type { HostInfo, HostLeaseState, ReapedHost } from '../../domain/index.js';
import { SimpoolError } from '../../shared/index.js';

/**
 * A `hosts` row whose epoch is the session still running: not stopped, and not reaped (a reaped
 * epoch's work was handed to other hosts). `t` is the table's alias with its dot, or nothing.
 */
export function sessionCurrentSql(t = ''): string {
  return `${t}stopped_at IS NULL AND ${t}reaped_epoch < ${t}epoch`;
}

/** A `hosts` row with its counts, as `LIST_HOSTS_SQL` reads it. */
export interface HostListRow {
  readonly id: string;
  readonly epoch: number;
  readonly lease_until: number;
  readonly renewed_at: number;
  readonly started_at: number;
  readonly stopped_at: number | null;
  readonly version: string;
  readonly api_url: string | null;
  readonly modems: number;
  readonly sims: number;
  readonly ready_sims: number;
}

/** Reads the same on both engines (COUNT is a BIGINT on PostgreSQL, read as a number). */
export const LIST_HOSTS_SQL = `
SELECT h.id, h.epoch, h.lease_until, h.renewed_at, h.started_at, h.stopped_at, h.version,
       h.api_url,
       (SELECT COUNT(*) FROM modems m WHERE m.host_id = h.id) AS modems,
       (SELECT COUNT(*) FROM sims s WHERE s.host_id = h.id) AS sims,
       (SELECT COUNT(*) FROM sims s WHERE s.host_id = h.id AND s.status = 'ready') AS ready_sims
  FROM hosts h
 ORDER BY h.id`;

/** A clean stop says so; otherwise the lease says whether the host is alive at `now`. */
export function hostLeaseState(
  row: { readonly lease_until: number; readonly stopped_at: number | null },
  now: number,
): HostLeaseState {
  if (row.stopped_at !== null) return 'stopped';
  return row.lease_until > now ? 'alive' : 'expired';
}

export function hostFromRow(row: HostListRow, now: number): HostInfo {
  return {
    id: row.id,
    epoch: row.epoch,
    state: hostLeaseState(row, now),
    leaseUntil: row.lease_until,
    renewedAt: row.renewed_at,
    startedAt: row.started_at,
    stoppedAt: row.stopped_at,
    version: row.version,
    apiUrl: row.api_url,
    modems: row.modems,
    sims: { ready: row.ready_sims, total: row.sims },
  };
}

/**
 * The refusal of a second process with a host id in use. The lease's end is named so that an
 * operator who just killed the other process knows how long a takeover may wait when the lock
 * could not tell that it is gone (a process stopped with SIGSTOP, a host cut off).
 */
export function hostIdInUse(hostId: string, leaseUntil: number | undefined): SimpoolError {
  const until = leaseUntil === undefined ? '' : ` (its lease runs until ${iso(leaseUntil)})`;
  return new SimpoolError(
    'host_id_in_use',
    `host id "${hostId}" is in use by another simpool process${until}: stop that process, or give ` +
      'this one another host id (hostId in the config file, --host-id, SIMPOOL_HOST_ID)',
    { details: { hostId, ...(leaseUntil === undefined ? {} : { leaseUntil }) } },
  );
}

/** A write of a host epoch that is no longer current (fencing). */
export function hostFenced(hostId: string, epoch: number): SimpoolError {
  return new SimpoolError(
    'host_fenced',
    `host "${hostId}" epoch ${epoch} is no longer current: another process took this host id ` +
      'over (or its lease expired and its work was handed to other hosts); this process must ' +
      'stop its modem work',
    { details: { hostId, epoch } },
  );
}

/** The outbound history's word for a part a reaper put back in the queue. */
export function reapedPartDetail(hostId: string): string {
  return `host ${hostId} stopped answering before the part reached its modem: queued again`;
}

export function emptyReport(hostId: string, epoch: number): ReapedHost {
  return {
    hostId,
    epoch,
    sims: 0,
    modems: 0,
    requeuedParts: 0,
    webhookDeliveries: 0,
    sandboxDeliveries: 0,
    hostCommands: 0,
  };
}

/** A host id fit for the registry (the config checks the full pattern; '' means "no host"). */
export function requireHostId(hostId: string): void {
  if (hostId === '') {
    throw new SimpoolError('invalid_argument', 'a host id must not be empty');
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

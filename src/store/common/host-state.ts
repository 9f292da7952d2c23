/**
 * The host columns of the listings that show every host's rows (admin SIMs, modem inventory):
 * whose row it is, and that host's lease state (docs/several-hosts.md) at the listing's time,
 * read with a `LEFT JOIN hosts h ON h.id = <table>.host_id`.
 */
import type { HostLeaseState } from '../../domain/index.js';
import { hostLeaseState } from './hosts.js';

/** The columns to select; `table` is the alias of the listed table. */
export function hostColumns(table: string): string {
  return `${table}.host_id, h.lease_until AS host_lease_until, h.stopped_at AS host_stopped_at`;
}

export interface HostColumnsRow {
  readonly host_id: string;
  /** NULL when the host never started with a registry (rows of an appliance before hosts). */
  readonly host_lease_until: number | null;
  readonly host_stopped_at: number | null;
}

export interface RowHost {
  /** The host that drives it ('' for rows from before hosts, not yet adopted). */
  readonly hostId: string;
  /** That host's lease at the listing's time; null when the host has no `hosts` row. */
  readonly hostState: HostLeaseState | null;
}

export function hostOfRow(row: HostColumnsRow, now: number): RowHost {
  return {
    hostId: row.host_id,
    hostState:
      row.host_lease_until === null
        ? null
        : hostLeaseState(
            { lease_until: row.host_lease_until, stopped_at: row.host_stopped_at },
            now,
          ),
  };
}

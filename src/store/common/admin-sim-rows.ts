/**
 * The SIM inventory as the operator edits it (SimAdminPort): rows, their mapping and the SQL
 * that reads the same on both engines (src/store/sqlite/admin-sims.ts,
 * src/store/postgres/admin-sims.ts).
 */
import type { AdminSim, SimUsage } from '../../domain/index.js';
import { hostColumns, hostOfRow, type HostColumnsRow } from './host-state.js';

export interface SimAdminRow extends HostColumnsRow {
  readonly iccid: string;
  readonly country: string | null;
  readonly msisdn: string | null;
  readonly operator: string | null;
  readonly status: string;
  readonly enabled: number;
  readonly notes: string;
}

export interface UsageRow {
  readonly sim_iccid: string;
  readonly service: string;
  readonly orders: number;
}

export interface BlacklistRow {
  readonly sim_iccid: string;
  readonly service: string;
}

/** The SIMs with their host's lease (alias `s`); add a WHERE or an ORDER BY. */
export const SIM_ADMIN_SELECT = `
SELECT s.iccid, s.country, s.msisdn, s.operator, s.status, s.enabled, s.notes, ${hostColumns('s')}
FROM sims s LEFT JOIN hosts h ON h.id = s.host_id`;

/** Every number an order had (swaps included) counts for the SIM it was on. */
export const SIM_USAGE_SQL = `
SELECT n.sim_iccid, o.service, COUNT(*) AS orders
FROM order_numbers n JOIN orders o ON o.id = n.order_id
GROUP BY n.sim_iccid, o.service ORDER BY n.sim_iccid, o.service`;

export const OPERATOR_REASON = 'operator';

export function groupBySim<R extends { sim_iccid: string }, T>(
  rows: readonly R[],
  map: (row: R) => T,
): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    let list = out.get(row.sim_iccid);
    if (!list) out.set(row.sim_iccid, (list = []));
    list.push(map(row));
  }
  return out;
}

export const usageOf = (u: UsageRow): SimUsage => ({ service: u.service, orders: u.orders });

/** `now`: the time the host's lease is judged at. */
export function simOf(
  row: SimAdminRow,
  usage: SimUsage[],
  blacklist: string[],
  now: number,
): AdminSim {
  return {
    iccid: row.iccid,
    country: row.country,
    number: row.msisdn,
    operator: row.operator,
    status: row.status,
    enabled: row.enabled === 1,
    notes: row.notes,
    usage,
    blacklist,
    ...hostOfRow(row, now),
  };
}

/** Every SIM with its usage and blacklist, from the three listings. */
export function simsOf(
  rows: readonly SimAdminRow[],
  usage: readonly UsageRow[],
  blacklist: readonly BlacklistRow[],
  now: number,
): AdminSim[] {
  const usageBySim = groupBySim(usage, usageOf);
  const blacklistBySim = groupBySim(blacklist, (b) => b.service);
  return rows.map((row) =>
    simOf(row, usageBySim.get(row.iccid) ?? [], blacklistBySim.get(row.iccid) ?? [], now),
  );
}

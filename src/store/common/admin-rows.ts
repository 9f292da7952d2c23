/**
 * The admin reads' engine-neutral pieces (AdminAccountsPort, ActivityPort): row shapes, paging
 * and the merging of per-table counts. The SQL is per engine (src/store/sqlite/admin-*.ts,
 * src/store/postgres/admin-*.ts).
 */
import type {
  AdminMessage,
  CustomerSummary,
  HourCount,
  Order,
  Page,
  SimActivity,
} from '../../domain/index.js';
import { customerFromRow, encodeCursor, type CustomerTableRow } from './customer-rows.js';
import { encodeMessageCursor } from './message-cursor.js';
import { summaryFromRow, type MessageSummaryRow } from './message-rows.js';
import { orderFromRow, type OrderTableRow } from './order-rows.js';

export const OPEN_ORDER_STATUSES = `('waiting', 'received', 'retry')`;
export const HOUR_MS = 3_600_000;

/** A customer with its live balance and open orders; `seq` is its creation order. */
export interface SummaryRow extends CustomerTableRow {
  readonly seq: number;
  readonly balance: number;
  readonly open_orders: number;
}

/** A page from rows fetched with `limit + 1`, the cursor the last row's `seq`. */
function seqPage<R extends { readonly seq: number }, T>(
  rows: readonly R[],
  limit: number,
  map: (row: R) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null,
  };
}

export function customerSummaryPage(
  rows: readonly SummaryRow[],
  limit: number,
): Page<CustomerSummary> {
  return seqPage(rows, limit, (row) => ({
    customer: customerFromRow(row),
    balanceUnits: row.balance,
    openOrders: row.open_orders,
  }));
}

export function orderPage(
  rows: readonly (OrderTableRow & { readonly seq: number })[],
  limit: number,
): Page<Order> {
  return seqPage(rows, limit, orderFromRow);
}

/** The admin message list's page, its cursor (created_at, id) of the last row shown. */
export function adminMessagePage(
  rows: readonly MessageSummaryRow[],
  limit: number,
): Page<AdminMessage> {
  const items = rows
    .slice(0, limit)
    .map((row) => ({ ...summaryFromRow(row), createdAt: row.created_at }));
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeMessageCursor(last.createdAt, last.id) : null,
  };
}

/** A search text, or null when there is none. */
export const blankToNull = (text: string | undefined): string | null => {
  const trimmed = text?.trim();
  return trimmed === undefined || trimmed === '' ? null : trimmed;
};

export interface HourRow {
  readonly hour: number;
  readonly n: number;
}

/** Per-hour counts in and out merged into one entry per hour. */
export function mergeHours(inbound: readonly HourRow[], outbound: readonly HourRow[]): HourCount[] {
  const hours = new Map<number, { in: number; out: number }>();
  const at = (hour: number) => {
    let entry = hours.get(hour);
    if (!entry) hours.set(hour, (entry = { in: 0, out: 0 }));
    return entry;
  };
  for (const r of inbound) at(r.hour).in = r.n;
  for (const r of outbound) at(r.hour).out = r.n;
  return [...hours].map(([hour, c]) => ({ hour, ...c }));
}

/** By ICCID: the open order and the newest SMS received. */
export function simActivityOf(
  openOrders: readonly { readonly sim_iccid: string; readonly id: string }[],
  lastSms: readonly { readonly sim_iccid: string; readonly received_at: number }[],
): ReadonlyMap<string, SimActivity> {
  const out = new Map<string, { currentOrderId: string | null; lastSmsAt: number | null }>();
  const of = (iccid: string) => {
    let entry = out.get(iccid);
    if (!entry) out.set(iccid, (entry = { currentOrderId: null, lastSmsAt: null }));
    return entry;
  };
  for (const row of openOrders) of(row.sim_iccid).currentOrderId = row.id;
  for (const row of lastSms) of(row.sim_iccid).lastSmsAt = row.received_at;
  return out;
}

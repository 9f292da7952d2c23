import type { ApiKeyInfo, ApiScope, Customer } from '../../domain/index.js';

export interface CustomerTableRow {
  readonly id: string;
  readonly email: string;
  readonly created_at: number;
  readonly banned_until: number | null;
}

export interface ApiKeyTableRow {
  readonly id: string;
  readonly customer_id: string;
  readonly prefix: string;
  readonly key_hash: string;
  readonly scopes: string;
  readonly sandbox: number;
  readonly max_open_orders: number | null;
  readonly label: string | null;
  readonly created_at: number;
  readonly last_used_at: number | null;
  readonly revoked_at: number | null;
}

export function customerFromRow(row: CustomerTableRow): Customer {
  return {
    id: row.id,
    email: row.email,
    createdAt: row.created_at,
    bannedUntil: row.banned_until,
  };
}

export function keyFromRow(row: ApiKeyTableRow): ApiKeyInfo {
  return {
    id: row.id,
    customerId: row.customer_id,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as ApiScope[],
    sandbox: row.sandbox === 1,
    maxOpenOrders: row.max_open_orders,
    label: row.label,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/** Cursors are opaque to clients: base64url of the last row's sort key. */
export function encodeCursor(value: number): string {
  return Buffer.from(String(value), 'utf8').toString('base64url');
}

/**
 * One page from rows fetched with `limit + 1`: the extra row only tells that more exist, and the
 * cursor is the sort key of the last row returned.
 */
export function pageOf<Row, Item>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => Item,
  sortKey: (item: Item) => number,
): { items: Item[]; nextCursor: string | null } {
  const items = rows.slice(0, limit).map(toItem);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(sortKey(last)) : null,
  };
}

/** The sort key in a cursor, or null when it is not one of ours. */
export function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined || cursor === '') return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^\d{1,15}$/.test(text) ? Number(text) : null;
}

import type { RawPduKind, StoredRawPdu } from '../../pool/index.js';
import { RAW_PDU_COLUMNS, pageLimit, rawFromRow, type RawPduRow } from '../common/raw-pdus.js';
import type { Queryable } from './database.js';

const SQL = {
  all: `SELECT ${RAW_PDU_COLUMNS} FROM inbound_pdus ORDER BY id DESC LIMIT $1`,
  ofKind: `SELECT ${RAW_PDU_COLUMNS} FROM inbound_pdus WHERE kind = $1 ORDER BY id DESC LIMIT $2`,
} as const;

/** Reads of `inbound_pdus`, the raw PDUs as read from the SIMs (newest first), on PostgreSQL. */
export async function listRawPdus(
  db: Queryable,
  options: { readonly limit: number; readonly kind?: RawPduKind },
): Promise<StoredRawPdu[]> {
  const limit = pageLimit(options.limit);
  const { rows } =
    options.kind === undefined
      ? await db.query<RawPduRow>(SQL.all, [limit])
      : await db.query<RawPduRow>(SQL.ofKind, [options.kind, limit]);
  return rows.map(rawFromRow);
}

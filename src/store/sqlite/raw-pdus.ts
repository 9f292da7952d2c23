import type { RawPduKind, StoredRawPdu } from '../../pool/index.js';
import { RAW_PDU_COLUMNS, pageLimit, rawFromRow, type RawPduRow } from '../common/raw-pdus.js';
import type { SqliteDatabase } from './database.js';

/** Reads of `inbound_pdus`, the raw PDUs as read from the SIMs (newest first). */
export class RawPduReader {
  private readonly all;
  private readonly ofKind;

  constructor(db: SqliteDatabase) {
    this.all = db.prepare<[number], RawPduRow>(
      `SELECT ${RAW_PDU_COLUMNS} FROM inbound_pdus ORDER BY id DESC LIMIT ?`,
    );
    this.ofKind = db.prepare<[string, number], RawPduRow>(
      `SELECT ${RAW_PDU_COLUMNS} FROM inbound_pdus WHERE kind = ? ORDER BY id DESC LIMIT ?`,
    );
  }

  list(options: { readonly limit: number; readonly kind?: RawPduKind }): StoredRawPdu[] {
    const limit = pageLimit(options.limit);
    const rows =
      options.kind === undefined ? this.all.all(limit) : this.ofKind.all(options.kind, limit);
    return rows.map(rawFromRow);
  }
}

import type { RawPduKind, StoredRawPdu } from '../../pool/index.js';
import type { SqliteDatabase } from './database.js';

interface RawPduRow {
  readonly id: number;
  readonly sim_iccid: string;
  readonly modem_imei: string;
  readonly storage: string;
  readonly storage_index: number;
  readonly pdu: string;
  readonly kind: RawPduKind;
  readonly error: string | null;
  readonly message_id: number | null;
  readonly received_at: number;
}

function rawFromRow(row: RawPduRow): StoredRawPdu {
  return {
    id: row.id,
    iccid: row.sim_iccid,
    imei: row.modem_imei,
    storage: row.storage,
    index: row.storage_index,
    pdu: row.pdu,
    kind: row.kind,
    error: row.error,
    messageId: row.message_id,
    receivedAt: row.received_at,
  };
}

/** Reads of `inbound_pdus`, the raw PDUs as read from the SIMs (newest first). */
export class RawPduReader {
  private readonly all;
  private readonly ofKind;

  constructor(db: SqliteDatabase) {
    const columns = `id, sim_iccid, modem_imei, storage, storage_index, pdu, kind, error,
      message_id, received_at`;
    this.all = db.prepare<[number], RawPduRow>(
      `SELECT ${columns} FROM inbound_pdus ORDER BY id DESC LIMIT ?`,
    );
    this.ofKind = db.prepare<[string, number], RawPduRow>(
      `SELECT ${columns} FROM inbound_pdus WHERE kind = ? ORDER BY id DESC LIMIT ?`,
    );
  }

  list(options: { readonly limit: number; readonly kind?: RawPduKind }): StoredRawPdu[] {
    const limit = Math.max(0, Math.trunc(options.limit));
    const rows =
      options.kind === undefined ? this.all.all(limit) : this.ofKind.all(options.kind, limit);
    return rows.map(rawFromRow);
  }
}

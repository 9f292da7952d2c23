/** `inbound_pdus` rows as StoredRawPdu, on either engine (the raw PDUs as read from the SIMs). */
import type { RawPduKind, StoredRawPdu } from '../../pool/index.js';

export interface RawPduRow {
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

export const RAW_PDU_COLUMNS = `id, sim_iccid, modem_imei, storage, storage_index, pdu, kind, error,
  message_id, received_at`;

export function rawFromRow(row: RawPduRow): StoredRawPdu {
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

/** A page size as both engines' LIMIT takes it: a whole number, never negative. */
export function pageLimit(limit: number): number {
  return Math.max(0, Math.trunc(limit));
}

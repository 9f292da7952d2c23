/**
 * The decisions of an ingest that do not depend on the engine: what the raw PDU row holds, what
 * a PDU leads to once stored (a whole message, a part to reassemble, a status report, nothing
 * more), and whether a multipart is complete. Each engine runs them with its own SQL inside
 * its ingest transaction (src/store/sqlite/inbound-repository.ts, src/store/postgres/…).
 */
import {
  assembleParts,
  hasAllParts,
  partOf,
  singlePartMessage,
  type DecodedStatusReport,
  type ReassembledMessage,
  type StoredPart,
} from '../../sms/index.js';
import type { InboundRecord, RawPduKind } from '../../pool/index.js';
import { pduFingerprint, safeTime } from './inbound-rows.js';

/**
 * The record with a whole-millisecond receive time: integer columns refuse a fractional time,
 * and one odd clock value must not fail a batch.
 */
export function withSafeReceivedAt(input: InboundRecord): InboundRecord {
  const receivedAt = safeTime(input.receivedAt, Date.now());
  return receivedAt === input.receivedAt ? input : { ...input, receivedAt };
}

/** An `inbound_pdus` row to insert (its id comes from the database). */
export interface NewPduRow {
  readonly fingerprint: string;
  readonly sim_iccid: string;
  readonly modem_imei: string;
  readonly storage: string;
  readonly storage_index: number;
  readonly pdu: string;
  readonly kind: RawPduKind;
  readonly error: string | null;
  readonly received_at: number;
}

export function pduRowFrom(record: InboundRecord): NewPduRow {
  const { decoded } = record;
  return {
    fingerprint: pduFingerprint(record.iccid, record.pdu),
    sim_iccid: record.iccid,
    modem_imei: record.imei,
    storage: record.storage,
    storage_index: record.index,
    pdu: record.pdu,
    kind: decoded.type,
    error: decoded.type === 'malformed' ? decoded.error : null,
    received_at: record.receivedAt,
  };
}

/** What a newly stored PDU leads to. */
export type PduPlan =
  | { readonly kind: 'malformed' }
  | { readonly kind: 'submit' }
  | { readonly kind: 'status-report'; readonly report: DecodedStatusReport }
  /** A single-part SMS: stored as a message at once. */
  | { readonly kind: 'single'; readonly message: ReassembledMessage }
  /** A part of a multipart: stored with the others of its key until they are all in. */
  | { readonly kind: 'part'; readonly part: StoredPart };

export function planPdu(record: InboundRecord): PduPlan {
  const { decoded } = record;
  switch (decoded.type) {
    case 'malformed':
      return { kind: 'malformed' };
    case 'submit':
      return { kind: 'submit' };
    case 'status-report':
      return { kind: 'status-report', report: decoded };
    case 'deliver': {
      const now = record.receivedAt;
      const part = partOf(record.iccid, decoded, now);
      return part
        ? { kind: 'part', part }
        : { kind: 'single', message: singlePartMessage(record.iccid, decoded, now) };
    }
  }
}

/**
 * After a part was stored, with every part of its key now stored (`parts`, by sequence): the
 * message to store when they are all in, else how many are.
 */
export function reassembly(
  part: StoredPart,
  parts: readonly StoredPart[],
  now: number,
):
  | { readonly complete: true; readonly message: ReassembledMessage }
  | { readonly complete: false; readonly received: number; readonly total: number } {
  if (!hasAllParts(part.key, parts)) {
    return { complete: false, received: parts.length, total: part.key.total };
  }
  return { complete: true, message: assembleParts(part.key, parts, now) };
}

/**
 * An incomplete multipart given up on (`parts` by sequence): the message to deliver with what
 * came, unless no part is left or none is older than `cutoff` (read again under its group's
 * lock, it may have been completed meanwhile and a new wait begun).
 */
export function givenUp(
  parts: readonly StoredPart[],
  cutoff: number,
  now: number,
): ReassembledMessage | undefined {
  const first = parts[0];
  if (!first || !parts.some((part) => part.receivedAt < cutoff)) return undefined;
  return assembleParts(first.key, parts, now);
}

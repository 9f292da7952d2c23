import crypto from 'node:crypto';
import {
  concatKeyId,
  type AddressKind,
  type ConcatKey,
  type ReassembledMessage,
  type SmsEncoding,
  type StoredPart,
} from '../../sms/index.js';
import type { StoredInboundMessage } from '../../pool/index.js';
import { iso } from './iso-time.js';

/*
 * Inbound SMS rows, shared by both engines: the PDU fingerprint, row ⇄ message mapping, and the
 * `message.received` event a stored message publishes.
 */

/** The id the Messaging API shows for an inbound message (outbound ones are `msg_…`). */
export function inboundMessageId(id: number): string {
  return `in_${id}`;
}

/** One-shot hashing (Node ≥ 20.12): no Hash object per SMS. Older Node 20 takes createHash. */
const sha256Hex: (data: string) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');

/** sha256(iccid ':' upper-case PDU hex): one SMS read twice from one SIM has one fingerprint. */
export function pduFingerprint(iccid: string, pdu: string): string {
  return sha256Hex(`${iccid}:${pdu.trim().toUpperCase()}`);
}

/**
 * A time from a PDU as epoch ms. A service-centre clock can produce an invalid date; storing the
 * fallback beats refusing the batch (which would leave the SMS on the SIM, retried forever).
 */
export function safeTime(value: Date | number, fallback: number): number {
  const ms = typeof value === 'number' ? value : value.getTime();
  return Number.isFinite(ms) ? Math.trunc(ms) : fallback;
}

export function bytesHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('hex')
    .toUpperCase();
}

export interface MessageRow {
  readonly id: number;
  readonly sim_iccid: string;
  readonly sender: string;
  readonly sender_kind: string;
  readonly encoding: string;
  readonly text: string;
  readonly data_hex: string;
  readonly sent_at: number;
  readonly received_at: number;
  readonly complete: number;
  readonly part_count: number;
  readonly missing_parts: string;
  readonly concat_key: string | null;
}

export type NewMessageRow = Omit<MessageRow, 'id'>;

export function messageRowFrom(message: ReassembledMessage): NewMessageRow {
  const receivedAt = safeTime(message.completedAt, Date.now());
  return {
    sim_iccid: message.iccid,
    sender: message.sender.value,
    sender_kind: message.sender.kind,
    encoding: message.encoding,
    text: message.text,
    data_hex: bytesHex(message.data),
    sent_at: safeTime(message.sentAt, receivedAt),
    received_at: receivedAt,
    complete: message.complete ? 1 : 0,
    part_count: message.concat?.total ?? 1,
    missing_parts: JSON.stringify(message.missingParts),
    concat_key:
      message.concat === null
        ? null
        : concatKeyId({
            iccid: message.iccid,
            sender: message.sender.value,
            reference: message.concat.reference,
            referenceBits: message.concat.referenceBits,
            total: message.concat.total,
          }),
  };
}

export function messageFromRow(row: MessageRow): StoredInboundMessage {
  return {
    id: row.id,
    iccid: row.sim_iccid,
    sender: row.sender,
    text: row.text,
    encoding: row.encoding,
    sentAt: row.sent_at,
    receivedAt: row.received_at,
    complete: row.complete === 1,
    partCount: row.part_count,
    missingParts: JSON.parse(row.missing_parts) as number[],
  };
}

export interface PartRow {
  readonly key_id: string;
  readonly sequence: number;
  readonly sim_iccid: string;
  readonly sender: string;
  readonly sender_kind: string;
  readonly sender_toa: number;
  readonly reference: number;
  readonly reference_bits: number;
  readonly total: number;
  readonly encoding: string;
  readonly text: string;
  readonly data_hex: string;
  readonly sent_at: number;
  readonly received_at: number;
  readonly pdu_id: number;
}

export function partRowFrom(part: StoredPart, pduId: number): PartRow {
  return {
    key_id: part.keyId,
    sequence: part.sequence,
    sim_iccid: part.key.iccid,
    sender: part.sender.value,
    sender_kind: part.sender.kind,
    sender_toa: part.sender.toa,
    reference: part.key.reference,
    reference_bits: part.key.referenceBits,
    total: part.key.total,
    encoding: part.encoding,
    text: part.text,
    data_hex: part.dataHex,
    sent_at: safeTime(part.sentAt, part.receivedAt),
    received_at: part.receivedAt,
    pdu_id: pduId,
  };
}

export function partFromRow(row: PartRow): StoredPart {
  const key: ConcatKey = {
    iccid: row.sim_iccid,
    sender: row.sender,
    reference: row.reference,
    referenceBits: row.reference_bits === 16 ? 16 : 8,
    total: row.total,
  };
  return {
    // The stored id, not a recomputed one: it is what the rows are grouped by.
    keyId: row.key_id,
    key,
    sequence: row.sequence,
    sender: { value: row.sender, kind: row.sender_kind as AddressKind, toa: row.sender_toa },
    encoding: row.encoding as SmsEncoding,
    text: row.text,
    dataHex: row.data_hex,
    sentAt: row.sent_at,
    receivedAt: row.received_at,
  };
}

/**
 * The outbox event of a stored (whole or given-up-on) message, `to` being its SIM's number when
 * known: appended in the transaction that stores the message.
 */
export function messageReceivedEvent(stored: StoredInboundMessage, to: string | null) {
  return {
    type: 'message.received' as const,
    customerId: null,
    orderId: null,
    now: stored.receivedAt,
    data: {
      id: inboundMessageId(stored.id),
      direction: 'in',
      from: stored.sender,
      to,
      sim_id: stored.iccid,
      body: stored.text,
      parts: stored.partCount,
      complete: stored.complete,
      missing_parts: stored.missingParts,
      sent_at: iso(stored.sentAt),
      received_at: iso(stored.receivedAt),
    },
  };
}

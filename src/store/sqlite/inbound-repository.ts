import type Database from 'better-sqlite3';
import {
  assembleParts,
  hasAllParts,
  partOf,
  singlePartMessage,
  type DecodedDeliver,
  type ReassembledMessage,
} from '../../sms/index.js';
import type {
  InboundRecord,
  InboundRepository,
  IngestResult,
  RawPduKind,
  RawPduReads,
  StoredInboundMessage,
  StoredRawPdu,
} from '../../pool/index.js';
import type { SqliteDatabase } from './database.js';
import { DEFAULT_REPORT_MATCH_WINDOW_MS, DeliveryReports } from './delivery-reports.js';
import { OutboundEvents } from './outbound-events.js';
import type { OutboxWriter } from './outbox-writer.js';
import { RawPduReader } from './raw-pdus.js';
import {
  messageFromRow,
  messageRowFrom,
  partFromRow,
  partRowFrom,
  pduFingerprint,
  safeTime,
  type MessageRow,
  type NewMessageRow,
  type PartRow,
} from './inbound-rows.js';
import { iso } from '../common/iso-time.js';
import { settled } from './settled.js';

/** The id the Messaging API shows for an inbound message (outbound ones are `msg_…`). */
export function inboundMessageId(id: number): string {
  return `in_${id}`;
}

export interface InboundRepositoryOptions {
  /** How far back a status report may match a sent part (references wrap at 256). */
  readonly reportMatchWindowMs?: number;
}

function prepareInboundStatements(db: SqliteDatabase) {
  return {
    insertPdu: db.prepare(
      `INSERT INTO inbound_pdus (fingerprint, sim_iccid, modem_imei, storage, storage_index, pdu,
         kind, error, received_at)
       VALUES (@fingerprint, @sim_iccid, @modem_imei, @storage, @storage_index, @pdu, @kind,
         @error, @received_at)
       ON CONFLICT (fingerprint) DO NOTHING`,
    ),
    // No RETURNING: the table is STRICT, so the stored row is exactly the bound one plus its id.
    insertMessage: db.prepare<NewMessageRow>(
      `INSERT INTO inbound_messages (sim_iccid, sender, sender_kind, encoding, text, data_hex,
         sent_at, received_at, complete, part_count, missing_parts, concat_key)
       VALUES (@sim_iccid, @sender, @sender_kind, @encoding, @text, @data_hex, @sent_at,
         @received_at, @complete, @part_count, @missing_parts, @concat_key)`,
    ),
    linkPdu: db.prepare<[number, number]>('UPDATE inbound_pdus SET message_id = ? WHERE id = ?'),
    linkKeyPdus: db.prepare<[number, string]>(
      `UPDATE inbound_pdus SET message_id = ?
        WHERE id IN (SELECT pdu_id FROM multipart_parts WHERE key_id = ?)`,
    ),
    // A second copy of one part (same key and sequence, other bytes) is kept raw only.
    insertPart: db.prepare<PartRow>(
      `INSERT INTO multipart_parts (key_id, sequence, sim_iccid, sender, sender_kind, sender_toa,
         reference, reference_bits, total, encoding, text, data_hex, sent_at, received_at, pdu_id)
       VALUES (@key_id, @sequence, @sim_iccid, @sender, @sender_kind, @sender_toa, @reference,
         @reference_bits, @total, @encoding, @text, @data_hex, @sent_at, @received_at, @pdu_id)
       ON CONFLICT (key_id, sequence) DO NOTHING`,
    ),
    partsFor: db.prepare<[string], PartRow>(
      'SELECT * FROM multipart_parts WHERE key_id = ? ORDER BY sequence',
    ),
    deleteKey: db.prepare<[string]>('DELETE FROM multipart_parts WHERE key_id = ?'),
    expiredKeys: db
      .prepare<[number], string>(
        `SELECT key_id FROM multipart_parts GROUP BY key_id HAVING MIN(received_at) < ?
          ORDER BY MIN(received_at), key_id`,
      )
      .pluck(),
    newest: db.prepare<[number], MessageRow>(
      'SELECT * FROM inbound_messages ORDER BY id DESC LIMIT ?',
    ),
    before: db.prepare<[number, number], MessageRow>(
      'SELECT * FROM inbound_messages WHERE id < ? ORDER BY id DESC LIMIT ?',
    ),
    // received_at is not indexed: ids grow with time, so scan back from the newest.
    receivedSince: db.prepare<[number, number], MessageRow>(
      `SELECT * FROM (SELECT * FROM inbound_messages ORDER BY id DESC LIMIT ?)
        WHERE received_at >= ? ORDER BY id`,
    ),
  };
}

/**
 * Inbound SMS in SQLite. Reassembly happens inside the ingest transaction with the pure steps
 * of src/sms, so a part is never both stored as a part and as (part of) a message, and a crash
 * can never assemble a message twice or lose a part.
 */
export class SqliteInboundRepository implements InboundRepository, RawPduReads {
  private readonly s: ReturnType<typeof prepareInboundStatements>;
  private readonly reports: DeliveryReports;
  private readonly raw: RawPduReader;
  private readonly ingestTx: Database.Transaction<
    (records: readonly InboundRecord[]) => IngestResult[]
  >;
  private readonly expireTx: Database.Transaction<
    (cutoff: number, now: number) => StoredInboundMessage[]
  >;

  private readonly simNumber;

  constructor(
    db: SqliteDatabase,
    private readonly outbox: OutboxWriter,
    options: InboundRepositoryOptions = {},
  ) {
    this.s = prepareInboundStatements(db);
    this.raw = new RawPduReader(db);
    this.reports = new DeliveryReports(
      db,
      new OutboundEvents(db, outbox),
      options.reportMatchWindowMs ?? DEFAULT_REPORT_MATCH_WINDOW_MS,
    );
    this.simNumber = db
      .prepare<[string], string | null>('SELECT msisdn FROM sims WHERE iccid = ?')
      .pluck();
    // One transaction (one fsync) per batch: the pool hands over what all modems read in a tick.
    this.ingestTx = db.transaction((records: readonly InboundRecord[]) =>
      records.map((record) => this.ingestOne(record)),
    );
    this.expireTx = db.transaction((cutoff: number, now: number) => this.expireNow(cutoff, now));
  }

  ingest(records: readonly InboundRecord[]): Promise<IngestResult[]> {
    // IMMEDIATE: take the write lock up front, so a reader turned writer cannot hit BUSY midway.
    return settled(() => (records.length === 0 ? [] : this.ingestTx.immediate(records)));
  }

  expireIncomplete(cutoff: number, now: number): Promise<StoredInboundMessage[]> {
    return settled(() => this.expireTx.immediate(cutoff, now));
  }

  listMessages(options: {
    readonly limit: number;
    readonly beforeId?: number;
  }): Promise<StoredInboundMessage[]> {
    return settled(() => {
      const limit = Math.max(0, Math.trunc(options.limit));
      const rows =
        options.beforeId === undefined
          ? this.s.newest.all(limit)
          : this.s.before.all(options.beforeId, limit);
      return rows.map(messageFromRow);
    });
  }

  /** Oldest first: messages received at or after `since`, among the newest `limit`. */
  listReceivedSince(since: number, limit: number): StoredInboundMessage[] {
    return this.s.receivedSince.all(Math.max(0, Math.trunc(limit)), since).map(messageFromRow);
  }

  listRaw(options: {
    readonly limit: number;
    readonly kind?: RawPduKind;
  }): Promise<StoredRawPdu[]> {
    return settled(() => this.raw.list(options));
  }

  private ingestOne(input: InboundRecord): IngestResult {
    // STRICT integer columns refuse a fractional time; one odd clock value must not fail a batch.
    const receivedAt = safeTime(input.receivedAt, Date.now());
    const record = receivedAt === input.receivedAt ? input : { ...input, receivedAt };
    const { decoded } = record;
    const inserted = this.s.insertPdu.run({
      fingerprint: pduFingerprint(record.iccid, record.pdu),
      sim_iccid: record.iccid,
      modem_imei: record.imei,
      storage: record.storage,
      storage_index: record.index,
      pdu: record.pdu,
      kind: decoded.type,
      error: decoded.type === 'malformed' ? decoded.error : null,
      received_at: record.receivedAt,
    });
    if (inserted.changes === 0) return { kind: 'duplicate' };
    const pduId = Number(inserted.lastInsertRowid);
    switch (decoded.type) {
      case 'malformed':
        return { kind: 'malformed' };
      case 'submit':
        return { kind: 'submit' };
      case 'status-report':
        return this.reports.record(record, decoded, pduId);
      case 'deliver':
        return this.deliver(record, decoded, pduId);
    }
  }

  private deliver(record: InboundRecord, deliver: DecodedDeliver, pduId: number): IngestResult {
    const now = record.receivedAt;
    const part = partOf(record.iccid, deliver, now);
    if (!part) {
      const message = this.insertMessage(singlePartMessage(record.iccid, deliver, now));
      this.s.linkPdu.run(message.id, pduId);
      return { kind: 'message', message };
    }
    this.s.insertPart.run(partRowFrom(part, pduId));
    const parts = this.s.partsFor.all(part.keyId).map(partFromRow);
    if (!hasAllParts(part.key, parts)) {
      return { kind: 'part', received: parts.length, total: part.key.total };
    }
    const message = this.insertMessage(assembleParts(part.key, parts, now));
    this.s.linkKeyPdus.run(message.id, part.keyId);
    this.s.deleteKey.run(part.keyId);
    return { kind: 'message', message };
  }

  private expireNow(cutoff: number, now: number): StoredInboundMessage[] {
    const out: StoredInboundMessage[] = [];
    for (const keyId of this.s.expiredKeys.all(cutoff)) {
      const parts = this.s.partsFor.all(keyId).map(partFromRow);
      const first = parts[0];
      if (!first) continue;
      const message = this.insertMessage(assembleParts(first.key, parts, now));
      this.s.linkKeyPdus.run(message.id, keyId);
      this.s.deleteKey.run(keyId);
      out.push(message);
    }
    return out;
  }

  /** Stores a whole (or given-up-on) message and publishes it as `message.received`. */
  private insertMessage(message: ReassembledMessage): StoredInboundMessage {
    const row = messageRowFrom(message);
    const { lastInsertRowid } = this.s.insertMessage.run(row);
    const stored = messageFromRow({ ...row, id: Number(lastInsertRowid) });
    this.outbox.append({
      type: 'message.received',
      customerId: null,
      orderId: null,
      now: stored.receivedAt,
      data: {
        id: inboundMessageId(stored.id),
        direction: 'in',
        from: stored.sender,
        to: this.simNumber.get(stored.iccid) ?? null,
        sim_id: stored.iccid,
        body: stored.text,
        parts: stored.partCount,
        complete: stored.complete,
        missing_parts: stored.missingParts,
        sent_at: iso(stored.sentAt),
        received_at: iso(stored.receivedAt),
      },
    });
    return stored;
  }
}

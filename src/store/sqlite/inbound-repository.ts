import type Database from 'better-sqlite3';
import type { ReassembledMessage, StoredPart } from '../../sms/index.js';
import type {
  InboundRecord,
  InboundRepository,
  IngestResult,
  RawPduKind,
  RawPduReads,
  StoredInboundMessage,
  StoredRawPdu,
} from '../../pool/index.js';
import {
  DEFAULT_REPORT_MATCH_WINDOW_MS,
  type InboundRepositoryOptions,
} from '../common/delivery-reports.js';
import {
  givenUp,
  pduRowFrom,
  planPdu,
  reassembly,
  withSafeReceivedAt,
} from '../common/inbound-plan.js';
import {
  messageFromRow,
  messageReceivedEvent,
  messageRowFrom,
  partFromRow,
  partRowFrom,
  type MessageRow,
  type NewMessageRow,
  type PartRow,
} from '../common/inbound-rows.js';
import { pageLimit } from '../common/raw-pdus.js';
import type { SqliteDatabase } from './database.js';
import { DeliveryReports } from './delivery-reports.js';
import { OutboundEvents } from './outbound-events.js';
import type { OutboxWriter } from './outbox-writer.js';
import { RawPduReader } from './raw-pdus.js';
import { settled } from './settled.js';

export type { InboundRepositoryOptions } from '../common/delivery-reports.js';

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
      const limit = pageLimit(options.limit);
      const rows =
        options.beforeId === undefined
          ? this.s.newest.all(limit)
          : this.s.before.all(options.beforeId, limit);
      return rows.map(messageFromRow);
    });
  }

  listReceivedSince(since: number, limit: number): Promise<StoredInboundMessage[]> {
    return settled(() => this.s.receivedSince.all(pageLimit(limit), since).map(messageFromRow));
  }

  listRaw(options: {
    readonly limit: number;
    readonly kind?: RawPduKind;
  }): Promise<StoredRawPdu[]> {
    return settled(() => this.raw.list(options));
  }

  private ingestOne(input: InboundRecord): IngestResult {
    const record = withSafeReceivedAt(input);
    const inserted = this.s.insertPdu.run(pduRowFrom(record));
    if (inserted.changes === 0) return { kind: 'duplicate' };
    const pduId = Number(inserted.lastInsertRowid);
    const plan = planPdu(record);
    switch (plan.kind) {
      case 'malformed':
      case 'submit':
        return { kind: plan.kind };
      case 'status-report':
        return this.reports.record(record, plan.report, pduId);
      case 'single': {
        const message = this.insertMessage(plan.message);
        this.s.linkPdu.run(message.id, pduId);
        return { kind: 'message', message };
      }
      case 'part':
        return this.storePart(plan.part, pduId, record.receivedAt);
    }
  }

  private storePart(part: StoredPart, pduId: number, now: number): IngestResult {
    this.s.insertPart.run(partRowFrom(part, pduId));
    const parts = this.s.partsFor.all(part.keyId).map(partFromRow);
    const outcome = reassembly(part, parts, now);
    if (!outcome.complete) {
      return { kind: 'part', received: outcome.received, total: outcome.total };
    }
    return { kind: 'message', message: this.completeKey(part.keyId, outcome.message) };
  }

  /** Stores the message a multipart key became; its parts go, its raw PDUs point at it. */
  private completeKey(keyId: string, assembled: ReassembledMessage): StoredInboundMessage {
    const message = this.insertMessage(assembled);
    this.s.linkKeyPdus.run(message.id, keyId);
    this.s.deleteKey.run(keyId);
    return message;
  }

  private expireNow(cutoff: number, now: number): StoredInboundMessage[] {
    const out: StoredInboundMessage[] = [];
    for (const keyId of this.s.expiredKeys.all(cutoff)) {
      const assembled = givenUp(this.s.partsFor.all(keyId).map(partFromRow), cutoff, now);
      if (assembled) out.push(this.completeKey(keyId, assembled));
    }
    return out;
  }

  /** Stores a whole (or given-up-on) message and publishes it as `message.received`. */
  private insertMessage(message: ReassembledMessage): StoredInboundMessage {
    const row = messageRowFrom(message);
    const { lastInsertRowid } = this.s.insertMessage.run(row);
    const stored = messageFromRow({ ...row, id: Number(lastInsertRowid) });
    this.outbox.append(messageReceivedEvent(stored, this.simNumber.get(stored.iccid) ?? null));
    return stored;
  }
}

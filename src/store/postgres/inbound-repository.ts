/**
 * Inbound SMS on PostgreSQL (InboundRepository, RawPduReads), the twin of
 * src/store/sqlite/inbound-repository.ts: the same decisions (src/store/common/inbound-plan.ts),
 * made safe for several hosts and connections writing at once.
 *
 * - Each PDU is stored once per SIM: its fingerprint is unique and inserted with
 *   ON CONFLICT DO NOTHING, never checked first. A second transaction inserting the same
 *   fingerprint waits for the first and then finds it there (a `duplicate`).
 * - A multipart's parts are reassembled under a lock on their group (a transaction-level
 *   advisory lock on the concat key): two transactions adding parts of one message run one
 *   after the other, so the one adding the last part sees every other part and stores the
 *   message, once. A batch takes the locks of all its groups first, in one order, so two
 *   batches cannot deadlock on them.
 * - A batch is one transaction (all or nothing), run again from the start on a serialization
 *   failure or deadlock; it first checks that this host is not fenced off.
 */
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
  type PduPlan,
} from '../common/inbound-plan.js';
import {
  messageFromRow,
  messageReceivedEvent,
  messageRowFrom,
  partFromRow,
  partRowFrom,
  type MessageRow,
  type PartRow,
} from '../common/inbound-rows.js';
import { pageLimit } from '../common/raw-pdus.js';
import type { PostgresDatabase } from './database.js';
import { PostgresDeliveryReports } from './delivery-reports.js';
import type { Fencing } from './fencing.js';
import { PostgresOutboundEvents } from './outbound-events.js';
import type { PostgresOutboxWriter } from './outbox-writer.js';
import { listRawPdus } from './raw-pdus.js';
import type { PostgresClient } from './transaction.js';

/**
 * The first key of the two-key advisory locks on multipart groups (the second is
 * `hashtext(key_id)`; two groups sharing a hash merely wait for each other). Arbitrary, fixed
 * for ever, apart from the other two-key locks (HOST_LOCK_CLASS is 7369).
 */
export const MULTIPART_GROUP_LOCK_CLASS = 7370;

const MESSAGE_COLUMNS = `sim_iccid, sender, sender_kind, encoding, text, data_hex, sent_at,
  received_at, complete, part_count, missing_parts, concat_key`;
const PART_COLUMNS = `key_id, sequence, sim_iccid, sender, sender_kind, sender_toa, reference,
  reference_bits, total, encoding, text, data_hex, sent_at, received_at, pdu_id`;

const SQL = {
  insertPdu: `
INSERT INTO inbound_pdus (fingerprint, sim_iccid, modem_imei, storage, storage_index, pdu, kind,
  error, received_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (fingerprint) DO NOTHING
RETURNING id`,
  insertMessage: `
INSERT INTO inbound_messages (${MESSAGE_COLUMNS})
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
RETURNING id`,
  linkPdu: 'UPDATE inbound_pdus SET message_id = $1 WHERE id = $2',
  linkKeyPdus: `
UPDATE inbound_pdus SET message_id = $1
 WHERE id IN (SELECT pdu_id FROM multipart_parts WHERE key_id = $2)`,
  // A second copy of one part (same key and sequence, other bytes) is kept raw only.
  insertPart: `
INSERT INTO multipart_parts (${PART_COLUMNS})
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT (key_id, sequence) DO NOTHING`,
  partsFor: 'SELECT * FROM multipart_parts WHERE key_id = $1 ORDER BY sequence',
  deleteKey: 'DELETE FROM multipart_parts WHERE key_id = $1',
  // Groups of SIMs another host drives are that host's to give up on (unknown SIMs: anyone's).
  expiredKeys: `
SELECT p.key_id FROM multipart_parts p
 WHERE NOT EXISTS (SELECT 1 FROM sims s WHERE s.iccid = p.sim_iccid AND s.host_id <> $2)
 GROUP BY p.key_id HAVING MIN(p.received_at) < $1
 ORDER BY MIN(p.received_at), p.key_id COLLATE "C"`,
  // In the order of the lock keys, whatever the batch's order: one order for every batch.
  lockGroups: `
SELECT pg_advisory_xact_lock(${MULTIPART_GROUP_LOCK_CLASS}, h)
  FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY h) AS sorted`,
  simNumber: 'SELECT msisdn FROM sims WHERE iccid = $1',
  newest: 'SELECT * FROM inbound_messages ORDER BY id DESC LIMIT $1',
  before: 'SELECT * FROM inbound_messages WHERE id < $1 ORDER BY id DESC LIMIT $2',
  receivedSince: `
SELECT * FROM (SELECT * FROM inbound_messages ORDER BY id DESC LIMIT $1) AS newest
 WHERE received_at >= $2 ORDER BY id`,
} as const;

interface PlannedRecord {
  readonly record: InboundRecord;
  readonly plan: PduPlan;
}

export interface PostgresInboundOptions extends InboundRepositoryOptions {
  /** This host's id: incomplete multiparts of SIMs other hosts drive are left to them. */
  readonly hostId: string;
}

export class PostgresInboundRepository implements InboundRepository, RawPduReads {
  private readonly reports: PostgresDeliveryReports;

  constructor(
    private readonly db: PostgresDatabase,
    private readonly outbox: Pick<PostgresOutboxWriter, 'append'>,
    private readonly fencing: Fencing,
    private readonly options: PostgresInboundOptions,
  ) {
    this.reports = new PostgresDeliveryReports(
      new PostgresOutboundEvents(outbox),
      options.reportMatchWindowMs ?? DEFAULT_REPORT_MATCH_WINDOW_MS,
    );
  }

  async ingest(records: readonly InboundRecord[]): Promise<IngestResult[]> {
    if (records.length === 0) return [];
    // Decided once, outside the transaction (which may run more than once).
    const planned = records.map((input): PlannedRecord => {
      const record = withSafeReceivedAt(input);
      return { record, plan: planPdu(record) };
    });
    const groups = planned.flatMap(({ plan }) => (plan.kind === 'part' ? [plan.part.keyId] : []));
    return this.db.transaction(async (client) => {
      await this.fencing.check(client);
      await this.lockGroups(client, groups);
      const results: IngestResult[] = [];
      for (const item of planned) results.push(await this.ingestOne(client, item));
      return results;
    });
  }

  expireIncomplete(cutoff: number, now: number): Promise<StoredInboundMessage[]> {
    return this.db.transaction(async (client) => {
      await this.fencing.check(client);
      const expired = await client.query<{ key_id: string }>(SQL.expiredKeys, [
        cutoff,
        this.options.hostId,
      ]);
      const keys = expired.rows.map((row) => row.key_id);
      await this.lockGroups(client, keys);
      const out: StoredInboundMessage[] = [];
      for (const keyId of keys) {
        // Read again under the lock: another host's batch may have completed it meanwhile.
        const assembled = givenUp(await this.partsFor(client, keyId), cutoff, now);
        if (assembled) out.push(await this.completeKey(client, keyId, assembled));
      }
      return out;
    });
  }

  async listMessages(options: {
    readonly limit: number;
    readonly beforeId?: number;
  }): Promise<StoredInboundMessage[]> {
    const limit = pageLimit(options.limit);
    const { rows } =
      options.beforeId === undefined
        ? await this.db.query<MessageRow>(SQL.newest, [limit])
        : await this.db.query<MessageRow>(SQL.before, [options.beforeId, limit]);
    return rows.map(messageFromRow);
  }

  async listReceivedSince(since: number, limit: number): Promise<StoredInboundMessage[]> {
    const { rows } = await this.db.query<MessageRow>(SQL.receivedSince, [pageLimit(limit), since]);
    return rows.map(messageFromRow);
  }

  listRaw(options: {
    readonly limit: number;
    readonly kind?: RawPduKind;
  }): Promise<StoredRawPdu[]> {
    return listRawPdus(this.db, options);
  }

  private async lockGroups(client: PostgresClient, keyIds: readonly string[]): Promise<void> {
    if (keyIds.length > 0) await client.query(SQL.lockGroups, [keyIds]);
  }

  private async ingestOne(client: PostgresClient, item: PlannedRecord): Promise<IngestResult> {
    const { record, plan } = item;
    const pdu = pduRowFrom(record);
    const inserted = await client.query<{ id: number }>(SQL.insertPdu, [
      pdu.fingerprint,
      pdu.sim_iccid,
      pdu.modem_imei,
      pdu.storage,
      pdu.storage_index,
      pdu.pdu,
      pdu.kind,
      pdu.error,
      pdu.received_at,
    ]);
    const pduId = inserted.rows[0]?.id;
    if (pduId === undefined) return { kind: 'duplicate' };
    switch (plan.kind) {
      case 'malformed':
      case 'submit':
        return { kind: plan.kind };
      case 'status-report':
        return this.reports.record(client, record, plan.report, pduId);
      case 'single': {
        const message = await this.insertMessage(client, plan.message);
        await client.query(SQL.linkPdu, [message.id, pduId]);
        return { kind: 'message', message };
      }
      case 'part':
        return this.storePart(client, plan.part, pduId, record.receivedAt);
    }
  }

  private async storePart(
    client: PostgresClient,
    part: StoredPart,
    pduId: number,
    now: number,
  ): Promise<IngestResult> {
    const row = partRowFrom(part, pduId);
    await client.query(SQL.insertPart, [
      row.key_id,
      row.sequence,
      row.sim_iccid,
      row.sender,
      row.sender_kind,
      row.sender_toa,
      row.reference,
      row.reference_bits,
      row.total,
      row.encoding,
      row.text,
      row.data_hex,
      row.sent_at,
      row.received_at,
      row.pdu_id,
    ]);
    const outcome = reassembly(part, await this.partsFor(client, part.keyId), now);
    if (!outcome.complete) {
      return { kind: 'part', received: outcome.received, total: outcome.total };
    }
    return {
      kind: 'message',
      message: await this.completeKey(client, part.keyId, outcome.message),
    };
  }

  private async partsFor(client: PostgresClient, keyId: string): Promise<StoredPart[]> {
    const { rows } = await client.query<PartRow>(SQL.partsFor, [keyId]);
    return rows.map(partFromRow);
  }

  /** Stores the message a multipart key became; its parts go, its raw PDUs point at it. */
  private async completeKey(
    client: PostgresClient,
    keyId: string,
    assembled: ReassembledMessage,
  ): Promise<StoredInboundMessage> {
    const message = await this.insertMessage(client, assembled);
    await client.query(SQL.linkKeyPdus, [message.id, keyId]);
    await client.query(SQL.deleteKey, [keyId]);
    return message;
  }

  /** Stores a whole (or given-up-on) message and publishes it as `message.received`. */
  private async insertMessage(
    client: PostgresClient,
    message: ReassembledMessage,
  ): Promise<StoredInboundMessage> {
    const row = messageRowFrom(message);
    const inserted = await client.query<{ id: number }>(SQL.insertMessage, [
      row.sim_iccid,
      row.sender,
      row.sender_kind,
      row.encoding,
      row.text,
      row.data_hex,
      row.sent_at,
      row.received_at,
      row.complete,
      row.part_count,
      row.missing_parts,
      row.concat_key,
    ]);
    const stored = messageFromRow({ ...row, id: inserted.rows[0]!.id });
    const number = await client.query<{ msisdn: string | null }>(SQL.simNumber, [stored.iccid]);
    await this.outbox.append(client, messageReceivedEvent(stored, number.rows[0]?.msisdn ?? null));
    return stored;
  }
}

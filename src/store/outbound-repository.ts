import type Database from 'better-sqlite3';
import { SimpoolError } from '../shared/index.js';
import type {
  NewOutboundMessage,
  OutboundMessageRow,
  OutboundPartToSend,
  OutboundRepository,
} from '../pool/index.js';
import type { SqliteDatabase } from './database.js';
import {
  outboundMessageFromRow,
  outboundPartFromRow,
  partToSendFromRow,
  type ClaimRow,
  type OutboundMessageTableRow,
  type OutboundPartRow,
  type OutboundPartTableRow,
} from './outbound-rows.js';

type Failure = Parameters<OutboundRepository['markPartFailed']>[2];
type PartKey = { id: string; sequence: number };

// A message nobody has sent a part of yet goes back to the SIM asked for (null: any SIM).
const RELEASE_UNSENT = `status = 'queued', sender_iccid = sim_iccid, updated_at = @at
  WHERE status = 'sending' AND NOT EXISTS (SELECT 1 FROM outbound_parts p
    WHERE p.message_id = outbound_messages.id AND p.status IN ('sent', 'sending'))`;

function prepareOutboundStatements(db: SqliteDatabase) {
  return {
    messageExists: db
      .prepare<[string], number>('SELECT 1 FROM outbound_messages WHERE id = ?')
      .pluck(),
    insertMessage: db.prepare<{
      id: string;
      iccid: string | null;
      to: string;
      body: string;
      parts: number;
      at: number;
    }>(
      `INSERT INTO outbound_messages (id, sim_iccid, sender_iccid, to_number, body, status,
         part_count, created_at, updated_at)
       VALUES (@id, @iccid, @iccid, @to, @body, 'queued', @parts, @at, @at)`,
    ),
    insertPart: db.prepare<{
      id: string;
      sequence: number;
      pdu: string;
      length: number;
      at: number;
    }>(
      `INSERT INTO outbound_parts (message_id, sequence, pdu, tpdu_length, status, next_attempt_at)
       VALUES (@id, @sequence, @pdu, @length, 'queued', @at)`,
    ),
    // Oldest message first; a message already going out through another SIM is not ours.
    nextClaimable: db.prepare<{ iccid: string; at: number }, ClaimRow>(
      `SELECT p.message_id, p.sequence, p.pdu, p.tpdu_length, p.attempts, m.part_count,
              m.to_number
         FROM outbound_messages m JOIN outbound_parts p ON p.message_id = m.id
        WHERE m.status IN ('queued', 'sending')
          AND (m.sender_iccid IS NULL OR m.sender_iccid = @iccid)
          AND p.status = 'queued' AND p.next_attempt_at <= @at
        ORDER BY m.created_at, m.rowid, p.sequence
        LIMIT 1`,
    ),
    // Served by the partial index outbound_parts_queued.
    anyDue: db
      .prepare<[number], number>(
        `SELECT 1 FROM outbound_parts WHERE status = 'queued' AND next_attempt_at <= ? LIMIT 1`,
      )
      .pluck(),
    claimPart: db.prepare<PartKey & { iccid: string; at: number }>(
      `UPDATE outbound_parts SET status = 'sending', sim_iccid = @iccid, claimed_at = @at
        WHERE message_id = @id AND sequence = @sequence`,
    ),
    claimMessage: db.prepare<{ id: string; iccid: string; at: number }>(
      `UPDATE outbound_messages SET status = 'sending', sender_iccid = @iccid, updated_at = @at
        WHERE id = @id`,
    ),
    part: db.prepare<[string, number], OutboundPartTableRow>(
      'SELECT * FROM outbound_parts WHERE message_id = ? AND sequence = ?',
    ),
    parts: db.prepare<[string], OutboundPartTableRow>(
      'SELECT * FROM outbound_parts WHERE message_id = ? ORDER BY sequence',
    ),
    partSent: db.prepare<PartKey & { iccid: string; mr: number; at: number }>(
      `UPDATE outbound_parts SET status = 'sent', sim_iccid = @iccid, message_reference = @mr,
         sent_at = @at
        WHERE message_id = @id AND sequence = @sequence`,
    ),
    messageSentIfAllSent: db.prepare<{ id: string; iccid: string; at: number }>(
      `UPDATE outbound_messages
          SET status = 'sent', sent_at = @at, updated_at = @at,
              sender_iccid = COALESCE(sender_iccid, @iccid)
        WHERE id = @id AND status IN ('queued', 'sending')
          AND NOT EXISTS (SELECT 1 FROM outbound_parts
                           WHERE message_id = @id AND status != 'sent')`,
    ),
    partFailed: db.prepare<PartKey & { cms: number | null; detail: string }>(
      `UPDATE outbound_parts SET status = 'failed', cms_error = @cms, error_detail = @detail
        WHERE message_id = @id AND sequence = @sequence`,
    ),
    cancelQueuedParts: db.prepare<{ id: string }>(
      `UPDATE outbound_parts SET status = 'failed', error_detail = 'message failed'
        WHERE message_id = @id AND status = 'queued'`,
    ),
    messageFailed: db.prepare<{ id: string; detail: string; at: number }>(
      `UPDATE outbound_messages
          SET status = 'failed', error_code = 'sms_send_failed', error_detail = @detail,
              updated_at = @at
        WHERE id = @id AND status IN ('queued', 'sending')`,
    ),
    partRetry: db.prepare<PartKey & { cms: number | null; detail: string; retryAt: number }>(
      `UPDATE outbound_parts
          SET status = 'queued', attempts = attempts + 1, next_attempt_at = @retryAt,
              cms_error = @cms, error_detail = @detail, sim_iccid = NULL, claimed_at = NULL
        WHERE message_id = @id AND sequence = @sequence`,
    ),
    releaseMessage: db.prepare<{ id: string; at: number }>(
      `UPDATE outbound_messages SET ${RELEASE_UNSENT} AND id = @id`,
    ),
    requeueSending: db.prepare<{ at: number }>(
      `UPDATE outbound_parts
          SET status = 'queued', attempts = attempts + 1, next_attempt_at = @at,
              sim_iccid = NULL, claimed_at = NULL
        WHERE status = 'sending'`,
    ),
    releaseAll: db.prepare<{ at: number }>(`UPDATE outbound_messages SET ${RELEASE_UNSENT}`),
    message: db.prepare<[string], OutboundMessageTableRow>(
      'SELECT * FROM outbound_messages WHERE id = ?',
    ),
  };
}

/**
 * Outbound SMS in SQLite. A part is claimed for one SIM before it is sent, and all parts of a
 * message go out through the SIM that claimed the first one (the recipient sees one sender).
 */
export class SqliteOutboundRepository implements OutboundRepository {
  private readonly s: ReturnType<typeof prepareOutboundStatements>;
  private readonly enqueueTx: Database.Transaction<(message: NewOutboundMessage) => void>;
  private readonly claimTx: Database.Transaction<
    (iccid: string, at: number) => OutboundPartToSend | undefined
  >;
  private readonly sentTx: Database.Transaction<
    (key: PartKey, iccid: string, mr: number, at: number) => void
  >;
  private readonly failedTx: Database.Transaction<(key: PartKey, f: Failure, at: number) => void>;
  private readonly requeueTx: Database.Transaction<(at: number) => number>;

  constructor(db: SqliteDatabase) {
    const s = prepareOutboundStatements(db);
    this.s = s;
    this.enqueueTx = db.transaction((message: NewOutboundMessage) => {
      if (message.parts.length === 0) {
        throw new SimpoolError('invalid_argument', `outbound message ${message.id} has no parts`);
      }
      if (s.messageExists.get(message.id)) {
        throw new SimpoolError('invalid_argument', `outbound message ${message.id} exists`);
      }
      const at = message.createdAt;
      s.insertMessage.run({ ...message, parts: message.parts.length, at });
      message.parts.forEach((part, index) => {
        s.insertPart.run({
          id: message.id,
          sequence: index + 1,
          pdu: part.pduHex,
          length: part.tpduLength,
          at,
        });
      });
    });
    this.claimTx = db.transaction((iccid: string, at: number) => {
      const row = s.nextClaimable.get({ iccid, at });
      if (!row) return undefined;
      s.claimPart.run({ id: row.message_id, sequence: row.sequence, iccid, at });
      s.claimMessage.run({ id: row.message_id, iccid, at });
      return partToSendFromRow(row);
    });
    this.sentTx = db.transaction((key: PartKey, iccid: string, mr: number, at: number) => {
      const part = this.requirePart(key);
      if (part.status === 'sent' && part.message_reference === mr) return;
      s.partSent.run({ ...key, iccid, mr, at });
      s.messageSentIfAllSent.run({ id: key.id, iccid, at });
    });
    this.failedTx = db.transaction((key: PartKey, failure: Failure, at: number) => {
      // Only a part being sent can fail; anything else is a stale or repeated report.
      if (this.requirePart(key).status !== 'sending') return;
      const cms = failure.cmsError;
      if (failure.permanent) {
        const detail = cms === null ? failure.detail : `${failure.detail} (+CMS ERROR: ${cms})`;
        s.partFailed.run({ ...key, cms, detail: failure.detail });
        s.cancelQueuedParts.run({ id: key.id });
        s.messageFailed.run({ id: key.id, detail, at });
      } else {
        s.partRetry.run({ ...key, cms, detail: failure.detail, retryAt: failure.retryAt ?? at });
        s.releaseMessage.run({ id: key.id, at });
      }
    });
    this.requeueTx = db.transaction((at: number) => {
      const requeued = s.requeueSending.run({ at }).changes;
      s.releaseAll.run({ at });
      return requeued;
    });
  }

  enqueue(message: NewOutboundMessage): void {
    this.enqueueTx.immediate(message);
  }

  hasClaimable(at: number): boolean {
    return this.s.anyDue.get(at) !== undefined;
  }

  claimNext(iccid: string, at: number): OutboundPartToSend | undefined {
    return this.claimTx.immediate(iccid, at);
  }

  markPartSent(
    messageId: string,
    sequence: number,
    iccid: string,
    messageReference: number,
    at: number,
  ): void {
    this.sentTx.immediate({ id: messageId, sequence }, iccid, messageReference, at);
  }

  markPartFailed(messageId: string, sequence: number, failure: Failure, at: number): void {
    this.failedTx.immediate({ id: messageId, sequence }, failure, at);
  }

  requeueInterrupted(at: number): number {
    return this.requeueTx.immediate(at);
  }

  getMessage(id: string): OutboundMessageRow | undefined {
    const row = this.s.message.get(id);
    return row ? outboundMessageFromRow(row) : undefined;
  }

  /** The parts of a message in sequence order (not part of the pool's port). */
  getParts(id: string): OutboundPartRow[] {
    return this.s.parts.all(id).map(outboundPartFromRow);
  }

  private requirePart(key: PartKey): OutboundPartTableRow {
    const part = this.s.part.get(key.id, key.sequence);
    if (!part) {
      throw new SimpoolError('not_found', `no outbound part ${key.id}#${key.sequence}`, {
        details: { messageId: key.id, sequence: key.sequence },
      });
    }
    return part;
  }
}

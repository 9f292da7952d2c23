/**
 * What every change of an outbound message leaves behind, inside the caller's transaction: a
 * history row (of the message, or of one part) and, for the changes the Messaging API publishes,
 * an outbox event (`message.sent`, `message.delivered`, `message.failed`, `message.unknown`).
 */
import { outboundEvent, type OutboundEventType } from '../common/outbound-events.js';
import type { OutboundMessageTableRow } from '../common/outbound-rows.js';
import type { SqliteDatabase } from './database.js';
import type { OutboxWriter } from './outbox-writer.js';

export class OutboundEvents {
  private readonly s;

  constructor(
    db: SqliteDatabase,
    private readonly outbox: OutboxWriter,
  ) {
    this.s = {
      history: db.prepare<{
        id: string;
        sequence: number | null;
        status: string;
        iccid: string | null;
        detail: string | null;
        at: number;
      }>(
        `INSERT INTO outbound_history (message_id, sequence, status, sim_iccid, detail, at)
         VALUES (@id, @sequence, @status, @iccid, @detail, @at)`,
      ),
      message: db.prepare<[string], OutboundMessageTableRow>(
        'SELECT * FROM outbound_messages WHERE id = ?',
      ),
      number: db
        .prepare<[string], string | null>('SELECT msisdn FROM sims WHERE iccid = ?')
        .pluck(),
      attempts: db
        .prepare<[string], number>(
          // Tries of its most-tried part: a 3-part message sent at once took 1 attempt.
          `SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM outbound_history
            WHERE message_id = ? AND sequence IS NOT NULL AND status = 'sending'
            GROUP BY sequence)`,
        )
        .pluck(),
    };
  }

  /** One history row; `sequence` null for the message itself. */
  record(
    id: string,
    sequence: number | null,
    status: string,
    at: number,
    extra: { readonly iccid?: string | null; readonly detail?: string | null } = {},
  ): void {
    this.s.history.run({
      id,
      sequence,
      status,
      iccid: extra.iccid ?? null,
      detail: extra.detail ?? null,
      at,
    });
  }

  /** The message's new state in its history and, as `type`, in the outbox. */
  publish(type: OutboundEventType, id: string, at: number): void {
    const row = this.s.message.get(id);
    if (!row) return;
    this.record(id, null, row.status, at, { iccid: row.sender_iccid, detail: row.error_detail });
    const from = row.sender_iccid === null ? null : (this.s.number.get(row.sender_iccid) ?? null);
    this.outbox.append(outboundEvent(type, row, from, this.s.attempts.get(id) ?? 0, at));
  }
}

/**
 * What every change of an outbound message leaves behind, inside the caller's transaction: a
 * history row (of the message, or of one part) and, for the changes the Messaging API publishes,
 * an outbox event (`message.sent`, `message.delivered`, `message.failed`, `message.unknown`).
 */
import type { EventType } from '../../domain/index.js';
import type { SqliteDatabase } from './database.js';
import type { OutboxWriter } from './outbox-writer.js';
import { iso } from '../common/iso-time.js';
import type { OutboundMessageTableRow } from './outbound-rows.js';

export type OutboundEventType = Extract<EventType, `message.${string}`>;

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
    const sender = row.sender_iccid;
    const failed = ['failed', 'expired', 'unknown'].includes(row.status);
    this.outbox.append({
      type,
      customerId: row.customer_id,
      orderId: null,
      now: at,
      data: {
        id: row.id,
        direction: 'out',
        status: row.status,
        from: sender === null ? null : (this.s.number.get(sender) ?? null),
        to: row.to_number,
        sim_id: sender,
        parts: row.part_count,
        attempts: this.s.attempts.get(id) ?? 0,
        ...(failed
          ? {
              error: {
                code: row.error_code,
                cms_error: row.cms_error,
                detail: row.error_detail,
              },
            }
          : {}),
        created_at: iso(row.created_at),
        sent_at: row.sent_at === null ? null : iso(row.sent_at),
        delivered_at: row.delivered_at === null ? null : iso(row.delivered_at),
      },
    });
  }
}

import type { SqliteDatabase } from './database.js';
import type {
  ClaimRow,
  OutboundMessageTableRow,
  OutboundPartTableRow,
  RoutableRow,
} from '../common/outbound-rows.js';

type PartKey = { id: string; sequence: number };

/** The prepared statements of the outbound queue (tables of migrations 1 and 7). */
export function prepareOutboundStatements(db: SqliteDatabase) {
  return {
    messageExists: db
      .prepare<[string], number>('SELECT 1 FROM outbound_messages WHERE id = ?')
      .pluck(),
    insertMessage: db.prepare<{
      id: string;
      iccid: string | null;
      to: string;
      toCountry: string | null;
      body: string;
      parts: number;
      priority: number;
      deliveryReport: number;
      validUntil: number | null;
      customerId: string | null;
      apiKeyId: string | null;
      at: number;
    }>(
      `INSERT INTO outbound_messages (id, sim_iccid, sender_iccid, to_number, to_country, body,
         status, part_count, priority, delivery_report, valid_until, customer_id, api_key_id,
         created_at, updated_at)
       VALUES (@id, @iccid, @iccid, @to, @toCountry, @body, 'queued', @parts, @priority,
         @deliveryReport, @validUntil, @customerId, @apiKeyId, @at, @at)`,
    ),
    insertPart: db.prepare<PartKey & { pdu: string; length: number; at: number }>(
      `INSERT INTO outbound_parts (message_id, sequence, pdu, tpdu_length, status, next_attempt_at)
       VALUES (@id, @sequence, @pdu, @length, 'queued', @at)`,
    ),
    // Served by the partial index outbound_messages_routable; a message with a part in flight
    // is not queued (its status is `sending`).
    routable: db.prepare<
      { at: number; limit: number; ready: string; urgentReady: string; urgent: number },
      RoutableRow
    >(
      `SELECT m.id, m.to_country, m.priority, m.sender_iccid, m.avoid_iccid, m.avoid_until
         FROM outbound_messages m
        WHERE m.status = 'queued'
          AND (m.valid_until IS NULL OR m.valid_until > @at
               OR EXISTS (SELECT 1 FROM outbound_parts s
                           WHERE s.message_id = m.id AND s.status = 'sent'))
          AND (m.sender_iccid IS NULL
               OR m.sender_iccid IN (SELECT value FROM json_each(@ready))
               OR (m.priority >= @urgent
                   AND m.sender_iccid IN (SELECT value FROM json_each(@urgentReady))))
          AND EXISTS (SELECT 1 FROM outbound_parts p WHERE p.message_id = m.id
                        AND p.status = 'queued' AND p.next_attempt_at <= @at)
        ORDER BY m.priority DESC, m.created_at, m.rowid
        LIMIT @limit`,
    ),
    // Served by the partial index outbound_parts_queued.
    anyDue: db
      .prepare<[number], number>(
        `SELECT 1 FROM outbound_parts WHERE status = 'queued' AND next_attempt_at <= ? LIMIT 1`,
      )
      .pluck(),
    message: db.prepare<[string], OutboundMessageTableRow>(
      'SELECT * FROM outbound_messages WHERE id = ?',
    ),
    nextPart: db.prepare<{ id: string; at: number }, ClaimRow>(
      `SELECT p.message_id, p.sequence, p.pdu, p.tpdu_length, p.attempts, m.part_count,
              m.to_number
         FROM outbound_parts p JOIN outbound_messages m ON m.id = p.message_id
        WHERE p.message_id = @id AND p.status = 'queued' AND p.next_attempt_at <= @at
        ORDER BY p.sequence LIMIT 1`,
    ),
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
    partSent: db.prepare<PartKey & { iccid: string; mr: number | null; at: number }>(
      `UPDATE outbound_parts SET status = 'sent', sim_iccid = @iccid, message_reference = @mr,
         sent_at = @at
        WHERE message_id = @id AND sequence = @sequence`,
    ),
    // Once every part is out the message is `sent`; until then it stays `sending`.
    messageSentIfAllSent: db.prepare<{ id: string; at: number }>(
      `UPDATE outbound_messages SET status = 'sent', sent_at = @at, updated_at = @at
        WHERE id = @id AND status = 'sending'
          AND NOT EXISTS (SELECT 1 FROM outbound_parts WHERE message_id = @id AND status != 'sent')`,
    ),
    partInFlight: db
      .prepare<[string], number>(
        `SELECT 1 FROM outbound_parts WHERE message_id = ? AND status = 'sending' LIMIT 1`,
      )
      .pluck(),
    partFailed: db.prepare<PartKey & { cms: number | null; detail: string }>(
      `UPDATE outbound_parts SET status = 'failed', cms_error = @cms, error_detail = @detail
        WHERE message_id = @id AND sequence = @sequence`,
    ),
    cancelQueuedParts: db.prepare<{ id: string; detail: string }>(
      `UPDATE outbound_parts SET status = 'failed', error_detail = @detail
        WHERE message_id = @id AND status = 'queued'`,
    ),
    messageFailed: db.prepare<{
      id: string;
      status: 'failed' | 'expired';
      code: string;
      cms: number | null;
      detail: string;
      at: number;
    }>(
      `UPDATE outbound_messages
          SET status = @status, error_code = @code, cms_error = @cms, error_detail = @detail,
              updated_at = @at
        WHERE id = @id AND status IN ('queued', 'sending')`,
    ),
    partRetry: db.prepare<PartKey & { cms: number | null; detail: string; retryAt: number }>(
      `UPDATE outbound_parts
          SET status = 'queued', attempts = attempts + 1, next_attempt_at = @retryAt,
              cms_error = @cms, error_detail = @detail, sim_iccid = NULL, claimed_at = NULL,
              send_path = NULL, slot_storage = NULL, slot_index = NULL
        WHERE message_id = @id AND sequence = @sequence`,
    ),
    anyPartSent: db
      .prepare<[string], number>(
        `SELECT 1 FROM outbound_parts WHERE message_id = ? AND status = 'sent' LIMIT 1`,
      )
      .pluck(),
    // Back in the queue. Nothing out yet: routing may give it to any SIM (or the one asked
    // for), preferring one other than `avoid` until `avoidUntil`.
    release: db.prepare<{
      id: string;
      keepSender: number;
      avoid: string | null;
      avoidUntil: number | null;
      at: number;
    }>(
      `UPDATE outbound_messages
          SET status = 'queued', updated_at = @at,
              sender_iccid = CASE WHEN @keepSender = 1 THEN sender_iccid ELSE sim_iccid END,
              avoid_iccid = COALESCE(@avoid, avoid_iccid),
              avoid_until = COALESCE(@avoidUntil, avoid_until)
        WHERE id = @id AND status = 'sending'`,
    ),
    expiring: db
      .prepare<[number], string>(
        // The first three terms are the partial index outbound_messages_expiring's own. A
        // message with parts out is finished, never cut short (a truncated concatenation).
        `SELECT id FROM outbound_messages m
          WHERE status IN ('queued', 'sending') AND valid_until IS NOT NULL AND valid_until <= ?
            AND status = 'queued'
            AND NOT EXISTS (SELECT 1 FROM outbound_parts p
                             WHERE p.message_id = m.id AND p.status = 'sent')`,
      )
      .pluck(),
    // This host's only (its SIMs'): other hosts' messages are theirs to recover.
    interrupted: db
      .prepare<[string], string>(
        `SELECT id FROM outbound_messages
          WHERE status = 'sending'
            AND sender_iccid IN (SELECT iccid FROM sims WHERE host_id = ?)`,
      )
      .pluck(),
    sendTimes: db
      .prepare<[string, number], number>(
        `SELECT at FROM outbound_history
          WHERE sim_iccid = ? AND status = 'sending' AND sequence IS NOT NULL AND at >= ?
          ORDER BY at`,
      )
      .pluck(),
    offLimits: db.prepare<[], { iccid: string; rented: number }>(
      `SELECT sim_iccid AS iccid, 1 AS rented FROM orders
        WHERE status IN ('waiting', 'received', 'retry')
       UNION ALL
       SELECT iccid, 0 AS rented FROM sims WHERE enabled = 0`,
    ),
  };
}

export type OutboundStatements = ReturnType<typeof prepareOutboundStatements>;

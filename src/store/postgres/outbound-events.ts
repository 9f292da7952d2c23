/**
 * What every change of an outbound message leaves behind, inside the caller's transaction (the
 * PostgreSQL twin of src/store/sqlite/outbound-events.ts): a history row (of the message, or of
 * one part) and, for the changes the Messaging API publishes, an outbox event.
 */
import { outboundEvent, type OutboundEventType } from '../common/outbound-events.js';
import type { OutboundMessageTableRow } from '../common/outbound-rows.js';
import type { PostgresOutboxWriter } from './outbox-writer.js';
import type { PostgresClient } from './transaction.js';

const HISTORY = `
INSERT INTO outbound_history (message_id, sequence, status, sim_iccid, detail, at)
VALUES ($1, $2, $3, $4, $5, $6)`;

// The message, its sender's number and the tries of its most-tried part (a 3-part message sent
// at once took 1 attempt), in one round trip.
const PUBLISHED = `
SELECT m.*,
       (SELECT msisdn FROM sims WHERE iccid = m.sender_iccid) AS sender_number,
       (SELECT COALESCE(MAX(tries.n), 0) FROM (
          SELECT COUNT(*) AS n FROM outbound_history
           WHERE message_id = m.id AND sequence IS NOT NULL AND status = 'sending'
           GROUP BY sequence) AS tries) AS attempts
  FROM outbound_messages m WHERE m.id = $1`;

type PublishedRow = OutboundMessageTableRow & {
  readonly sender_number: string | null;
  readonly attempts: number;
};

export class PostgresOutboundEvents {
  constructor(private readonly outbox: PostgresOutboxWriter) {}

  /** One history row; `sequence` null for the message itself. */
  async record(
    client: PostgresClient,
    id: string,
    sequence: number | null,
    status: string,
    at: number,
    extra: { readonly iccid?: string | null; readonly detail?: string | null } = {},
  ): Promise<void> {
    await client.query(HISTORY, [
      id,
      sequence,
      status,
      extra.iccid ?? null,
      extra.detail ?? null,
      at,
    ]);
  }

  /** The message's new state in its history and, as `type`, in the outbox. */
  async publish(
    client: PostgresClient,
    type: OutboundEventType,
    id: string,
    at: number,
  ): Promise<void> {
    const row = (await client.query<PublishedRow>(PUBLISHED, [id])).rows[0];
    if (!row) return;
    await this.record(client, id, null, row.status, at, {
      iccid: row.sender_iccid,
      detail: row.error_detail,
    });
    await this.outbox.append(client, outboundEvent(type, row, row.sender_number, row.attempts, at));
  }
}

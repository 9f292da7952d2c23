/**
 * What every change of an outbound message leaves behind on PostgreSQL, inside the caller's
 * transaction (the twin of src/store/sqlite/outbound-events.ts): a history row (of the message,
 * or of one part) and, for the changes the Messaging API publishes, an outbox event.
 */
import {
  outboundEvent,
  type OutboundEventSource,
  type OutboundEventType,
} from '../common/outbound-events.js';
import type { PostgresOutboxWriter } from './outbox-writer.js';
import type { PostgresClient } from './transaction.js';

const SQL = {
  history: `
INSERT INTO outbound_history (message_id, sequence, status, sim_iccid, detail, at)
VALUES ($1, $2, $3, $4, $5, $6)`,
  // The message, its sending SIM's number and the tries of its most-tried part (a 3-part
  // message sent at once took 1 attempt), in one round trip.
  message: `
SELECT m.*, s.msisdn AS sender_number,
  (SELECT COALESCE(MAX(n), 0) FROM (
     SELECT COUNT(*) AS n FROM outbound_history h
      WHERE h.message_id = m.id AND h.sequence IS NOT NULL AND h.status = 'sending'
      GROUP BY h.sequence) AS per_part) AS attempts
FROM outbound_messages m LEFT JOIN sims s ON s.iccid = m.sender_iccid
WHERE m.id = $1`,
} as const;

type PublishedRow = OutboundEventSource & {
  readonly sender_number: string | null;
  readonly attempts: number;
};

export class PostgresOutboundEvents {
  constructor(private readonly outbox: Pick<PostgresOutboxWriter, 'append'>) {}

  /** One history row; `sequence` null for the message itself. */
  async record(
    client: PostgresClient,
    id: string,
    sequence: number | null,
    status: string,
    at: number,
    extra: { readonly iccid?: string | null; readonly detail?: string | null } = {},
  ): Promise<void> {
    await client.query(SQL.history, [
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
    const { rows } = await client.query<PublishedRow>(SQL.message, [id]);
    const row = rows[0];
    if (!row) return;
    await this.record(client, id, null, row.status, at, {
      iccid: row.sender_iccid,
      detail: row.error_detail,
    });
    const from = row.sender_iccid === null ? null : row.sender_number;
    await this.outbox.append(client, outboundEvent(type, row, from, row.attempts, at));
  }
}

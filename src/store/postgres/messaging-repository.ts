/**
 * The Messaging API's storage on PostgreSQL (MessagingPort; the twin of
 * src/store/sqlite/messaging-repository.ts): a validated draft is encoded into its SUBMIT PDUs
 * (common/outbound-drafts.ts) and queued in one transaction, which wakes every host's router and
 * records the request's idempotency key (common/idempotent-effects.ts); reads come from
 * message-reads.ts.
 */
import type {
  MessageAudience,
  MessageDetail,
  MessageListQuery,
  MessageView,
  MessagingPort,
  OutboundDraft,
  Page,
  QueuedMessage,
  SenderSim,
} from '../../domain/index.js';
import {
  QUEUED_MESSAGE_COLUMNS,
  outboundFromDraft,
  queuedFrom,
  queuedFromRow,
  type QueuedMessageRow,
} from '../common/outbound-drafts.js';
import type { PostgresDatabase } from './database.js';
import { recordEffect, recordedEffect } from './idempotent-effects.js';
import { PostgresMessageReads } from './message-reads.js';
import type { PostgresOutboundRepository } from './outbound-repository.js';

const KIND_OF = 'SELECT kind FROM customers WHERE id = $1';

const QUEUED = `SELECT ${QUEUED_MESSAGE_COLUMNS} FROM outbound_messages WHERE id = $1`;

// By ICCID, else by number compared by digits (`+49 151 …`, `49151…`), as the SQLite inventory
// finds a SIM; a recycled number: the SIM seen last. Whatever host drives it.
const SENDER_SIM = `
WITH wanted AS (
  SELECT btrim($1) AS iccid,
         regexp_replace(regexp_replace(btrim($1), '[[:space:]()-]', '', 'g'), '^\\+', '') AS digits)
SELECT iccid, msisdn, enabled FROM (
  SELECT s.iccid, s.msisdn, s.enabled, 0 AS rank, s.last_seen_at
    FROM sims s, wanted w WHERE s.iccid = w.iccid
  UNION ALL
  SELECT s.iccid, s.msisdn, s.enabled, 1 AS rank, s.last_seen_at
    FROM sims s, wanted w
   WHERE w.digits ~ '^[0-9]+$' AND s.msisdn IS NOT NULL AND ltrim(s.msisdn, '+') = w.digits
) AS found
ORDER BY rank, last_seen_at DESC
LIMIT 1`;

export class PostgresMessagingRepository implements MessagingPort {
  private readonly reads: PostgresMessageReads;

  constructor(
    private readonly db: PostgresDatabase,
    private readonly outbound: PostgresOutboundRepository,
  ) {
    this.reads = new PostgresMessageReads(db);
  }

  async isOperatorAccount(customerId: string): Promise<boolean> {
    const row = (await this.db.query<{ kind: string }>(KIND_OF, [customerId])).rows[0];
    return row?.kind === 'operator';
  }

  async findSim(iccidOrNumber: string): Promise<SenderSim | undefined> {
    type Row = { iccid: string; msisdn: string | null; enabled: number };
    const row = (await this.db.query<Row>(SENDER_SIM, [iccidOrNumber])).rows[0];
    return row ? { iccid: row.iccid, msisdn: row.msisdn, enabled: row.enabled === 1 } : undefined;
  }

  queue(draft: OutboundDraft): Promise<QueuedMessage> {
    const message = outboundFromDraft(draft);
    const claimed = draft.claimedKey;
    return this.db.transaction(async (c) => {
      // A re-run of a request whose holder died after queueing: the same message, not a second.
      const sent = claimed && (await recordedEffect(c, claimed, 'message'));
      const row = sent && (await c.query<QueuedMessageRow>(QUEUED, [sent.id])).rows[0];
      if (row) return queuedFromRow(row);
      await this.outbound.enqueueWithin(c, message);
      if (claimed)
        await recordEffect(c, claimed, { kind: 'message', id: message.id, detail: null });
      return queuedFrom(message);
    });
  }

  getMessage(id: string, audience: MessageAudience): Promise<MessageDetail | undefined> {
    return this.reads.getMessage(id, audience);
  }

  listMessages(query: MessageListQuery, audience: MessageAudience): Promise<Page<MessageView>> {
    return this.reads.listMessages(query, audience);
  }
}

/**
 * The Messaging API's reads on PostgreSQL (the twin of src/store/sqlite/message-reads.ts): SMS in
 * (`in_<n>`) and out (`msg_…`) in one newest-first list, one message with its history and parts.
 * An operator sees every SMS; a customer only the inbound SMS attached to its own orders (of the
 * key's mode), never an outbound one. Ids compare bytewise (COLLATE "C"), as on SQLite, whatever
 * the database's collation: the cursor's order is the same on both engines.
 */
import type {
  MessageAudience,
  MessageDetail,
  MessageListQuery,
  MessageView,
  Page,
} from '../../domain/index.js';
import { decodeMessageCursor } from '../common/message-cursor.js';
import {
  CUSTOMER_FROM,
  INBOUND_COLUMNS,
  INBOUND_FROM,
  OUTBOUND_COLUMNS,
  OUTBOUND_FROM,
  audienceOwner,
  inboundNumber,
  outboundIds,
  pageOfViews,
  partViews,
  viewsWithHistory,
  type MessageHistoryRow,
  type MessageViewRow,
} from '../common/message-views.js';
import type { OutboundPartTableRow } from '../common/outbound-rows.js';
import type { Queryable } from './database.js';

// Parameters of the pages: $1 direction, $2 status, $3 before (created_at), $4 before (id),
// $5 limit; the customer's page adds $6 customer and $7 sandbox.
const INBOUND_ID = `('in_' || m.id) COLLATE "C"`;
const INBOUND_WANTED = `($1::text IS NULL OR $1 = 'in') AND ($2::text IS NULL OR $2 = 'received')
  AND ($3::bigint IS NULL OR m.received_at < $3
       OR (m.received_at = $3 AND ${INBOUND_ID} < $4::text))`;
const INBOUND_ORDER = `m.received_at DESC, ${INBOUND_ID} DESC`;

// Each table newest first up to the limit, then merged: the outbound one pages by its index.
const OPERATOR_PAGE = `
SELECT * FROM (
  (SELECT ${INBOUND_COLUMNS} FROM ${INBOUND_FROM}
    WHERE ${INBOUND_WANTED}
    ORDER BY ${INBOUND_ORDER} LIMIT $5)
  UNION ALL
  (SELECT ${OUTBOUND_COLUMNS} FROM ${OUTBOUND_FROM}
    WHERE ($1 IS NULL OR $1 = 'out') AND ($2 IS NULL OR o.status = $2)
      AND ($3 IS NULL OR o.created_at < $3
           OR (o.created_at = $3 AND o.id COLLATE "C" < $4))
    ORDER BY o.created_at DESC, o.id COLLATE "C" DESC LIMIT $5)
) AS page
ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $5`;

const CUSTOMER_PAGE = `
SELECT ${INBOUND_COLUMNS} FROM ${CUSTOMER_FROM}
 WHERE c.customer_id = $6 AND c.sandbox = $7 AND ${INBOUND_WANTED}
 ORDER BY ${INBOUND_ORDER} LIMIT $5`;

const OUTBOUND = `SELECT ${OUTBOUND_COLUMNS} FROM ${OUTBOUND_FROM} WHERE o.id = $1`;
const INBOUND = `SELECT ${INBOUND_COLUMNS} FROM ${INBOUND_FROM} WHERE m.id = $1`;
const CUSTOMER_INBOUND = `SELECT ${INBOUND_COLUMNS} FROM ${CUSTOMER_FROM}
 WHERE m.id = $1 AND c.customer_id = $2 AND c.sandbox = $3`;
// Message-level rows (sequence NULL) of several messages at once, oldest first.
const MESSAGE_HISTORY = `SELECT * FROM outbound_history
 WHERE sequence IS NULL AND message_id = ANY($1::text[]) ORDER BY id`;
const PART_HISTORY = `SELECT * FROM outbound_history
 WHERE message_id = $1 AND sequence IS NOT NULL ORDER BY id`;
const PARTS = 'SELECT * FROM outbound_parts WHERE message_id = $1 ORDER BY sequence';

export class PostgresMessageReads {
  constructor(private readonly db: Queryable) {}

  async getMessage(id: string, audience: MessageAudience): Promise<MessageDetail | undefined> {
    if (id.startsWith('in_')) {
      const n = inboundNumber(id);
      if (n === undefined) return undefined;
      const rows =
        audience.kind === 'operator'
          ? await this.db.query<MessageViewRow>(INBOUND, [n])
          : await this.db.query<MessageViewRow>(CUSTOMER_INBOUND, [n, ...ownerParams(audience)]);
      const row = rows.rows[0];
      return row ? { ...viewsWithHistory([row], [])[0]!, partsDetail: null } : undefined;
    }
    if (audience.kind !== 'operator') return undefined;
    const row = (await this.db.query<MessageViewRow>(OUTBOUND, [id])).rows[0];
    if (!row) return undefined;
    const [history, parts, partHistory] = await Promise.all([
      this.historyOf([row]),
      this.db.query<OutboundPartTableRow>(PARTS, [id]),
      this.db.query<MessageHistoryRow>(PART_HISTORY, [id]),
    ]);
    return {
      ...viewsWithHistory([row], history)[0]!,
      partsDetail: partViews(parts.rows, partHistory.rows),
    };
  }

  async listMessages(
    query: MessageListQuery,
    audience: MessageAudience,
  ): Promise<Page<MessageView>> {
    const before = decodeMessageCursor(query.cursor);
    const params: unknown[] = [
      query.direction ?? null,
      query.status ?? null,
      before?.at ?? null,
      before?.id ?? null,
      query.limit + 1,
    ];
    const rows = (
      audience.kind === 'operator'
        ? await this.db.query<MessageViewRow>(OPERATOR_PAGE, params)
        : await this.db.query<MessageViewRow>(CUSTOMER_PAGE, [...params, ...ownerParams(audience)])
    ).rows;
    return pageOfViews(rows, query.limit, await this.historyOf(rows.slice(0, query.limit)));
  }

  private async historyOf(rows: readonly MessageViewRow[]): Promise<MessageHistoryRow[]> {
    const ids = outboundIds(rows);
    if (ids.length === 0) return [];
    return (await this.db.query<MessageHistoryRow>(MESSAGE_HISTORY, [ids])).rows;
  }
}

/** The customer and sandbox parameters of a customer's queries, in that order. */
function ownerParams(audience: Extract<MessageAudience, { kind: 'customer' }>): unknown[] {
  const owner = audienceOwner(audience);
  return [owner.customer, owner.sandbox];
}

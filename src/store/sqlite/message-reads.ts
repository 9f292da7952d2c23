/**
 * The Messaging API's reads: SMS in (`in_<n>`) and out (`msg_…`) in one newest-first list, one
 * message with its history and parts. An operator sees every SMS; a customer only the inbound
 * SMS attached to its own orders (of the key's mode), never an outbound one.
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
import type { SqliteDatabase } from './database.js';

interface PageParams {
  direction: string | null;
  status: string | null;
  beforeAt: number | null;
  beforeId: string | null;
  limit: number;
}

const CUSTOMER_OWNS = 'c.customer_id = @customer AND c.sandbox = @sandbox';
// (created_at, id) is the cursor, so the two tables page together in one stable order.
const INBOUND_BEFORE = `(@beforeAt IS NULL OR m.received_at < @beforeAt
  OR (m.received_at = @beforeAt AND 'in_' || m.id < @beforeId))`;
const OUTBOUND_BEFORE = `(@beforeAt IS NULL OR o.created_at < @beforeAt
  OR (o.created_at = @beforeAt AND o.id < @beforeId))`;

// Each table newest first up to the limit, then merged: the outbound one pages by its index.
const OPERATOR_PAGE = `
SELECT * FROM (
  SELECT ${INBOUND_COLUMNS} FROM ${INBOUND_FROM}
  WHERE (@direction IS NULL OR @direction = 'in') AND (@status IS NULL OR @status = 'received')
    AND ${INBOUND_BEFORE}
  ORDER BY m.received_at DESC, 'in_' || m.id DESC LIMIT @limit)
UNION ALL
SELECT * FROM (
  SELECT ${OUTBOUND_COLUMNS} FROM ${OUTBOUND_FROM}
  WHERE (@direction IS NULL OR @direction = 'out') AND (@status IS NULL OR o.status = @status)
    AND ${OUTBOUND_BEFORE}
  ORDER BY o.created_at DESC, o.id DESC LIMIT @limit)
ORDER BY created_at DESC, id DESC LIMIT @limit`;

const CUSTOMER_PAGE = `
SELECT ${INBOUND_COLUMNS} FROM ${CUSTOMER_FROM}
WHERE ${CUSTOMER_OWNS}
  AND (@direction IS NULL OR @direction = 'in') AND (@status IS NULL OR @status = 'received')
  AND ${INBOUND_BEFORE}
ORDER BY m.received_at DESC, 'in_' || m.id DESC LIMIT @limit`;

export class SqliteMessageReads {
  private readonly s;

  constructor(db: SqliteDatabase) {
    this.s = {
      operatorPage: db.prepare<PageParams, MessageViewRow>(OPERATOR_PAGE),
      customerPage: db.prepare<PageParams & { customer: string; sandbox: number }, MessageViewRow>(
        CUSTOMER_PAGE,
      ),
      outbound: db.prepare<[string], MessageViewRow>(
        `SELECT ${OUTBOUND_COLUMNS} FROM ${OUTBOUND_FROM} WHERE o.id = ?`,
      ),
      inbound: db.prepare<[number], MessageViewRow>(
        `SELECT ${INBOUND_COLUMNS} FROM ${INBOUND_FROM} WHERE m.id = ?`,
      ),
      customerInbound: db.prepare<
        { id: number; customer: string; sandbox: number },
        MessageViewRow
      >(`SELECT ${INBOUND_COLUMNS} FROM ${CUSTOMER_FROM} WHERE m.id = @id AND ${CUSTOMER_OWNS}`),
      // Message-level rows (sequence NULL) of several messages at once, oldest first.
      messageHistory: db.prepare<[string], MessageHistoryRow>(
        `SELECT * FROM outbound_history
          WHERE sequence IS NULL AND message_id IN (SELECT value FROM json_each(?))
          ORDER BY id`,
      ),
      partHistory: db.prepare<[string], MessageHistoryRow>(
        `SELECT * FROM outbound_history WHERE message_id = ? AND sequence IS NOT NULL
          ORDER BY id`,
      ),
      parts: db.prepare<[string], OutboundPartTableRow>(
        'SELECT * FROM outbound_parts WHERE message_id = ? ORDER BY sequence',
      ),
    };
  }

  getMessage(id: string, audience: MessageAudience): MessageDetail | undefined {
    if (id.startsWith('in_')) {
      const n = inboundNumber(id);
      if (n === undefined) return undefined;
      const row =
        audience.kind === 'operator'
          ? this.s.inbound.get(n)
          : this.s.customerInbound.get({ id: n, ...audienceOwner(audience) });
      return row ? { ...viewsWithHistory([row], [])[0]!, partsDetail: null } : undefined;
    }
    if (audience.kind !== 'operator') return undefined;
    const row = this.s.outbound.get(id);
    if (!row) return undefined;
    return {
      ...viewsWithHistory([row], this.historyOf([row]))[0]!,
      partsDetail: partViews(this.s.parts.all(id), this.s.partHistory.all(id)),
    };
  }

  listMessages(query: MessageListQuery, audience: MessageAudience): Page<MessageView> {
    const before = decodeMessageCursor(query.cursor);
    const params: PageParams = {
      direction: query.direction ?? null,
      status: query.status ?? null,
      beforeAt: before?.at ?? null,
      beforeId: before?.id ?? null,
      limit: query.limit + 1,
    };
    const rows =
      audience.kind === 'operator'
        ? this.s.operatorPage.all(params)
        : this.s.customerPage.all({ ...params, ...audienceOwner(audience) });
    return pageOfViews(rows, query.limit, this.historyOf(rows.slice(0, query.limit)));
  }

  private historyOf(rows: readonly MessageViewRow[]): MessageHistoryRow[] {
    const ids = outboundIds(rows);
    return ids.length === 0 ? [] : this.s.messageHistory.all(JSON.stringify(ids));
  }
}

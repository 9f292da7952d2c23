/**
 * The Messaging API's reads: SMS in (`in_<n>`) and out (`msg_…`) in one newest-first list, one
 * message with its history and parts. An operator sees every SMS; a customer only the inbound
 * SMS attached to its own orders (of the key's mode), never an outbound one.
 */
import type {
  HistoryEntry,
  MessageAudience,
  MessageDetail,
  MessageListQuery,
  MessageStatus,
  MessageView,
  Page,
  PartView,
} from '../../domain/index.js';
import type { SqliteDatabase } from './database.js';
import { decodeMessageCursor, encodeMessageCursor } from '../common/message-cursor.js';
import { summaryFromRow, type MessageSummaryRow } from '../common/message-rows.js';
import type { OutboundPartTableRow } from './outbound-rows.js';

interface ViewRow extends MessageSummaryRow {
  readonly error_code: string | null;
  readonly cms_error: number | null;
  readonly error_detail: string | null;
  readonly sent_at: number | null;
  readonly delivered_at: number | null;
  readonly received_at: number | null;
}

interface HistoryRow {
  readonly message_id: string;
  readonly sequence: number | null;
  readonly status: string;
  readonly sim_iccid: string | null;
  readonly detail: string | null;
  readonly at: number;
}

interface PageParams {
  direction: string | null;
  status: string | null;
  beforeAt: number | null;
  beforeId: string | null;
  limit: number;
}

const INBOUND_COLUMNS = `'in' AS direction, 'in_' || m.id AS id, m.sender AS from_number,
  s.msisdn AS to_number, m.text AS body, m.part_count AS parts, 'received' AS status,
  m.sim_iccid AS sim_id, NULL AS error_code, NULL AS cms_error, NULL AS error_detail,
  m.received_at AS created_at, m.sent_at AS sent_at, NULL AS delivered_at,
  m.received_at AS received_at`;
const OUTBOUND_COLUMNS = `'out' AS direction, o.id AS id, s.msisdn AS from_number,
  o.to_number AS to_number, o.body AS body, o.part_count AS parts, o.status AS status,
  COALESCE(o.sender_iccid, o.sim_iccid) AS sim_id, o.error_code AS error_code,
  o.cms_error AS cms_error, o.error_detail AS error_detail, o.created_at AS created_at,
  o.sent_at AS sent_at, o.delivered_at AS delivered_at, NULL AS received_at`;
const INBOUND_FROM = 'inbound_messages m LEFT JOIN sims s ON s.iccid = m.sim_iccid';
const OUTBOUND_FROM = `outbound_messages o
  LEFT JOIN sims s ON s.iccid = COALESCE(o.sender_iccid, o.sim_iccid)`;
const CUSTOMER_FROM = `orders c JOIN order_messages om ON om.order_id = c.id
  JOIN inbound_messages m ON m.id = om.inbound_message_id
  LEFT JOIN sims s ON s.iccid = m.sim_iccid`;
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
      operatorPage: db.prepare<PageParams, ViewRow>(OPERATOR_PAGE),
      customerPage: db.prepare<PageParams & { customer: string; sandbox: number }, ViewRow>(
        CUSTOMER_PAGE,
      ),
      outbound: db.prepare<[string], ViewRow>(
        `SELECT ${OUTBOUND_COLUMNS} FROM ${OUTBOUND_FROM} WHERE o.id = ?`,
      ),
      inbound: db.prepare<[number], ViewRow>(
        `SELECT ${INBOUND_COLUMNS} FROM ${INBOUND_FROM} WHERE m.id = ?`,
      ),
      customerInbound: db.prepare<{ id: number; customer: string; sandbox: number }, ViewRow>(
        `SELECT ${INBOUND_COLUMNS} FROM ${CUSTOMER_FROM} WHERE m.id = @id AND ${CUSTOMER_OWNS}`,
      ),
      // Message-level rows (sequence NULL) of several messages at once, oldest first.
      messageHistory: db.prepare<[string], HistoryRow>(
        `SELECT * FROM outbound_history
          WHERE sequence IS NULL AND message_id IN (SELECT value FROM json_each(?))
          ORDER BY id`,
      ),
      partHistory: db.prepare<[string], HistoryRow>(
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
      const n = Number(id.slice(3));
      if (!Number.isSafeInteger(n)) return undefined;
      const row =
        audience.kind === 'operator'
          ? this.s.inbound.get(n)
          : this.s.customerInbound.get({ id: n, ...owner(audience) });
      return row ? { ...this.withHistory([row])[0]!, partsDetail: null } : undefined;
    }
    if (audience.kind !== 'operator') return undefined;
    const row = this.s.outbound.get(id);
    if (!row) return undefined;
    return { ...this.withHistory([row])[0]!, partsDetail: this.partsOf(id) };
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
        : this.s.customerPage.all({ ...params, ...owner(audience) });
    const items = this.withHistory(rows.slice(0, query.limit));
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > query.limit && last ? encodeMessageCursor(last.createdAt, last.id) : null,
    };
  }

  private withHistory(rows: readonly ViewRow[]): MessageView[] {
    const outIds = rows.filter((r) => r.direction === 'out').map((r) => r.id);
    const history = new Map<string, HistoryEntry[]>();
    if (outIds.length > 0) {
      for (const h of this.s.messageHistory.all(JSON.stringify(outIds))) {
        const list = history.get(h.message_id) ?? [];
        list.push({ status: h.status, at: h.at });
        history.set(h.message_id, list);
      }
    }
    return rows.map((row) =>
      viewFromRow(
        row,
        row.direction === 'in'
          ? [{ status: 'received', at: row.created_at }]
          : (history.get(row.id) ?? []),
      ),
    );
  }

  private partsOf(id: string): PartView[] {
    const history = this.s.partHistory.all(id);
    return this.s.parts.all(id).map((part) => ({
      sequence: part.sequence,
      status: part.status,
      attempts: part.attempts,
      messageReference: part.message_reference,
      deliveryStatus: part.delivery_status,
      history: history
        .filter((h) => h.sequence === part.sequence)
        .map((h) => ({ status: h.status, at: h.at, simId: h.sim_iccid, detail: h.detail })),
    }));
  }
}

function owner(audience: Extract<MessageAudience, { kind: 'customer' }>) {
  return { customer: audience.customerId, sandbox: audience.sandbox ? 1 : 0 };
}

function viewFromRow(row: ViewRow, history: readonly HistoryEntry[]): MessageView {
  return {
    ...summaryFromRow(row),
    // The CHECK constraint keeps outbound statuses within the union; inbound is 'received'.
    status: row.status as MessageStatus,
    error:
      row.error_code === null
        ? null
        : { code: row.error_code, cmsError: row.cms_error, detail: row.error_detail },
    createdAt: row.created_at,
    sentAt: row.sent_at,
    deliveredAt: row.delivered_at,
    receivedAt: row.received_at,
    history,
  };
}

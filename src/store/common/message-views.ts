/**
 * The Messaging API's reads as both engines answer them (MessagingPort): the columns of SMS in
 * (`in_<n>`) and out (`msg_…`) in one list, and the mapping of what the queries return into
 * views with their history and parts. The paging queries themselves are per engine
 * (src/store/{sqlite,postgres}/message-reads.ts): their parameters and orderings differ.
 */
import type {
  HistoryEntry,
  MessageAudience,
  MessageStatus,
  MessageView,
  Page,
  PartView,
} from '../../domain/index.js';
import { encodeMessageCursor } from './message-cursor.js';
import { summaryFromRow, type MessageSummaryRow } from './message-rows.js';
import type { OutboundPartTableRow } from './outbound-rows.js';

/** One row of a list or lookup (the NULLs are typed so both branches of a UNION agree). */
export interface MessageViewRow extends MessageSummaryRow {
  readonly error_code: string | null;
  readonly cms_error: number | null;
  readonly error_detail: string | null;
  readonly sent_at: number | null;
  readonly delivered_at: number | null;
  readonly received_at: number | null;
}

/** An `outbound_history` row. */
export interface MessageHistoryRow {
  readonly message_id: string;
  readonly sequence: number | null;
  readonly status: string;
  readonly sim_iccid: string | null;
  readonly detail: string | null;
  readonly at: number;
}

export const INBOUND_COLUMNS = `'in' AS direction, 'in_' || m.id AS id, m.sender AS from_number,
  s.msisdn AS to_number, m.text AS body, m.part_count AS parts, 'received' AS status,
  m.sim_iccid AS sim_id, CAST(NULL AS TEXT) AS error_code, CAST(NULL AS BIGINT) AS cms_error,
  CAST(NULL AS TEXT) AS error_detail, m.received_at AS created_at, m.sent_at AS sent_at,
  CAST(NULL AS BIGINT) AS delivered_at, m.received_at AS received_at`;
export const OUTBOUND_COLUMNS = `'out' AS direction, o.id AS id, s.msisdn AS from_number,
  o.to_number AS to_number, o.body AS body, o.part_count AS parts, o.status AS status,
  COALESCE(o.sender_iccid, o.sim_iccid) AS sim_id, o.error_code AS error_code,
  o.cms_error AS cms_error, o.error_detail AS error_detail, o.created_at AS created_at,
  o.sent_at AS sent_at, o.delivered_at AS delivered_at, CAST(NULL AS BIGINT) AS received_at`;
export const INBOUND_FROM = 'inbound_messages m LEFT JOIN sims s ON s.iccid = m.sim_iccid';
export const OUTBOUND_FROM = `outbound_messages o
  LEFT JOIN sims s ON s.iccid = COALESCE(o.sender_iccid, o.sim_iccid)`;
/** The inbound SMS of a customer's orders (`c`: its orders). */
export const CUSTOMER_FROM = `orders c JOIN order_messages om ON om.order_id = c.id
  JOIN inbound_messages m ON m.id = om.inbound_message_id
  LEFT JOIN sims s ON s.iccid = m.sim_iccid`;

/** The number of an inbound message's id (`in_<n>`), or undefined when it is not one. */
export function inboundNumber(id: string): number | undefined {
  if (!id.startsWith('in_')) return undefined;
  const n = Number(id.slice(3));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The account and mode whose orders' SMS a customer audience sees. */
export function audienceOwner(audience: Extract<MessageAudience, { kind: 'customer' }>): {
  customer: string;
  sandbox: number;
} {
  return { customer: audience.customerId, sandbox: audience.sandbox ? 1 : 0 };
}

/** The outbound ids among `rows`, whose message-level history the views need. */
export function outboundIds(rows: readonly MessageViewRow[]): string[] {
  return rows.filter((r) => r.direction === 'out').map((r) => r.id);
}

/** Views of `rows`, each with its message-level history (`history`: oldest first). */
export function viewsWithHistory(
  rows: readonly MessageViewRow[],
  history: readonly MessageHistoryRow[],
): MessageView[] {
  const byMessage = new Map<string, HistoryEntry[]>();
  for (const h of history) {
    const list = byMessage.get(h.message_id) ?? [];
    list.push({ status: h.status, at: h.at });
    byMessage.set(h.message_id, list);
  }
  return rows.map((row) =>
    viewFromRow(
      row,
      row.direction === 'in'
        ? [{ status: 'received', at: row.created_at }]
        : (byMessage.get(row.id) ?? []),
    ),
  );
}

/** A page of at most `limit` views from `limit + 1` rows: a next cursor when more remain. */
export function pageOfViews(
  rows: readonly MessageViewRow[],
  limit: number,
  history: readonly MessageHistoryRow[],
): Page<MessageView> {
  const items = viewsWithHistory(rows.slice(0, limit), history);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeMessageCursor(last.createdAt, last.id) : null,
  };
}

/** An outbound message's parts, each with its own history (`history`: the parts', oldest first). */
export function partViews(
  parts: readonly OutboundPartTableRow[],
  history: readonly MessageHistoryRow[],
): PartView[] {
  return parts.map((part) => ({
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

function viewFromRow(row: MessageViewRow, history: readonly HistoryEntry[]): MessageView {
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

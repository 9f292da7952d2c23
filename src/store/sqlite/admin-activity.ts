/**
 * Reads across every account for the operator: orders, SMS in and out, counts for the overview
 * and the chart, what each SIM is doing, and the manual retry of a webhook delivery.
 */
import type {
  ActivityPort,
  AdminMessage,
  AdminMessageQuery,
  AdminOrderQuery,
  DeliveryRetry,
  HourCount,
  Order,
  Page,
  SimActivity,
} from '../../domain/index.js';
import {
  HOUR_MS,
  OPEN_ORDER_STATUSES as OPEN,
  adminMessagePage,
  blankToNull,
  mergeHours,
  orderPage,
  simActivityOf,
  type HourRow,
} from '../common/admin-rows.js';
import { decodeCursor } from '../common/customer-rows.js';
import type { SqliteDatabase } from './database.js';
import { decodeMessageCursor } from '../common/message-cursor.js';
import type { MessageSummaryRow } from '../common/message-rows.js';
import type { OrderTableRow } from '../common/order-rows.js';

interface MessageFilter {
  direction: string | null;
  status: string | null;
  q: string | null;
  beforeAt: number | null;
  beforeId: string | null;
  limit: number;
}

// Received messages are `in_<n>`; sent ones keep their `msg_` id. One list, newest first, with
// (created_at, id) as the cursor so the two tables page together.
const MESSAGES_SQL = `
SELECT * FROM (
  SELECT 'in' AS direction, 'in_' || m.id AS id, m.sender AS from_number, s.msisdn AS to_number,
    m.text AS body, m.part_count AS parts,
    CASE WHEN m.complete = 1 THEN 'received' ELSE 'incomplete' END AS status,
    m.sim_iccid AS sim_id, m.received_at AS created_at
  FROM inbound_messages m LEFT JOIN sims s ON s.iccid = m.sim_iccid
  WHERE @direction IS NULL OR @direction = 'in'
  UNION ALL
  SELECT 'out', o.id, s.msisdn, o.to_number, o.body, o.part_count, o.status,
    COALESCE(o.sender_iccid, o.sim_iccid), o.created_at
  FROM outbound_messages o LEFT JOIN sims s ON s.iccid = COALESCE(o.sender_iccid, o.sim_iccid)
  WHERE @direction IS NULL OR @direction = 'out'
)
WHERE (@status IS NULL OR status = @status)
  AND (@q IS NULL OR instr(lower(body), @q) > 0 OR instr(COALESCE(from_number, ''), @q) > 0
       OR instr(COALESCE(to_number, ''), @q) > 0)
  AND (@beforeAt IS NULL OR created_at < @beforeAt OR (created_at = @beforeAt AND id < @beforeId))
ORDER BY created_at DESC, id DESC LIMIT @limit`;

export class SqliteActivity implements ActivityPort {
  private readonly s;

  constructor(db: SqliteDatabase) {
    this.s = {
      orders: db.prepare<
        { status: string | null; q: string | null; before: number | null; limit: number },
        OrderTableRow & { seq: number }
      >(
        `SELECT rowid AS seq, * FROM orders
         WHERE (@status IS NULL OR status = @status)
           AND (@q IS NULL OR id = @q OR CAST(activation_id AS TEXT) = @q OR customer_id = @q
                OR service = @q OR instr(phone_number, @q) > 0)
           AND (@before IS NULL OR rowid < @before)
         ORDER BY rowid DESC LIMIT @limit`,
      ),
      messages: db.prepare<MessageFilter, MessageSummaryRow>(MESSAGES_SQL),
      countIn: db
        .prepare<[number], number>('SELECT COUNT(*) FROM inbound_messages WHERE received_at >= ?')
        .pluck(),
      countOut: db
        .prepare<[number], number>('SELECT COUNT(*) FROM outbound_messages WHERE sent_at >= ?')
        .pluck(),
      // The hour length is written into the SQL: better-sqlite3 binds a JS number as REAL, and
      // `received_at / 3600000.0` is not floored, so every message would be an hour of its own.
      hoursIn: db.prepare<[number], HourRow>(
        `SELECT (received_at / ${HOUR_MS}) * ${HOUR_MS} AS hour, COUNT(*) AS n
         FROM inbound_messages WHERE received_at >= ? GROUP BY 1`,
      ),
      hoursOut: db.prepare<[number], HourRow>(
        `SELECT (sent_at / ${HOUR_MS}) * ${HOUR_MS} AS hour, COUNT(*) AS n
         FROM outbound_messages WHERE sent_at >= ? GROUP BY 1`,
      ),
      openOrders: db
        .prepare<[], number>(`SELECT COUNT(*) FROM orders WHERE status IN ${OPEN}`)
        .pluck(),
      oldestDue: db
        .prepare<[number], number | null>(
          `SELECT MIN(d.next_attempt_at) FROM webhook_deliveries d
           JOIN webhook_endpoints e ON e.id = d.endpoint_id
           WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND e.active = 1
             AND e.paused = 0`,
        )
        .pluck(),
      openBySim: db.prepare<[], { sim_iccid: string; id: string }>(
        `SELECT sim_iccid, id FROM orders WHERE status IN ${OPEN}`,
      ),
      // The newest message of each SIM through the (sim_iccid, id) index, not a scan by time.
      lastSmsBySim: db.prepare<[], { sim_iccid: string; received_at: number }>(
        `SELECT sim_iccid, received_at FROM inbound_messages
         WHERE id IN (SELECT MAX(id) FROM inbound_messages GROUP BY sim_iccid)`,
      ),
      deliveryStatus: db
        .prepare<[string], string>('SELECT status FROM webhook_deliveries WHERE id = ?')
        .pluck(),
      retry: db.prepare<[number, string]>(
        `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?
         WHERE id = ? AND status IN ('failed', 'cancelled', 'pending')`,
      ),
    };
  }

  listOrders(query: AdminOrderQuery): Promise<Page<Order>> {
    const rows = this.s.orders.all({
      status: query.status ?? null,
      q: blankToNull(query.q),
      before: decodeCursor(query.cursor),
      limit: query.limit + 1,
    });
    return Promise.resolve(orderPage(rows, query.limit));
  }

  listMessages(query: AdminMessageQuery): Promise<Page<AdminMessage>> {
    const before = decodeMessageCursor(query.cursor);
    const rows = this.s.messages.all({
      direction: query.direction ?? null,
      status: blankToNull(query.status),
      q: blankToNull(query.q)?.toLowerCase() ?? null,
      beforeAt: before?.at ?? null,
      beforeId: before?.id ?? null,
      limit: query.limit + 1,
    });
    return Promise.resolve(adminMessagePage(rows, query.limit));
  }

  countSms(since: number): Promise<{ in: number; out: number }> {
    return Promise.resolve({
      in: this.s.countIn.get(since) ?? 0,
      out: this.s.countOut.get(since) ?? 0,
    });
  }

  smsPerHour(since: number): Promise<HourCount[]> {
    return Promise.resolve(mergeHours(this.s.hoursIn.all(since), this.s.hoursOut.all(since)));
  }

  openOrders(): Promise<number> {
    return Promise.resolve(this.s.openOrders.get() ?? 0);
  }

  oldestDueDelivery(now: number): Promise<number | null> {
    return Promise.resolve(this.s.oldestDue.get(now) ?? null);
  }

  simActivity(): Promise<ReadonlyMap<string, SimActivity>> {
    return Promise.resolve(simActivityOf(this.s.openBySim.all(), this.s.lastSmsBySim.all()));
  }

  retryDelivery(id: string, now: number): Promise<DeliveryRetry> {
    if (this.s.retry.run(now, id).changes > 0) return Promise.resolve('retried');
    return Promise.resolve(
      this.s.deliveryStatus.get(id) === undefined ? 'not_found' : 'not_retryable',
    );
  }
}

/**
 * Reads across every account for the operator, on PostgreSQL: orders, SMS in and out, counts
 * for the overview and the chart, what each SIM is doing, and the manual retry of a webhook
 * delivery. The same answers as src/store/sqlite/admin-activity.ts; ids compare bytewise
 * (COLLATE "C"), as SQLite compares them, whatever the database's collation.
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
import { decodeMessageCursor } from '../common/message-cursor.js';
import type { MessageSummaryRow } from '../common/message-rows.js';
import type { OrderTableRow } from '../common/order-rows.js';
import type { PostgresDatabase } from './database.js';
import { changingStatuses } from './status-moves.js';

const ORDERS = `
SELECT rowid AS seq, * FROM orders
WHERE ($1::text IS NULL OR status = $1)
  AND ($2::text IS NULL OR id = $2 OR activation_id::text = $2 OR customer_id = $2
       OR service = $2 OR strpos(phone_number, $2) > 0)
  AND ($3::bigint IS NULL OR rowid < $3)
ORDER BY rowid DESC LIMIT $4`;

// Received messages are `in_<n>`; sent ones keep their `msg_` id. One list, newest first, with
// (created_at, id) as the cursor so the two tables page together.
const MESSAGES = `
SELECT * FROM (
  SELECT 'in' AS direction, 'in_' || m.id AS id, m.sender AS from_number, s.msisdn AS to_number,
    m.text AS body, m.part_count AS parts,
    CASE WHEN m.complete = 1 THEN 'received' ELSE 'incomplete' END AS status,
    m.sim_iccid AS sim_id, m.received_at AS created_at
  FROM inbound_messages m LEFT JOIN sims s ON s.iccid = m.sim_iccid
  WHERE $1::text IS NULL OR $1 = 'in'
  UNION ALL
  SELECT 'out', o.id, s.msisdn, o.to_number, o.body, o.part_count, o.status,
    COALESCE(o.sender_iccid, o.sim_iccid), o.created_at
  FROM outbound_messages o LEFT JOIN sims s ON s.iccid = COALESCE(o.sender_iccid, o.sim_iccid)
  WHERE $1::text IS NULL OR $1 = 'out'
) AS merged
WHERE ($2::text IS NULL OR status = $2)
  AND ($3::text IS NULL OR strpos(lower(body), $3) > 0
       OR strpos(COALESCE(from_number, ''), $3) > 0 OR strpos(COALESCE(to_number, ''), $3) > 0)
  AND ($4::bigint IS NULL OR created_at < $4
       OR (created_at = $4 AND id COLLATE "C" < $5::text))
ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $6`;

const hours = (table: string, column: string) => `
SELECT (${column} / ${HOUR_MS}) * ${HOUR_MS} AS hour, COUNT(*) AS n
FROM ${table} WHERE ${column} >= $1 GROUP BY 1`;

export class PostgresActivity implements ActivityPort {
  constructor(private readonly db: PostgresDatabase) {}

  async listOrders(query: AdminOrderQuery): Promise<Page<Order>> {
    const { rows } = await this.db.query<OrderTableRow & { seq: number }>(ORDERS, [
      query.status ?? null,
      blankToNull(query.q),
      decodeCursor(query.cursor),
      query.limit + 1,
    ]);
    return orderPage(rows, query.limit);
  }

  async listMessages(query: AdminMessageQuery): Promise<Page<AdminMessage>> {
    const before = decodeMessageCursor(query.cursor);
    const { rows } = await this.db.query<MessageSummaryRow>(MESSAGES, [
      query.direction ?? null,
      blankToNull(query.status),
      blankToNull(query.q)?.toLowerCase() ?? null,
      before?.at ?? null,
      before?.id ?? null,
      query.limit + 1,
    ]);
    return adminMessagePage(rows, query.limit);
  }

  async countSms(since: number): Promise<{ in: number; out: number }> {
    const { rows } = await this.db.query<{ in: number; out: number }>(
      `SELECT (SELECT COUNT(*) FROM inbound_messages WHERE received_at >= $1) AS "in",
              (SELECT COUNT(*) FROM outbound_messages WHERE sent_at >= $1) AS "out"`,
      [since],
    );
    return { in: rows[0]?.in ?? 0, out: rows[0]?.out ?? 0 };
  }

  async smsPerHour(since: number): Promise<HourCount[]> {
    const [inbound, outbound] = await Promise.all([
      this.db.query<HourRow>(hours('inbound_messages', 'received_at'), [since]),
      this.db.query<HourRow>(hours('outbound_messages', 'sent_at'), [since]),
    ]);
    return mergeHours(inbound.rows, outbound.rows);
  }

  async openOrders(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM orders WHERE status IN ${OPEN}`,
    );
    return rows[0]?.n ?? 0;
  }

  async oldestDueDelivery(now: number): Promise<number | null> {
    const { rows } = await this.db.query<{ at: number | null }>(
      `SELECT MIN(d.next_attempt_at) AS at FROM webhook_deliveries d
       JOIN webhook_endpoints e ON e.id = d.endpoint_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND e.active = 1
         AND e.paused = 0`,
      [now],
    );
    return rows[0]?.at ?? null;
  }

  async simActivity(): Promise<ReadonlyMap<string, SimActivity>> {
    const [open, lastSms] = await Promise.all([
      this.db.query<{ sim_iccid: string; id: string }>(
        `SELECT sim_iccid, id FROM orders WHERE status IN ${OPEN}`,
      ),
      // The newest message of each SIM through the (sim_iccid, id) index, not a scan by time.
      this.db.query<{ sim_iccid: string; received_at: number }>(
        `SELECT sim_iccid, received_at FROM inbound_messages
         WHERE id IN (SELECT MAX(id) FROM inbound_messages GROUP BY sim_iccid)`,
      ),
    ]);
    return simActivityOf(open.rows, lastSms.rows);
  }

  async retryDelivery(id: string, now: number): Promise<DeliveryRetry> {
    // One row, two status counters: run again on a deadlock.
    const retried = await changingStatuses(this.db, (client) =>
      client.query(
        `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1
         WHERE id = $2 AND status IN ('failed', 'cancelled', 'pending')`,
        [now, id],
      ),
    );
    if ((retried.rowCount ?? 0) > 0) return 'retried';
    const found = await this.db.query('SELECT status FROM webhook_deliveries WHERE id = $1', [id]);
    return found.rowCount === 0 ? 'not_found' : 'not_retryable';
  }
}

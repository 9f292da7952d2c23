import type { OrderStatus, ReleaseReason, UsageOutcome } from '../../domain/index.js';
import { OPEN_ORDER_STATUSES_SQL, type KeyForPurchase } from '../common/order-commands.js';
import type { SqliteDatabase } from './database.js';
import type { OrderMessageRow, OrderNumberRow, OrderTableRow } from '../common/order-rows.js';

/** Activation ids are a digits-only sequence; the first looks like sms-activate's. */
export const FIRST_ACTIVATION_ID = 100_000_001;

const OPEN = OPEN_ORDER_STATUSES_SQL;

export function prepareOrderStatements(db: SqliteDatabase) {
  return {
    keyForPurchase: db.prepare<[string], KeyForPurchase>(
      `SELECT k.id, k.customer_id, k.sandbox, k.max_open_orders, k.revoked_at, c.banned_until
         FROM api_keys k JOIN customers c ON c.id = k.customer_id WHERE k.id = ?`,
    ),
    price: db
      .prepare<[string, string], number>(
        'SELECT price_units FROM prices WHERE service = ? AND country = ?',
      )
      .pluck(),
    openOrdersOfKey: db
      .prepare<[string], number>(
        `SELECT COUNT(*) FROM orders WHERE api_key_id = ? AND status IN ${OPEN}`,
      )
      .pluck(),
    nextActivationId: db
      .prepare<[], number>(
        `SELECT COALESCE(MAX(activation_id) + 1, ${FIRST_ACTIVATION_ID}) FROM orders`,
      )
      .pluck(),
    insertOrder: db.prepare(
      `INSERT INTO orders (id, activation_id, customer_id, api_key_id, sandbox, service, country,
         price_units, sim_iccid, phone_number, status, created_at, number_assigned_at,
         hold_until, expires_at, updated_at)
       VALUES (@id, @activationId, @customerId, @apiKeyId, @sandbox, @service, @country,
         @priceUnits, @simIccid, @phoneNumber, 'waiting', @now, @now, @holdUntil, @expiresAt,
         @now)`,
    ),
    orderById: db.prepare<[string], OrderTableRow>('SELECT * FROM orders WHERE id = ?'),
    orderOfCustomerById: db.prepare<[string, string], OrderTableRow>(
      'SELECT * FROM orders WHERE customer_id = ? AND id = ?',
    ),
    orderOfCustomerByActivation: db.prepare<[string, number], OrderTableRow>(
      'SELECT * FROM orders WHERE customer_id = ? AND activation_id = ?',
    ),
    openOrderOnSim: db.prepare<[string], OrderTableRow>(
      `SELECT * FROM orders WHERE sim_iccid = ? AND status IN ${OPEN}`,
    ),
    dueOrderIds: db
      .prepare<[number, number], string>(
        `SELECT id FROM orders WHERE status IN ${OPEN} AND expires_at <= ?
          ORDER BY expires_at LIMIT ?`,
      )
      .pluck(),
    nextExpiry: db
      .prepare<[], number | null>(`SELECT MIN(expires_at) FROM orders WHERE status IN ${OPEN}`)
      .pluck(),
    setStatus: db.prepare<{
      id: string;
      status: OrderStatus;
      closedAt: number | null;
      now: number;
    }>(
      `UPDATE orders SET status = @status, closed_at = @closedAt, updated_at = @now
        WHERE id = @id`,
    ),
    setNumber: db.prepare(
      `UPDATE orders SET sim_iccid = @simIccid, phone_number = @phoneNumber,
         number_assigned_at = @now, hold_until = @holdUntil, expires_at = @expiresAt,
         updated_at = @now WHERE id = @id`,
    ),
    recordSms: db.prepare<{ id: string; code: string | null; now: number }>(
      `UPDATE orders SET status = 'received', sms_count = sms_count + 1,
         last_code = COALESCE(@code, last_code), updated_at = @now WHERE id = @id`,
    ),
    insertNumber: db.prepare<[string, string, string, number]>(
      `INSERT INTO order_numbers (order_id, sim_iccid, phone_number, assigned_at)
       VALUES (?, ?, ?, ?)`,
    ),
    /** When the SIM's latest number was released (null: never held, or still held). */
    lastReleaseOfSim: db
      .prepare<[string], number | null>(
        `SELECT released_at FROM order_numbers WHERE sim_iccid = ?
          ORDER BY assigned_at DESC, id DESC LIMIT 1`,
      )
      .pluck(),
    releaseNumber: db.prepare<[number, ReleaseReason, string]>(
      `UPDATE order_numbers SET released_at = ?, release_reason = ?
        WHERE order_id = ? AND released_at IS NULL`,
    ),
    numbers: db.prepare<[string], OrderNumberRow>(
      'SELECT * FROM order_numbers WHERE order_id = ? ORDER BY id',
    ),
    insertUsage: db.prepare<[string, string, UsageOutcome, string, number]>(
      `INSERT INTO sim_service_usage (sim_iccid, service, outcome, order_id, at)
       VALUES (?, ?, ?, ?, ?)`,
    ),
    messageByInbound: db.prepare<[number], { order_id: string }>(
      'SELECT order_id FROM order_messages WHERE inbound_message_id = ?',
    ),
    insertMessage: db.prepare(
      `INSERT INTO order_messages (order_id, inbound_message_id, sim_iccid, sender, text, code,
         sent_at, received_at)
       VALUES (@orderId, @inboundMessageId, @iccid, @sender, @text, @code, @sentAt, @receivedAt)`,
    ),
    messages: db.prepare<[string], OrderMessageRow>(
      'SELECT * FROM order_messages WHERE order_id = ? ORDER BY id',
    ),
    codePattern: db
      .prepare<[string], string | null>('SELECT code_pattern FROM services WHERE code = ?')
      .pluck(),
    listOrders: db.prepare<
      { customer: string; status: OrderStatus | null; before: number | null; limit: number },
      OrderTableRow
    >(
      `SELECT * FROM orders WHERE customer_id = @customer
         AND (@status IS NULL OR status = @status)
         AND (@before IS NULL OR activation_id < @before)
       ORDER BY activation_id DESC LIMIT @limit`,
    ),
  };
}

export type OrderStatements = ReturnType<typeof prepareOrderStatements>;

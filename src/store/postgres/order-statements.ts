/**
 * The SQL of the PostgreSQL order transactions (the twin of src/store/sqlite/order-statements.ts).
 * What differs: activation ids come from the column's sequence (INSERT … RETURNING), and the rows
 * a command changes are locked as it reads them (see order-context.ts for the lock order).
 */
import { OPEN_ORDER_STATUSES_SQL as OPEN } from '../common/order-commands.js';
import { creditBalanceSql, ledgerRowSql, type MovementSql } from './ledger-writer.js';

/** The refund of ORDER_SQL.close, over its parameters. */
const REFUND: MovementSql = {
  customer: '$9::text',
  sandbox: '$10::smallint',
  type: `'refund'`,
  amount: '$8::bigint',
  orderId: '$1::text',
  description: '$11::text',
  now: '$3::bigint',
};

export const ORDER_SQL = {
  openOrdersOfKey: `SELECT COUNT(*) AS n FROM orders WHERE api_key_id = $1 AND status IN ${OPEN}`,
  /** The order a command changes, locked: commands on one order run one after the other. */
  lockOrderOfCustomerById:
    'SELECT * FROM orders WHERE customer_id = $1 AND id = $2 FOR NO KEY UPDATE',
  lockOrderOfCustomerByActivation: `
    SELECT * FROM orders WHERE customer_id = $1 AND activation_id = $2 FOR NO KEY UPDATE`,
  orderOfCustomerById: 'SELECT * FROM orders WHERE customer_id = $1 AND id = $2',
  /** The order a keyed request already bought (its id recorded with the key). */
  orderById: 'SELECT * FROM orders WHERE id = $1',
  orderOfCustomerByActivation: 'SELECT * FROM orders WHERE customer_id = $1 AND activation_id = $2',
  /** An SMS or call for a SIM: its open order, locked (two hosts attach one at a time). */
  lockOpenOrderOnSim: `SELECT * FROM orders WHERE sim_iccid = $1 AND status IN ${OPEN}
    FOR NO KEY UPDATE`,
  /**
   * An open order due for expiry, claimed: an order another host (or a command) holds is left to
   * it, so every host may sweep at once and each order is closed once.
   */
  claimDueOrder: `SELECT * FROM orders WHERE id = $1 AND status IN ${OPEN}
    FOR NO KEY UPDATE SKIP LOCKED`,
  dueOrderIds: `SELECT id FROM orders WHERE status IN ${OPEN} AND expires_at <= $1
    ORDER BY expires_at LIMIT $2`,
  nextExpiry: `SELECT MIN(expires_at) AS at FROM orders WHERE status IN ${OPEN}`,
  /**
   * A SIM whose eligibility the command changes (released, sold, cancelled for a service): its row
   * locked, so a purchase picking it meanwhile waits and then sees the change (SCALE-OUT.md).
   */
  touchSim: 'SELECT 1 FROM sims WHERE iccid = $1 FOR NO KEY UPDATE',
  /**
   * Ends an order the transaction has locked, in one statement, in the lock order of
   * order-context.ts: its SIM's row locked (so a purchase picking the SIM meanwhile waits, then
   * sees it free or spent for the service), the number released with `$4` as the reason, the
   * (SIM, service `$5`) outcome `$6` recorded unless NULL, the order set to status `$7`, and,
   * unless `$8` is NULL, `$8` units refunded to customer `$9` (sandbox `$10`) with the ledger
   * description `$11`: the balance row locked last. `$1` order, `$2` SIM, `$3` now. Answers the
   * order as closed and the refund's ledger row.
   */
  close: `
    WITH touched AS MATERIALIZED (SELECT 1 FROM sims WHERE iccid = $2::text FOR NO KEY UPDATE),
    released AS (
      UPDATE order_numbers SET released_at = $3::bigint, release_reason = $4::text
       WHERE order_id = $1::text AND released_at IS NULL
    ),
    used AS (
      INSERT INTO sim_service_usage (sim_iccid, service, outcome, order_id, at)
      SELECT $2::text, $5::text, $6::text, $1::text, $3::bigint WHERE $6::text IS NOT NULL
    ),
    -- The count makes the SIM's lock come first (found or not), then the refund's balance.
    closed AS (
      UPDATE orders SET status = $7::text, closed_at = $3::bigint, updated_at = $3::bigint
       WHERE id = $1::text AND (SELECT COUNT(*) FROM touched) >= 0
      RETURNING *
    ),
    credited AS (${creditBalanceSql(REFUND, '$8::bigint IS NOT NULL AND EXISTS (SELECT 1 FROM closed)')}),
    entry AS (${ledgerRowSql(REFUND, 'credited')})
    SELECT (SELECT row_to_json(c) FROM closed c) AS closed,
      (SELECT row_to_json(l) FROM entry l) AS entry`,
  setStatus: `UPDATE orders SET status = $2, closed_at = $3, updated_at = $4 WHERE id = $1
    RETURNING *`,
  /** When the SIM's latest number was released (null: never held, or still held). */
  lastReleaseOfSim: `SELECT released_at FROM order_numbers WHERE sim_iccid = $1
    ORDER BY assigned_at DESC, id DESC LIMIT 1`,
  setNumber: `
    UPDATE orders SET sim_iccid = $2, phone_number = $3, number_assigned_at = $4,
      hold_until = $5, expires_at = $6, updated_at = $4
     WHERE id = $1 RETURNING *`,
  insertNumber: `INSERT INTO order_numbers (order_id, sim_iccid, phone_number, assigned_at)
    VALUES ($1, $2, $3, $4)`,
  releaseNumber: `UPDATE order_numbers SET released_at = $1, release_reason = $2
    WHERE order_id = $3 AND released_at IS NULL`,
  numbers: 'SELECT * FROM order_numbers WHERE order_id = $1 ORDER BY id',
  insertUsage: `INSERT INTO sim_service_usage (sim_iccid, service, outcome, order_id, at)
    VALUES ($1, $2, $3, $4, $5)`,
  messageByInbound: 'SELECT order_id FROM order_messages WHERE inbound_message_id = $1',
  /**
   * An SMS for SIM `$1` (inbound message `$2`): the open order on it, locked (two hosts attach
   * one at a time), its service's code pattern, and the order the SMS was already attached to,
   * if it was (as of before the lock: attachSms looks again after it).
   */
  lockOrderForSms: `
    WITH locked AS MATERIALIZED (
      SELECT * FROM orders WHERE sim_iccid = $1::text AND status IN ${OPEN} FOR NO KEY UPDATE
    )
    SELECT (SELECT order_id FROM order_messages WHERE inbound_message_id = $2::bigint) AS seen,
      (SELECT row_to_json(o) FROM locked o) AS locked,
      (SELECT s.code_pattern FROM services s JOIN locked o ON s.code = o.service) AS code_pattern`,
  /**
   * Attaches inbound message `$2` to order `$1` (locked) unless it is attached already, in a
   * snapshot taken after the order's lock, so another host's attach that held it is seen: the
   * message row (`$3` SIM, `$4` sender, `$5` text, `$6` code, `$7` sent, `$8` received), the
   * order's SMS count and code (`$9` now), and when `$10`, its first SMS, the (SIM, service `$11`)
   * pair sold. Answers the order as updated, or the order the message was attached to.
   */
  attachSms: `
    WITH message AS (
      INSERT INTO order_messages (order_id, inbound_message_id, sim_iccid, sender, text, code,
        sent_at, received_at)
      SELECT $1::text, $2::bigint, $3::text, $4::text, $5::text, $6::text, $7::bigint,
        $8::bigint
       WHERE NOT EXISTS (SELECT 1 FROM order_messages WHERE inbound_message_id = $2::bigint)
      RETURNING order_id
    ),
    updated AS (
      UPDATE orders SET status = 'received', sms_count = sms_count + 1,
        last_code = COALESCE($6::text, last_code), updated_at = $9::bigint
       WHERE id = $1::text AND EXISTS (SELECT 1 FROM message)
      RETURNING *
    ),
    sold AS (
      INSERT INTO sim_service_usage (sim_iccid, service, outcome, order_id, at)
      SELECT $3::text, $11::text, 'sold', $1::text, $9::bigint
       WHERE $10::boolean AND EXISTS (SELECT 1 FROM message)
    )
    SELECT (SELECT row_to_json(u) FROM updated u) AS updated,
      (SELECT order_id FROM order_messages WHERE inbound_message_id = $2::bigint) AS seen`,
  messages: 'SELECT * FROM order_messages WHERE order_id = $1 ORDER BY id',
  simOperator: 'SELECT operator FROM sims WHERE iccid = $1',
  listOrders: `
    SELECT * FROM orders WHERE customer_id = $1
       AND ($2::text IS NULL OR status = $2::text)
       AND ($3::bigint IS NULL OR activation_id < $3::bigint)
     ORDER BY activation_id DESC LIMIT $4`,
} as const;

/**
 * Unique indexes that back up a rule the transactions check first (one open order per SIM, an
 * SMS attached once). Hitting one means another host won a race between the check and the
 * insert: the whole transaction runs again and sees the winner, never an error to the caller.
 */
const BACKSTOP_INDEXES = new Set(['orders_one_open_per_sim', 'order_messages_by_inbound']);

export function isBackstopConflict(error: unknown): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return (
    e?.code === '23505' && typeof e.constraint === 'string' && BACKSTOP_INDEXES.has(e.constraint)
  );
}

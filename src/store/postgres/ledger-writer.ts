/**
 * Moves money on PostgreSQL, inside the caller's transaction: the balance row, one ledger row and
 * a `balance.changed` event. Hosts move the same balances at once, so the balance changes in ONE
 * statement (`balance = balance + delta … RETURNING balance`, never a read-modify-write) and the
 * ledger row's before/after come from what that statement returned: the row lock it takes is
 * held until the caller commits, so the ledger rows of one (customer, sandbox) follow each other
 * exactly (each one's before is the previous one's after, in id order).
 *
 * API for the order transactions (db.transaction(async (client) => …)):
 *
 *   ledger.tryMove(client, movement) → Outcome<LedgerEntry>
 *       a debit the balance cannot cover is refused (`insufficient_balance`, as the purchase
 *       refusal, its currentUnits the balance read under the row's lock) and writes nothing;
 *       the caller's earlier writes stay: roll them back (throw) or debit before writing
 *       anything else.
 *   ledger.move(client, movement) → LedgerEntry
 *       the same, a refusal thrown as the SimpoolError `insufficient_balance` (rolls back).
 *   ledger.balance(queryable, customerId, sandbox) → number    0 when never credited
 *
 * A transaction that moves money as part of a larger statement (a purchase debits in the
 * statement that places the order, a cancel credits in the one that closes it) writes the
 * same SQL through debitBalanceSql / creditBalanceSql and ledgerRowSql, then hands the ledger
 * row it got back to `ledger.recorded(client, movement, row)` for the entry and its event.
 *
 * Lock order: the balance row is the LAST row a transaction locks (after orders and SIMs), so
 * two transactions never wait on each other in a cycle through it.
 */
import {
  accept,
  refusalError,
  refuse,
  type LedgerEntry,
  type Outcome,
} from '../../domain/index.js';
import {
  balanceChangedEvent,
  insufficientBalance,
  ledgerFromRow,
  type LedgerTableRow,
  type Movement,
} from '../common/ledger-rows.js';
import type { NewEvent } from '../sqlite/outbox-writer.js';
import type { Queryable } from './database.js';
import { named } from './prepared.js';
import type { PostgresClient } from './transaction.js';

/** Where the ledger writes its events: PostgresOutboxWriter, in the same transaction. */
export interface PostgresEventAppender {
  append(client: PostgresClient, event: NewEvent): Promise<void>;
}

/**
 * A movement's values in a statement: each an SQL expression (a placeholder, a column of the
 * caller's statement), typed where PostgreSQL cannot infer it.
 */
export interface MovementSql {
  readonly customer: string;
  readonly sandbox: string;
  readonly type: string;
  readonly amount: string;
  readonly orderId: string;
  readonly description: string;
  readonly now: string;
}

/**
 * A debit in ONE statement: the balance changes by `amount` only when it covers it (and when
 * `condition` holds, for a caller's statement that debits only once something else is done);
 * RETURNING the balance after, no row when short or missing.
 */
export function debitBalanceSql(m: MovementSql, condition = 'true'): string {
  return `UPDATE balances SET balance = balance + ${m.amount}, updated_at = ${m.now}
   WHERE customer_id = ${m.customer} AND sandbox = ${m.sandbox} AND balance + ${m.amount} >= 0
     AND ${condition}
  RETURNING balance`;
}

/** A credit creates the balance row if missing (when `condition` holds); RETURNING the balance after. */
export function creditBalanceSql(m: MovementSql, condition = 'true'): string {
  return `INSERT INTO balances (customer_id, sandbox, balance, updated_at)
  SELECT ${m.customer}, ${m.sandbox}, ${m.amount}, ${m.now} WHERE ${condition}
  ON CONFLICT (customer_id, sandbox) DO UPDATE
    SET balance = balances.balance + EXCLUDED.balance, updated_at = EXCLUDED.updated_at
  RETURNING balance`;
}

/**
 * The ledger row of a movement, its before/after from `changed` (a relation with the `balance`
 * after, as a debit or credit above returns it): RETURNING the row.
 */
export function ledgerRowSql(m: MovementSql, changed: string): string {
  return `INSERT INTO ledger (customer_id, sandbox, type, amount, balance_before, balance_after,
    order_id, description, created_at)
  SELECT ${m.customer}, ${m.sandbox}, ${m.type}, ${m.amount}, ${changed}.balance - ${m.amount},
    ${changed}.balance, ${m.orderId}, ${m.description}, ${m.now} FROM ${changed}
  RETURNING *`;
}

/** A movement's values as the placeholders `$1…$7` (in movementValues' order). */
const MOVEMENT_PARAMS: MovementSql = {
  customer: '$1::text',
  sandbox: '$2::smallint',
  type: '$3::text',
  amount: '$4::bigint',
  orderId: '$5::text',
  description: '$6::text',
  now: '$7::bigint',
};

function movementValues(m: Movement): unknown[] {
  return [m.customerId, m.sandbox ? 1 : 0, m.type, m.amountUnits, m.orderId, m.description, m.now];
}

/** One movement and its ledger row in one statement: the row, or none when a debit was short. */
function moveSql(change: (m: MovementSql) => string): string {
  return `WITH changed AS (${change(MOVEMENT_PARAMS)})
  ${ledgerRowSql(MOVEMENT_PARAMS, 'changed')}`;
}
const CREDIT_SQL = moveSql((m) => creditBalanceSql(m));
const DEBIT_SQL = moveSql((m) => debitBalanceSql(m));

const BALANCE_SQL = 'SELECT balance FROM balances WHERE customer_id = $1 AND sandbox = $2';
const BALANCE_FOR_UPDATE_SQL = `${BALANCE_SQL} FOR NO KEY UPDATE`;

export class PostgresLedgerWriter {
  constructor(private readonly outbox: PostgresEventAppender) {}

  async balance(db: Queryable, customerId: string, sandbox: boolean): Promise<number> {
    const result = await db.query<{ balance: number }>(BALANCE_SQL, [customerId, sandbox ? 1 : 0]);
    return result.rows[0]?.balance ?? 0;
  }

  /** Must run inside a transaction (the caller's): see the file comment. */
  async tryMove(client: PostgresClient, m: Movement): Promise<Outcome<LedgerEntry>> {
    const values = movementValues(m);
    let row = await this.change(client, m.amountUnits >= 0 ? CREDIT_SQL : DEBIT_SQL, values);
    if (row === undefined) {
      // Short, as of that statement. The refusal names the balance it refuses on: read under
      // the row's lock (held to the end of the transaction, so it is the balance as it stands),
      // and a credit that landed in between lets the debit through after all.
      const held = await client.query<{ balance: number }>(
        named(BALANCE_FOR_UPDATE_SQL, values.slice(0, 2)),
      );
      const balance = held.rows[0]?.balance ?? 0;
      if (balance + m.amountUnits < 0) return refuse(insufficientBalance(m, balance));
      row = await this.change(client, DEBIT_SQL, values);
      if (row === undefined) {
        throw new Error('a debit covered under the balance lock was refused');
      }
    }
    return accept(await this.recorded(client, m, row));
  }

  /**
   * A movement written by a caller's statement (debitBalanceSql or creditBalanceSql, then
   * ledgerRowSql): its entry, with the `balance.changed` event appended.
   */
  async recorded(client: PostgresClient, m: Movement, row: LedgerTableRow): Promise<LedgerEntry> {
    const entry = ledgerFromRow(row);
    await this.outbox.append(client, balanceChangedEvent(m, entry));
    return entry;
  }

  /** The ledger row of one statement that changes the balance, or undefined when it changed nothing. */
  private async change(
    client: PostgresClient,
    sql: string,
    params: unknown[],
  ): Promise<LedgerTableRow | undefined> {
    return (await client.query<LedgerTableRow>(named(sql, params))).rows[0];
  }

  /** `tryMove`, a short balance thrown as `insufficient_balance` (as SQLite's LedgerWriter). */
  async move(client: PostgresClient, m: Movement): Promise<LedgerEntry> {
    const outcome = await this.tryMove(client, m);
    if (outcome.ok) return outcome.value;
    throw refusalError(outcome.refusal);
  }
}

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
import type { PostgresClient } from './transaction.js';

/** Where the ledger writes its events: PostgresOutboxWriter, in the same transaction. */
export interface PostgresEventAppender {
  append(client: PostgresClient, event: NewEvent): Promise<void>;
}

/** A credit creates the balance row if missing; it can never go below zero. */
const CREDIT_SQL = `
  INSERT INTO balances (customer_id, sandbox, balance, updated_at) VALUES ($1, $2, $3, $4)
  ON CONFLICT (customer_id, sandbox) DO UPDATE
    SET balance = balances.balance + EXCLUDED.balance, updated_at = EXCLUDED.updated_at
  RETURNING balance`;

/** A debit changes an existing balance only when it covers the amount; else no row. */
const DEBIT_SQL = `
  UPDATE balances SET balance = balance + $3, updated_at = $4
   WHERE customer_id = $1 AND sandbox = $2 AND balance + $3 >= 0
  RETURNING balance`;

const BALANCE_SQL = 'SELECT balance FROM balances WHERE customer_id = $1 AND sandbox = $2';
const BALANCE_FOR_UPDATE_SQL = `${BALANCE_SQL} FOR NO KEY UPDATE`;

const INSERT_LEDGER_SQL = `
  INSERT INTO ledger (customer_id, sandbox, type, amount, balance_before, balance_after,
    order_id, description, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`;

export class PostgresLedgerWriter {
  constructor(private readonly outbox: PostgresEventAppender) {}

  async balance(db: Queryable, customerId: string, sandbox: boolean): Promise<number> {
    const result = await db.query<{ balance: number }>(BALANCE_SQL, [customerId, sandbox ? 1 : 0]);
    return result.rows[0]?.balance ?? 0;
  }

  /** Must run inside a transaction (the caller's): see the file comment. */
  async tryMove(client: PostgresClient, m: Movement): Promise<Outcome<LedgerEntry>> {
    const sandbox = m.sandbox ? 1 : 0;
    const params = [m.customerId, sandbox, m.amountUnits, m.now];
    let after = await this.change(client, m.amountUnits >= 0 ? CREDIT_SQL : DEBIT_SQL, params);
    if (after === undefined) {
      // Short, as of that statement. The refusal names the balance it refuses on: read under
      // the row's lock (held to the end of the transaction, so it is the balance as it stands),
      // and a credit that landed in between lets the debit through after all.
      const held = await client.query<{ balance: number }>(
        BALANCE_FOR_UPDATE_SQL,
        params.slice(0, 2),
      );
      const balance = held.rows[0]?.balance ?? 0;
      if (balance + m.amountUnits < 0) return refuse(insufficientBalance(m, balance));
      after = await this.change(client, DEBIT_SQL, params);
      if (after === undefined) {
        throw new Error('a debit covered under the balance lock was refused');
      }
    }
    const inserted = await client.query<LedgerTableRow>(INSERT_LEDGER_SQL, [
      m.customerId,
      sandbox,
      m.type,
      m.amountUnits,
      after - m.amountUnits,
      after,
      m.orderId,
      m.description,
      m.now,
    ]);
    const row = inserted.rows[0];
    if (!row) throw new Error('ledger insert returned no row');
    const entry = ledgerFromRow(row);
    await this.outbox.append(client, balanceChangedEvent(m, entry));
    return accept(entry);
  }

  /** The balance after one statement that changes it, or undefined when it changed nothing. */
  private async change(
    client: PostgresClient,
    sql: string,
    params: unknown[],
  ): Promise<number | undefined> {
    return (await client.query<{ balance: number }>(sql, params)).rows[0]?.balance;
  }

  /** `tryMove`, a short balance thrown as `insufficient_balance` (as SQLite's LedgerWriter). */
  async move(client: PostgresClient, m: Movement): Promise<LedgerEntry> {
    const outcome = await this.tryMove(client, m);
    if (outcome.ok) return outcome.value;
    throw refusalError(outcome.refusal);
  }
}

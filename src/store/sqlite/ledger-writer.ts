/**
 * Moves money: one ledger row, the balance row and a balance.changed event, always inside the
 * caller's transaction. The CHECK constraints refuse a negative balance and a row whose
 * before/after do not add up, so a bug here aborts the whole transaction instead of corrupting.
 */
import { refusalError, type LedgerEntry } from '../../domain/index.js';
import {
  balanceChangedEvent,
  insufficientBalance,
  ledgerFromRow,
  type LedgerTableRow,
  type Movement,
} from '../common/ledger-rows.js';
import type { SqliteDatabase } from './database.js';
import type { OutboxWriter } from './outbox-writer.js';

export class LedgerWriter {
  private readonly balanceStmt;
  private readonly upsertBalance;
  private readonly insertRow;

  constructor(
    db: SqliteDatabase,
    private readonly outbox: OutboxWriter,
  ) {
    this.balanceStmt = db
      .prepare<[string, number], number>(
        'SELECT balance FROM balances WHERE customer_id = ? AND sandbox = ?',
      )
      .pluck();
    this.upsertBalance = db.prepare(
      `INSERT INTO balances (customer_id, sandbox, balance, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (customer_id, sandbox) DO UPDATE SET balance = excluded.balance,
         updated_at = excluded.updated_at`,
    );
    this.insertRow = db.prepare<unknown[], LedgerTableRow>(
      `INSERT INTO ledger (customer_id, sandbox, type, amount, balance_before, balance_after,
         order_id, description, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    );
  }

  balance(customerId: string, sandbox: boolean): number {
    return this.balanceStmt.get(customerId, sandbox ? 1 : 0) ?? 0;
  }

  /**
   * Must run inside a write transaction (the read-modify-write of the balance; BEGIN IMMEDIATE
   * makes it the only writer). A debit the balance cannot cover throws `insufficient_balance`,
   * as on PostgreSQL, which rolls the caller's transaction back.
   */
  move(m: Movement): LedgerEntry {
    const sandbox = m.sandbox ? 1 : 0;
    const before = this.balance(m.customerId, m.sandbox);
    const after = before + m.amountUnits;
    if (after < 0) throw refusalError(insufficientBalance(m, before));
    this.upsertBalance.run(m.customerId, sandbox, after, m.now);
    const row = this.insertRow.get(
      m.customerId,
      sandbox,
      m.type,
      m.amountUnits,
      before,
      after,
      m.orderId,
      m.description,
      m.now,
    );
    if (!row) throw new Error('ledger insert returned no row');
    const entry = ledgerFromRow(row);
    this.outbox.append(balanceChangedEvent(m, entry));
    return entry;
  }
}

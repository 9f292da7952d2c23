/**
 * Moves money: one ledger row, the balance row and a balance.changed event, always inside the
 * caller's transaction. The CHECK constraints refuse a negative balance and a row whose
 * before/after do not add up, so a bug here aborts the whole transaction instead of corrupting.
 */
import { unitsToUsd, type LedgerEntry, type LedgerType } from '../../domain/index.js';
import type { SqliteDatabase } from './database.js';
import type { OutboxWriter } from './outbox-writer.js';

export interface LedgerTableRow {
  readonly id: number;
  readonly customer_id: string;
  readonly sandbox: number;
  readonly type: LedgerType;
  readonly amount: number;
  readonly balance_before: number;
  readonly balance_after: number;
  readonly order_id: string | null;
  readonly description: string;
  readonly created_at: number;
}

export function ledgerFromRow(row: LedgerTableRow): LedgerEntry {
  return {
    id: row.id,
    customerId: row.customer_id,
    sandbox: row.sandbox === 1,
    type: row.type,
    amountUnits: row.amount,
    balanceBeforeUnits: row.balance_before,
    balanceAfterUnits: row.balance_after,
    orderId: row.order_id,
    description: row.description,
    createdAt: row.created_at,
  };
}

export interface Movement {
  readonly customerId: string;
  readonly sandbox: boolean;
  readonly type: LedgerType;
  readonly amountUnits: number;
  readonly orderId: string | null;
  readonly description: string;
  readonly now: number;
}

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

  /** Must run inside a write transaction (the read-modify-write of the balance). */
  move(m: Movement): LedgerEntry {
    const sandbox = m.sandbox ? 1 : 0;
    const before = this.balance(m.customerId, m.sandbox);
    const after = before + m.amountUnits;
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
    this.outbox.append({
      type: 'balance.changed',
      customerId: m.customerId,
      orderId: m.orderId,
      data: {
        sandbox: m.sandbox,
        type: m.type,
        amount: unitsToUsd(m.amountUnits),
        balance: unitsToUsd(after),
        transaction_id: row.id,
        order_id: m.orderId,
      },
      now: m.now,
    });
    return ledgerFromRow(row);
  }
}

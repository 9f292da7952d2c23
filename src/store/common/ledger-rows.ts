/**
 * The ledger's rows and what a movement of money writes besides them, the same on both engines:
 * the row mapping, the `balance.changed` event and the refusal of a debit the balance cannot
 * cover. How the balance itself changes is the engine's (src/store/<engine>/ledger-writer.ts).
 */
import { unitsToUsd, type LedgerEntry, type LedgerType, type Refusal } from '../../domain/index.js';
import type { NewEvent } from '../sqlite/outbox-writer.js';

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

/** One change of one balance: a signed amount (negative for purchases) and its ledger row. */
export interface Movement {
  readonly customerId: string;
  readonly sandbox: boolean;
  readonly type: LedgerType;
  readonly amountUnits: number;
  readonly orderId: string | null;
  readonly description: string;
  readonly now: number;
}

/** The outbox event of a movement, once its ledger row is written. */
export function balanceChangedEvent(m: Movement, entry: LedgerEntry): NewEvent {
  return {
    type: 'balance.changed',
    customerId: m.customerId,
    orderId: m.orderId,
    data: {
      sandbox: m.sandbox,
      type: m.type,
      amount: unitsToUsd(m.amountUnits),
      balance: unitsToUsd(entry.balanceAfterUnits),
      transaction_id: entry.id,
      order_id: m.orderId,
    },
    now: m.now,
  };
}

/**
 * Why a debit was not made: the balance it found was short. Both engines' `move` throw it as
 * `refusalError(…)` (the purchase refusal's SimpoolError), which rolls the caller's transaction
 * back.
 */
export function insufficientBalance(m: Movement, balanceUnits: number): Refusal {
  return {
    code: 'insufficient_balance',
    requiredUnits: -m.amountUnits,
    currentUnits: balanceUnits,
  };
}

import type { Order, ReleaseReason, UsageOutcome } from '../../domain/index.js';
import type { SqliteCatalogRepository } from './catalog-repository.js';
import type { LedgerWriter } from './ledger-writer.js';
import { orderEvent, refundMovement } from '../common/order-commands.js';
import { orderFromRow } from '../common/order-rows.js';
import type { OrderStatements } from './order-statements.js';
import type { OutboxWriter } from './outbox-writer.js';
import type { SqliteIdempotentEffects } from './idempotent-effects.js';
import type { SqliteSandboxDeliveries } from './sandbox-deliveries.js';
import type { SimEligibility } from './sim-eligibility.js';

/** What the order transactions share: statements and the writers of money and events. */
export interface OrderTx {
  readonly s: OrderStatements;
  readonly ledger: LedgerWriter;
  readonly outbox: OutboxWriter;
  readonly eligibility: SimEligibility;
  readonly catalog: SqliteCatalogRepository;
  /** Sandbox orders' synthetic SMS, scheduled inside purchase, retry and swap. */
  readonly sandbox: SqliteSandboxDeliveries;
  /** What keyed purchases and swaps recorded on their idempotency claims. */
  readonly effects: SqliteIdempotentEffects;
}

/** `ord_…` or activation-id digits, only among this customer's orders (others: not found). */
export function loadCustomerOrder(tx: OrderTx, customerId: string, ref: string): Order | undefined {
  const text = ref.trim();
  const row = /^\d{1,15}$/.test(text)
    ? tx.s.orderOfCustomerByActivation.get(customerId, Number(text))
    : tx.s.orderOfCustomerById.get(customerId, text);
  return row ? orderFromRow(row) : undefined;
}

export function reloadOrder(tx: OrderTx, id: string): Order {
  const row = tx.s.orderById.get(id);
  if (!row) throw new Error(`order ${id} vanished inside its transaction`);
  return orderFromRow(row);
}

/**
 * When a number handed out at `now` starts: never before the SIM's previous rental ended, so the
 * rentals of one number never overlap in the history even when the time was read before the
 * transaction waited for the SIM.
 */
export function assignmentTime(tx: OrderTx, simIccid: string, now: number): number {
  return Math.max(now, tx.s.lastReleaseOfSim.get(simIccid) ?? now);
}

/** Ends the current number's rental: history row released, per-(SIM, service) outcome. */
export function releaseNumber(
  tx: OrderTx,
  order: Order,
  reason: ReleaseReason,
  usage: UsageOutcome | null,
  now: number,
): void {
  tx.s.releaseNumber.run(now, reason, order.id);
  if (usage) tx.s.insertUsage.run(order.simIccid, order.service, usage, order.id, now);
}

/** Closes an order (terminal status), writes the event, returns the order as stored. */
export function closeOrder(
  tx: OrderTx,
  order: Order,
  status: 'finished' | 'cancelled' | 'expired',
  now: number,
): Order {
  tx.s.setStatus.run({ id: order.id, status, closedAt: now, now });
  const closed = reloadOrder(tx, order.id);
  tx.outbox.append(orderEvent(`order.${status}`, closed, now));
  return closed;
}

export function refund(tx: OrderTx, order: Order, units: number, why: string, now: number): void {
  tx.ledger.move(refundMovement(order, units, why, now));
}

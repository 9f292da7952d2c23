/**
 * What the PostgreSQL order transactions share (the twin of src/store/sqlite/order-context.ts).
 *
 * Every command runs in one transaction on one client (`OrderTx.client`), which the repository
 * runs again from the start on a deadlock, a serialization failure or a backstop conflict
 * (order-statements.ts): nothing here has an effect outside the database before commit.
 *
 * Lock order, the same in every transaction so that none waits on another in a cycle:
 *   the order row (commands on an existing order lock it first)
 *   → SIM rows (the one a purchase or swap picks, the one a command releases)
 *   → the balance row, LAST (PostgresLedgerWriter).
 * (A purchase whose SIM was taken meanwhile claims another after the balance row, but with SKIP
 * LOCKED: it never waits for it, so no cycle of waits can form; purchase-statements.ts.)
 */
import {
  refuse,
  type Order,
  type Outcome,
  type Refusal,
  type ReleaseReason,
  type UsageOutcome,
} from '../../domain/index.js';
import { orderEvent, refundMovement } from '../common/order-commands.js';
import type { LedgerTableRow } from '../common/ledger-rows.js';
import { orderFromRow, type OrderTableRow } from '../common/order-rows.js';
import type { PostgresCatalogRepository } from './catalog-repository.js';
import type { PostgresEventAppender, PostgresLedgerWriter } from './ledger-writer.js';
import { ORDER_SQL } from './order-statements.js';
import { named } from './prepared.js';
import type { PostgresSandboxDeliveries } from './sandbox-deliveries.js';
import type { PostgresSimEligibility } from './sim-eligibility.js';
import type { PostgresClient } from './transaction.js';

/** The writers and readers the order transactions use, each given the transaction's client. */
export interface OrderDeps {
  readonly ledger: PostgresLedgerWriter;
  readonly outbox: PostgresEventAppender;
  readonly eligibility: PostgresSimEligibility;
  readonly catalog: PostgresCatalogRepository;
  /** Sandbox orders' synthetic SMS, scheduled inside purchase, retry and swap. */
  readonly sandbox: PostgresSandboxDeliveries;
}

/** One running order transaction. */
export interface OrderTx extends OrderDeps {
  readonly client: PostgresClient;
  /** 1 on the command's first run, then 2, 3 … when it runs again after a lost race. */
  readonly attempt: number;
}

/**
 * A refusal found after the transaction wrote (a debit another host's purchase made short, a
 * key limit another host's purchase reached): thrown to roll everything back, then answered as
 * the refusal it carries (`refusedOnRollback`).
 */
export class RolledBackRefusal extends Error {
  constructor(readonly refusal: Refusal) {
    super(`refused after writing: ${refusal.code}`);
  }
}

/**
 * The SIM a purchase claimed was taken by a transaction that committed after the claim's
 * snapshot (purchase-statements.ts): thrown to roll back, and the command runs again
 * (PostgresOrderRepository), picking with a look under the lock this time.
 */
export class SimTakenMeanwhile extends Error {
  constructor() {
    super('the claimed SIM was taken meanwhile');
  }
}

export async function refusedOnRollback<T>(run: Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await run;
  } catch (error) {
    if (error instanceof RolledBackRefusal) return refuse(error.refusal);
    throw error;
  }
}

/** One order a statement of a transaction answers (prepared: see prepared.ts). */
export async function queryOrder(
  client: PostgresClient,
  sql: string,
  params: unknown[],
): Promise<Order | undefined> {
  const row = (await client.query<OrderTableRow>(named(sql, params))).rows[0];
  return row ? orderFromRow(row) : undefined;
}

/** The row a statement that changed one order returned. */
async function changedOrder(tx: OrderTx, sql: string, params: unknown[]): Promise<Order> {
  const order = await queryOrder(tx.client, sql, params);
  if (!order) throw new Error(`order ${String(params[0])} vanished inside its transaction`);
  return order;
}

/** An order by id, read inside the transaction (the one a keyed request bought earlier). */
export function reloadOrder(tx: OrderTx, id: string): Promise<Order> {
  return changedOrder(tx, ORDER_SQL.orderById, [id]);
}

/**
 * `ord_…` or activation-id digits, only among this customer's orders (others: not found);
 * locked for the command when `lock` (the first lock of the transaction).
 */
export function findCustomerOrder(
  db: PostgresClient,
  customerId: string,
  ref: string,
  lock: boolean,
): Promise<Order | undefined> {
  const text = ref.trim();
  if (/^\d{1,15}$/.test(text)) {
    const sql = lock
      ? ORDER_SQL.lockOrderOfCustomerByActivation
      : ORDER_SQL.orderOfCustomerByActivation;
    return queryOrder(db, sql, [customerId, Number(text)]);
  }
  const sql = lock ? ORDER_SQL.lockOrderOfCustomerById : ORDER_SQL.orderOfCustomerById;
  return queryOrder(db, sql, [customerId, text]);
}

export function lockCustomerOrder(
  tx: OrderTx,
  customerId: string,
  ref: string,
): Promise<Order | undefined> {
  return findCustomerOrder(tx.client, customerId, ref, true);
}

export function setStatus(
  tx: OrderTx,
  order: Order,
  status: Order['status'],
  closedAt: number | null,
  now: number,
): Promise<Order> {
  return changedOrder(tx, ORDER_SQL.setStatus, [order.id, status, closedAt, now]);
}

/**
 * When a number handed out at `now` starts: never before the SIM's previous rental ended, so the
 * rentals of one number never overlap in the history even when the time was read before the
 * transaction waited for the SIM (the twin of SQLite's; a purchase does it inside its statement).
 */
export async function assignmentTime(tx: OrderTx, simIccid: string, now: number): Promise<number> {
  type Row = { readonly released_at: number | null };
  const row = (await tx.client.query<Row>(named(ORDER_SQL.lastReleaseOfSim, [simIccid]))).rows[0];
  return Math.max(now, row?.released_at ?? now);
}

export function setNumber(
  tx: OrderTx,
  order: Order,
  number: { simIccid: string; phoneNumber: string; holdUntil: number; expiresAt: number },
  now: number,
): Promise<Order> {
  return changedOrder(tx, ORDER_SQL.setNumber, [
    order.id,
    number.simIccid,
    number.phoneNumber,
    now,
    number.holdUntil,
    number.expiresAt,
  ]);
}

export async function insertNumber(
  tx: OrderTx,
  orderId: string,
  simIccid: string,
  phoneNumber: string,
  now: number,
): Promise<void> {
  // Its trigger sets sims.last_assigned_at: the SIM row the pick already holds.
  await tx.client.query(named(ORDER_SQL.insertNumber, [orderId, simIccid, phoneNumber, now]));
}

export async function insertUsage(
  tx: OrderTx,
  order: Order,
  outcome: UsageOutcome,
  now: number,
): Promise<void> {
  await tx.client.query(
    named(ORDER_SQL.insertUsage, [order.simIccid, order.service, outcome, order.id, now]),
  );
}

/**
 * Ends the current number's rental: history row released, per-(SIM, service) outcome. The SIM
 * becomes free (or, by the outcome, unsellable for the service): its row is locked first, so a
 * purchase picking it meanwhile waits for this transaction and then sees the change.
 */
export async function releaseNumber(
  tx: OrderTx,
  order: Order,
  reason: ReleaseReason,
  usage: UsageOutcome | null,
  now: number,
): Promise<void> {
  await tx.client.query(named(ORDER_SQL.touchSim, [order.simIccid]));
  await tx.client.query(named(ORDER_SQL.releaseNumber, [now, reason, order.id]));
  if (usage) await insertUsage(tx, order, usage, now);
}

/** How an order ends (closeOrder). */
export interface Closing {
  readonly status: 'finished' | 'cancelled' | 'expired';
  /** Why its number is released. */
  readonly reason: ReleaseReason;
  /** The (SIM, service) outcome to record, if any. */
  readonly usage: UsageOutcome | null;
  /** Units refunded, and why (the ledger's description), if any. */
  readonly refund?: { readonly units: number; readonly why: string };
}

/**
 * Ends an order the transaction holds: its number released, its status terminal, its refund
 * credited, in one statement (ORDER_SQL.close, which keeps the lock order: SIM, then balance);
 * then its events. Returns the order as stored.
 */
export async function closeOrder(
  tx: OrderTx,
  order: Order,
  closing: Closing,
  now: number,
): Promise<Order> {
  const { client } = tx;
  const refund =
    closing.refund && refundMovement(order, closing.refund.units, closing.refund.why, now);
  const result = await client.query<{ closed: OrderTableRow | null; entry: LedgerTableRow | null }>(
    named(ORDER_SQL.close, [
      order.id,
      order.simIccid,
      now,
      closing.reason,
      order.service,
      closing.usage,
      closing.status,
      refund?.amountUnits ?? null,
      order.customerId,
      order.sandbox ? 1 : 0,
      refund?.description ?? null,
    ]),
  );
  const row = result.rows[0];
  if (!row?.closed) throw new Error(`order ${order.id} vanished inside its transaction`);
  const closed = orderFromRow(row.closed);
  await tx.outbox.append(client, orderEvent(`order.${closing.status}`, closed, now));
  if (refund) {
    if (!row.entry) throw new Error(`the refund of order ${order.id} wrote no ledger row`);
    await tx.ledger.recorded(client, refund, row.entry);
  }
  return closed;
}

/**
 * Orders on PostgreSQL, shared by every host (the twin of src/store/sqlite/order-repository.ts).
 * Every command is one READ COMMITTED transaction that locks what it changes, in one order
 * (order-context.ts); it runs again from the start on a deadlock or serialization failure
 * (PostgresDatabase.transaction) and on a backstop conflict (order-statements.ts), so contention
 * between hosts is never an error. A refusal returns before anything is written, or rolls back
 * what was (RolledBackRefusal).
 */
import type {
  CallMatchResult,
  ClaimedIdempotencyKey,
  ExpiryReport,
  IncomingCallRecord,
  InboundSms,
  MatchResult,
  Order,
  OrderCommandContext,
  OrderDetail,
  OrderPort,
  OrderQuery,
  Outcome,
  Page,
  PurchaseRequest,
} from '../../domain/index.js';
import { callFromRow, type CallTableRow } from '../common/call-rows.js';
import { decodeCursor, pageOf } from '../common/customer-rows.js';
import {
  messageFromRow,
  numberFromRow,
  orderFromRow,
  type OrderMessageRow,
  type OrderNumberRow,
  type OrderTableRow,
} from '../common/order-rows.js';
import { attachCallTx } from './call-lifecycle.js';
import { CALL_SQL } from './call-statements.js';
import type { PostgresDatabase } from './database.js';
import { purchaseTx, swapTx } from './order-allocation.js';
import {
  SimTakenMeanwhile,
  findCustomerOrder,
  refusedOnRollback,
  type OrderDeps,
  type OrderTx,
} from './order-context.js';
import { attachSmsTx, cancelTx, expireOneTx, finishTx, retryTx } from './order-lifecycle.js';
import { ORDER_SQL, isBackstopConflict } from './order-statements.js';

const EXPIRY_BATCH = 500;
/**
 * Runs of a command that lost a race (to a backstop index, or for the SIM a purchase claimed)
 * before it is an error.
 */
const BACKSTOP_ATTEMPTS = 8;

export class PostgresOrderRepository implements OrderPort {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly deps: OrderDeps,
  ) {}

  private async write<A extends unknown[], R>(
    fn: (tx: OrderTx, ...args: A) => Promise<R>,
    ...args: A
  ): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction((client) =>
          fn({ ...this.deps, client, attempt }, ...args),
        );
      } catch (error) {
        const lostRace = isBackstopConflict(error) || error instanceof SimTakenMeanwhile;
        if (attempt >= BACKSTOP_ATTEMPTS || !lostRace) throw error;
      }
    }
  }

  purchase(request: PurchaseRequest, ctx: OrderCommandContext): Promise<Outcome<Order>> {
    return refusedOnRollback(this.write(purchaseTx, request, ctx));
  }

  cancel(customerId: string, ref: string, ctx: OrderCommandContext) {
    return this.write(cancelTx, customerId, ref, ctx.now);
  }

  swap(
    customerId: string,
    ref: string,
    ctx: OrderCommandContext,
    claimedKey?: ClaimedIdempotencyKey,
  ) {
    return this.write(swapTx, customerId, ref, ctx, claimedKey);
  }

  retry(customerId: string, ref: string, ctx: OrderCommandContext): Promise<Outcome<Order>> {
    return this.write(retryTx, customerId, ref, ctx);
  }

  finish(customerId: string, ref: string, ctx: OrderCommandContext): Promise<Outcome<Order>> {
    return this.write(finishTx, customerId, ref, ctx.now);
  }

  /**
   * One transaction per order, so a big backlog never holds locks for long. Every host may sweep
   * at once: each order is claimed by one of them (SKIP LOCKED) and reported by that one only.
   */
  async expireDue(ctx: OrderCommandContext): Promise<ExpiryReport> {
    const expired: string[] = [];
    const finished: string[] = [];
    for (;;) {
      const due = await this.db.query<{ id: string }>(ORDER_SQL.dueOrderIds, [
        ctx.now,
        EXPIRY_BATCH,
      ]);
      let closedHere = 0;
      for (const { id } of due.rows) {
        const outcome = await this.write(expireOneTx, id, ctx.now);
        if (outcome === 'expired') expired.push(id);
        else if (outcome === 'finished') finished.push(id);
        if (outcome !== null) closedHere++;
      }
      // A full batch that others hold entirely would be found again at once: leave it to them.
      if (due.rows.length < EXPIRY_BATCH || closedHere === 0) break;
    }
    return { expired, finished };
  }

  attachSms(sms: InboundSms, ctx: OrderCommandContext): Promise<MatchResult> {
    return this.write(attachSmsTx, sms, ctx);
  }

  attachCall(call: IncomingCallRecord, ctx: OrderCommandContext): Promise<CallMatchResult> {
    return this.write(attachCallTx, call, ctx);
  }

  /** The order and its rows as of one snapshot. */
  getOrder(customerId: string, ref: string): Promise<OrderDetail | undefined> {
    return this.db.transaction(
      async (client) => {
        const order = await findCustomerOrder(client, customerId, ref, false);
        if (!order) return undefined;
        // One after the other: a client runs one query at a time.
        const messages = await client.query<OrderMessageRow>(ORDER_SQL.messages, [order.id]);
        const numbers = await client.query<OrderNumberRow>(ORDER_SQL.numbers, [order.id]);
        const operator = await client.query<{ operator: string | null }>(ORDER_SQL.simOperator, [
          order.simIccid,
        ]);
        const calls = await client.query<CallTableRow>(CALL_SQL.callsOfOrder, [order.id]);
        return {
          ...order,
          messages: messages.rows.map(messageFromRow),
          numbers: numbers.rows.map(numberFromRow),
          simOperator: operator.rows[0]?.operator ?? null,
          calls: calls.rows.map(callFromRow),
        };
      },
      { isolation: 'repeatable read', readOnly: true },
    );
  }

  /** Newest first; the cursor is the last activation id seen (ids only grow). */
  async listOrders(customerId: string, query: OrderQuery): Promise<Page<Order>> {
    const result = await this.db.query<OrderTableRow>(ORDER_SQL.listOrders, [
      customerId,
      query.status ?? null,
      decodeCursor(query.cursor),
      query.limit + 1,
    ]);
    return pageOf(result.rows, query.limit, orderFromRow, (order) => order.activationId);
  }

  async nextExpiry(): Promise<number | null> {
    const result = await this.db.query<{ at: number | null }>(ORDER_SQL.nextExpiry);
    return result.rows[0]?.at ?? null;
  }
}

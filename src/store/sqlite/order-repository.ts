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
import { attachCallTx } from './call-lifecycle.js';
import { prepareCallStatements, type CallStatements } from './call-statements.js';
import { callFromRow } from '../common/call-rows.js';
import type { SqliteCatalogRepository } from './catalog-repository.js';
import { decodeCursor, pageOf } from '../common/customer-rows.js';
import type { SqliteDatabase } from './database.js';
import type { LedgerWriter } from './ledger-writer.js';
import { SqliteIdempotentEffects } from './idempotent-effects.js';
import { purchaseTx, swapTx } from './order-allocation.js';
import { loadCustomerOrder, type OrderTx } from './order-context.js';
import { attachSmsTx, cancelTx, expireOneTx, finishTx, retryTx } from './order-lifecycle.js';
import { messageFromRow, numberFromRow, orderFromRow } from '../common/order-rows.js';
import { prepareOrderStatements } from './order-statements.js';
import type { OutboxWriter } from './outbox-writer.js';
import { SqliteSandboxDeliveries } from './sandbox-deliveries.js';
import { SimEligibility } from './sim-eligibility.js';

const EXPIRY_BATCH = 500;

/**
 * Orders over SQLite. Every command is one IMMEDIATE transaction: the write lock is taken
 * before the first read, so two processes can never both see a SIM free and both take it (and
 * nothing fails half-way on SQLITE_BUSY at an upgrade from read to write). A refusal returns
 * before anything is written.
 */
export class SqliteOrderRepository implements OrderPort {
  private readonly tx: OrderTx;
  private readonly calls: CallStatements;
  private readonly simOperator;
  /** One snapshot for the order and its rows; built once (db.transaction per call is not free). */
  private readonly readOrder;

  constructor(
    private readonly db: SqliteDatabase,
    catalog: SqliteCatalogRepository,
    ledger: LedgerWriter,
    outbox: OutboxWriter,
    sandbox: SqliteSandboxDeliveries = new SqliteSandboxDeliveries(db),
  ) {
    this.simOperator = db
      .prepare<[string], string | null>('SELECT operator FROM sims WHERE iccid = ?')
      .pluck();
    this.calls = prepareCallStatements(db);
    this.tx = {
      s: prepareOrderStatements(db),
      ledger,
      outbox,
      eligibility: new SimEligibility(db),
      catalog,
      sandbox,
      effects: new SqliteIdempotentEffects(db),
    };
    this.readOrder = db.transaction((customerId: string, ref: string): OrderDetail | undefined => {
      const order = loadCustomerOrder(this.tx, customerId, ref);
      if (!order) return undefined;
      return {
        ...order,
        messages: this.tx.s.messages.all(order.id).map(messageFromRow),
        numbers: this.tx.s.numbers.all(order.id).map(numberFromRow),
        simOperator: this.simOperator.get(order.simIccid) ?? null,
        calls: this.calls.callsOfOrder.all(order.id).map(callFromRow),
      };
    });
  }

  private write<A extends unknown[], R>(fn: (tx: OrderTx, ...args: A) => R, ...args: A): R {
    return this.db.transaction(() => fn(this.tx, ...args)).immediate();
  }

  purchase(request: PurchaseRequest, ctx: OrderCommandContext): Promise<Outcome<Order>> {
    return Promise.resolve(this.write(purchaseTx, request, ctx));
  }

  cancel(customerId: string, ref: string, ctx: OrderCommandContext) {
    return Promise.resolve(this.write(cancelTx, customerId, ref, ctx.now));
  }

  swap(
    customerId: string,
    ref: string,
    ctx: OrderCommandContext,
    claimedKey?: ClaimedIdempotencyKey,
  ) {
    return Promise.resolve(this.write(swapTx, customerId, ref, ctx, claimedKey));
  }

  retry(customerId: string, ref: string, ctx: OrderCommandContext): Promise<Outcome<Order>> {
    return Promise.resolve(this.write(retryTx, customerId, ref, ctx));
  }

  finish(customerId: string, ref: string, ctx: OrderCommandContext): Promise<Outcome<Order>> {
    return Promise.resolve(this.write(finishTx, customerId, ref, ctx.now));
  }

  /** One transaction per order, so a big backlog never holds the write lock for long. */
  expireDue(ctx: OrderCommandContext): Promise<ExpiryReport> {
    const expired: string[] = [];
    const finished: string[] = [];
    for (;;) {
      const due = this.tx.s.dueOrderIds.all(ctx.now, EXPIRY_BATCH);
      for (const id of due) {
        const outcome = this.write(expireOneTx, id, ctx.now);
        if (outcome === 'expired') expired.push(id);
        else if (outcome === 'finished') finished.push(id);
      }
      if (due.length < EXPIRY_BATCH) break;
    }
    return Promise.resolve({ expired, finished });
  }

  attachSms(sms: InboundSms, ctx: OrderCommandContext): Promise<MatchResult> {
    return Promise.resolve(this.write(attachSmsTx, sms, ctx));
  }

  attachCall(call: IncomingCallRecord, ctx: OrderCommandContext): Promise<CallMatchResult> {
    return Promise.resolve(this.write(attachCallTx, this.calls, call, ctx));
  }

  getOrder(customerId: string, ref: string): Promise<OrderDetail | undefined> {
    return Promise.resolve(this.readOrder.deferred(customerId, ref));
  }

  /** Newest first; the cursor is the last activation id seen (ids only grow). */
  listOrders(customerId: string, query: OrderQuery): Promise<Page<Order>> {
    const rows = this.tx.s.listOrders.all({
      customer: customerId,
      status: query.status ?? null,
      before: decodeCursor(query.cursor),
      limit: query.limit + 1,
    });
    return Promise.resolve(pageOf(rows, query.limit, orderFromRow, (order) => order.activationId));
  }

  nextExpiry(): Promise<number | null> {
    return Promise.resolve(this.tx.s.nextExpiry.get() ?? null);
  }
}

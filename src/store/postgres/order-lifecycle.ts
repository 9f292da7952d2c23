/**
 * Cancel, retry, finish, expiry and an inbound SMS on PostgreSQL: the transactions after a
 * purchase (the twin of src/store/sqlite/order-lifecycle.ts). Each locks its order first, so two
 * hosts acting on one order (a customer's cancel and another host's expiry sweep, one SMS
 * attached by two hosts) go one after the other, the second deciding on what the first left.
 */
import {
  accept,
  decideCancel,
  decideExpiry,
  decideFinish,
  decideRetry,
  decideSms,
  extractCode,
  refuse,
  type InboundSms,
  type MatchResult,
  type Order,
  type OrderCommandContext,
  type Outcome,
} from '../../domain/index.js';
import { orderEvent, smsReceivedEvent } from '../common/order-commands.js';
import { orderFromRow, type OrderTableRow } from '../common/order-rows.js';
import {
  closeOrder,
  lockCustomerOrder,
  queryOrder,
  setStatus,
  type OrderTx,
} from './order-context.js';
import { ORDER_SQL } from './order-statements.js';
import { named } from './prepared.js';

export async function cancelTx(
  tx: OrderTx,
  customerId: string,
  ref: string,
  now: number,
): Promise<Outcome<{ order: Order; refundUnits: number }>> {
  const order = await lockCustomerOrder(tx, customerId, ref);
  if (!order) return refuse({ code: 'order_not_found' });
  const decision = decideCancel(order, now);
  if (!decision.ok) return decision;
  const closed = await closeOrder(
    tx,
    order,
    {
      status: 'cancelled',
      reason: 'cancelled',
      usage: 'cancelled',
      refund: { units: decision.refundUnits, why: 'cancelled' },
    },
    now,
  );
  return accept({ order: closed, refundUnits: decision.refundUnits });
}

export async function retryTx(
  tx: OrderTx,
  customerId: string,
  ref: string,
  ctx: OrderCommandContext,
): Promise<Outcome<Order>> {
  const { now } = ctx;
  const order = await lockCustomerOrder(tx, customerId, ref);
  if (!order) return refuse({ code: 'order_not_found' });
  const refusal = decideRetry(order);
  if (refusal) return refuse(refusal);
  if (order.status === 'retry') return accept(order); // repeated setStatus 3: nothing changes
  const updated = await setStatus(tx, order, 'retry', null, now);
  // A sandbox retry gets another synthetic code, like a real service texting again.
  if (updated.sandbox) {
    await tx.sandbox.schedule(tx.client, updated, 'retry', now + ctx.rules.sandboxSmsDelayMs, now);
  }
  await tx.outbox.append(tx.client, orderEvent('order.updated', updated, now));
  return accept(updated);
}

export async function finishTx(
  tx: OrderTx,
  customerId: string,
  ref: string,
  now: number,
): Promise<Outcome<Order>> {
  const order = await lockCustomerOrder(tx, customerId, ref);
  if (!order) return refuse({ code: 'order_not_found' });
  const refusal = decideFinish(order);
  if (refusal) return refuse(refusal);
  // 'sold' was recorded with the first SMS.
  const closing = { status: 'finished', reason: 'finished', usage: null } as const;
  return accept(await closeOrder(tx, order, closing, now));
}

/**
 * One due order, claimed (an order another host or a command holds is skipped: whoever holds
 * it closes it, or the next sweep finds it) and re-decided on the row as it stands now. Returns
 * what happened, or null when it was not closed here.
 */
export async function expireOneTx(
  tx: OrderTx,
  id: string,
  now: number,
): Promise<'expired' | 'finished' | null> {
  const order = await queryOrder(tx.client, ORDER_SQL.claimDueOrder, [id]);
  if (!order) return null;
  const decision = decideExpiry(order, now);
  if (!decision.due) return null;
  if (decision.outcome === 'expired') {
    const refund = { units: decision.refundUnits, why: 'expired' };
    await closeOrder(
      tx,
      order,
      { status: 'expired', reason: 'expired', usage: 'expired', refund },
      now,
    );
  } else {
    await closeOrder(tx, order, { status: 'finished', reason: 'finished', usage: null }, now);
  }
  return decision.outcome;
}

/** The order an SMS (by its inbound message id) was attached to, if it was. */
async function attachedTo(tx: OrderTx, sms: InboundSms): Promise<string | undefined> {
  if (sms.inboundMessageId === null) return undefined;
  const seen = await tx.client.query<{ order_id: string }>(
    named(ORDER_SQL.messageByInbound, [sms.inboundMessageId]),
  );
  return seen.rows[0]?.order_id;
}

export async function attachSmsTx(
  tx: OrderTx,
  sms: InboundSms,
  ctx: OrderCommandContext,
): Promise<MatchResult> {
  const { now } = ctx;
  type Locked = { seen: string | null; locked: OrderTableRow | null; code_pattern: string | null };
  const found = (
    await tx.client.query<Locked>(
      named(ORDER_SQL.lockOrderForSms, [sms.iccid, sms.inboundMessageId]),
    )
  ).rows[0];
  if (found?.seen) return { kind: 'duplicate', orderId: found.seen };
  if (!found?.locked) return { kind: 'unmatched', reason: 'no_open_order' };
  const order = orderFromRow(found.locked);
  const decision = decideSms(order, sms.sentAt, ctx.rules);
  if (!decision.attach) {
    // Another host attaching the same SMS held the order until it committed: look again, now
    // that a new statement's snapshot includes it.
    const seenMeanwhile = await attachedTo(tx, sms);
    if (seenMeanwhile !== undefined) return { kind: 'duplicate', orderId: seenMeanwhile };
    return { kind: 'unmatched', reason: decision.reason };
  }

  const code = extractCode(sms.text, { pattern: found.code_pattern });
  type Attached = { updated: OrderTableRow | null; seen: string | null };
  const attached = (
    await tx.client.query<Attached>(
      named(ORDER_SQL.attachSms, [
        order.id,
        sms.inboundMessageId,
        sms.iccid,
        sms.sender,
        sms.text,
        code,
        sms.sentAt,
        sms.receivedAt,
        now,
        // The first SMS sells the (SIM, service) pair: it is never offered for this service again.
        decision.firstSms,
        order.service,
      ]),
    )
  ).rows[0];
  if (!attached?.updated) {
    if (attached?.seen) return { kind: 'duplicate', orderId: attached.seen };
    throw new Error(`order ${order.id} vanished inside its transaction`);
  }
  await tx.outbox.append(tx.client, smsReceivedEvent(order, sms, code, now));
  return { kind: 'matched', order: orderFromRow(attached.updated), code };
}

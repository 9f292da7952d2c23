/** Cancel, retry, finish, expiry and an inbound SMS: the transactions after a purchase. */
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
import {
  closeOrder,
  loadCustomerOrder,
  refund,
  releaseNumber,
  reloadOrder,
  type OrderTx,
} from './order-context.js';
import { deliveryEventHead, orderEventData, orderFromRow } from '../common/order-rows.js';
import { iso } from '../common/iso-time.js';

export function cancelTx(
  tx: OrderTx,
  customerId: string,
  ref: string,
  now: number,
): Outcome<{ order: Order; refundUnits: number }> {
  const order = loadCustomerOrder(tx, customerId, ref);
  if (!order) return refuse({ code: 'order_not_found' });
  const decision = decideCancel(order, now);
  if (!decision.ok) return decision;
  releaseNumber(tx, order, 'cancelled', 'cancelled', now);
  const closed = closeOrder(tx, order, 'cancelled', now);
  refund(tx, order, decision.refundUnits, 'cancelled', now);
  return accept({ order: closed, refundUnits: decision.refundUnits });
}

export function retryTx(
  tx: OrderTx,
  customerId: string,
  ref: string,
  ctx: OrderCommandContext,
): Outcome<Order> {
  const { now } = ctx;
  const order = loadCustomerOrder(tx, customerId, ref);
  if (!order) return refuse({ code: 'order_not_found' });
  const refusal = decideRetry(order);
  if (refusal) return refuse(refusal);
  if (order.status === 'retry') return accept(order); // repeated setStatus 3: nothing changes
  tx.s.setStatus.run({ id: order.id, status: 'retry', closedAt: null, now });
  const updated = reloadOrder(tx, order.id);
  // A sandbox retry gets another synthetic code, like a real service texting again.
  if (updated.sandbox) {
    tx.sandbox.schedule(updated, 'retry', now + ctx.rules.sandboxSmsDelayMs, now);
  }
  tx.outbox.append({
    type: 'order.updated',
    customerId,
    orderId: order.id,
    data: orderEventData(updated),
    now,
  });
  return accept(updated);
}

export function finishTx(
  tx: OrderTx,
  customerId: string,
  ref: string,
  now: number,
): Outcome<Order> {
  const order = loadCustomerOrder(tx, customerId, ref);
  if (!order) return refuse({ code: 'order_not_found' });
  const refusal = decideFinish(order);
  if (refusal) return refuse(refusal);
  // 'sold' was recorded with the first SMS.
  releaseNumber(tx, order, 'finished', null, now);
  return accept(closeOrder(tx, order, 'finished', now));
}

/** One due order; re-read and re-decided inside the transaction (another process may have
 * closed it meanwhile). Returns what happened, or null when it was no longer due. */
export function expireOneTx(tx: OrderTx, id: string, now: number): 'expired' | 'finished' | null {
  const row = tx.s.orderById.get(id);
  if (!row) return null;
  const order = orderFromRow(row);
  const decision = decideExpiry(order, now);
  if (!decision.due) return null;
  if (decision.outcome === 'expired') {
    releaseNumber(tx, order, 'expired', 'expired', now);
    closeOrder(tx, order, 'expired', now);
    refund(tx, order, decision.refundUnits, 'expired', now);
  } else {
    releaseNumber(tx, order, 'finished', null, now);
    closeOrder(tx, order, 'finished', now);
  }
  return decision.outcome;
}

export function attachSmsTx(tx: OrderTx, sms: InboundSms, ctx: OrderCommandContext): MatchResult {
  const { now } = ctx;
  if (sms.inboundMessageId !== null) {
    const seen = tx.s.messageByInbound.get(sms.inboundMessageId);
    if (seen) return { kind: 'duplicate', orderId: seen.order_id };
  }
  const row = tx.s.openOrderOnSim.get(sms.iccid);
  if (!row) return { kind: 'unmatched', reason: 'no_open_order' };
  const order = orderFromRow(row);
  const decision = decideSms(order, sms.sentAt, ctx.rules);
  if (!decision.attach) return { kind: 'unmatched', reason: decision.reason };

  const code = extractCode(sms.text, { pattern: tx.s.codePattern.get(order.service) ?? null });
  tx.s.insertMessage.run({
    orderId: order.id,
    inboundMessageId: sms.inboundMessageId,
    iccid: sms.iccid,
    sender: sms.sender,
    text: sms.text,
    code,
    sentAt: sms.sentAt,
    receivedAt: sms.receivedAt,
  });
  tx.s.recordSms.run({ id: order.id, code, now });
  // The first SMS sells the (SIM, service) pair: it is never offered for this service again.
  if (decision.firstSms) {
    tx.s.insertUsage.run(order.simIccid, order.service, 'sold', order.id, now);
  }
  const updated = reloadOrder(tx, order.id);
  tx.outbox.append({
    type: 'sms.received',
    customerId: order.customerId,
    orderId: order.id,
    data: {
      ...deliveryEventHead(order),
      code,
      full_text: sms.text,
      sender: sms.sender,
      received_at: iso(sms.receivedAt),
    },
    now,
  });
  return { kind: 'matched', order: updated, code };
}

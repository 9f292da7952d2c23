/** An incoming call: recorded on its SIM and given to the open order there, one transaction. */
import {
  callCode,
  decideSms,
  hasDelivery,
  type CallMatchResult,
  type IncomingCallRecord,
  type OrderCommandContext,
} from '../../domain/index.js';
import type { CallStatements } from './call-statements.js';
import { reloadOrder, type OrderTx } from './order-context.js';
import { deliveryEventHead, orderFromRow } from '../common/order-rows.js';
import { iso } from '../common/iso-time.js';

export function attachCallTx(
  tx: OrderTx,
  c: CallStatements,
  call: IncomingCallRecord,
  ctx: OrderCommandContext,
): CallMatchResult {
  const { now } = ctx;
  const inserted = c.insertCall.get({ ...call, now });
  if (!inserted) return { kind: 'duplicate' };
  const callId = inserted.id;
  const row = tx.s.openOrderOnSim.get(call.iccid);
  if (!row) return { kind: 'unmatched', callId, reason: 'no_open_order' };
  const order = orderFromRow(row);
  // The same window as an SMS: a call that rang before this number was assigned is not its.
  const decision = decideSms(order, call.startedAt, ctx.rules);
  if (!decision.attach) return { kind: 'unmatched', callId, reason: decision.reason };

  const code = callCode(call.caller, c.callCodeDigits.get(order.service) ?? null);
  c.giveToOrder.run(order.id, code, callId);
  if (code !== null) {
    // The first code (SMS or call) sells the (SIM, service) pair, as an SMS does.
    if (!hasDelivery(order)) {
      tx.s.insertUsage.run(order.simIccid, order.service, 'sold', order.id, now);
    }
    c.recordCallCode.run({ id: order.id, code, now });
  }
  const updated = reloadOrder(tx, order.id);
  tx.outbox.append({
    type: 'call.received',
    customerId: order.customerId,
    orderId: order.id,
    data: {
      ...deliveryEventHead(order),
      call_id: callId,
      caller: call.caller,
      code,
      rings: call.rings,
      started_at: iso(call.startedAt),
      ended_at: iso(call.endedAt),
    },
    now,
  });
  return { kind: 'matched', callId, order: updated, code };
}

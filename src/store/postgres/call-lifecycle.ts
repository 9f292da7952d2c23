/**
 * An incoming call on PostgreSQL: recorded on its SIM and given to the open order there, one
 * transaction (the twin of src/store/sqlite/call-lifecycle.ts).
 */
import {
  callCode,
  decideSms,
  hasDelivery,
  type CallMatchResult,
  type IncomingCallRecord,
  type OrderCommandContext,
} from '../../domain/index.js';
import { callReceivedEvent } from '../common/order-commands.js';
import { CALL_SQL } from './call-statements.js';
import { insertUsage, queryOrder, type OrderTx } from './order-context.js';
import { ORDER_SQL } from './order-statements.js';

export async function attachCallTx(
  tx: OrderTx,
  call: IncomingCallRecord,
  ctx: OrderCommandContext,
): Promise<CallMatchResult> {
  const { client } = tx;
  const { now } = ctx;
  const inserted = await client.query<{ id: number }>(CALL_SQL.insertCall, [
    call.iccid,
    call.imei,
    call.caller,
    call.startedAt,
    call.endedAt,
    call.rings,
    call.end,
    now,
  ]);
  const callId = inserted.rows[0]?.id;
  if (callId === undefined) return { kind: 'duplicate' };
  const order = await queryOrder(client, ORDER_SQL.lockOpenOrderOnSim, [call.iccid]);
  if (!order) return { kind: 'unmatched', callId, reason: 'no_open_order' };
  // The same window as an SMS: a call that rang before this number was assigned is not its.
  const decision = decideSms(order, call.startedAt, ctx.rules);
  if (!decision.attach) return { kind: 'unmatched', callId, reason: decision.reason };

  const digits = await client.query<{ call_code_digits: number | null }>(CALL_SQL.callCodeDigits, [
    order.service,
  ]);
  const code = callCode(call.caller, digits.rows[0]?.call_code_digits ?? null);
  await client.query(CALL_SQL.giveToOrder, [order.id, code, callId]);
  let updated = order;
  if (code !== null) {
    // The first code (SMS or call) sells the (SIM, service) pair, as an SMS does; the order is
    // locked, so an SMS attached at the same time sees this one (or this one sees it).
    if (!hasDelivery(order)) await insertUsage(tx, order, 'sold', now);
    updated = (await queryOrder(client, CALL_SQL.recordCallCode, [order.id, code, now])) ?? order;
  }
  await tx.outbox.append(client, callReceivedEvent(order, callId, call, code, now));
  return { kind: 'matched', callId, order: updated, code };
}

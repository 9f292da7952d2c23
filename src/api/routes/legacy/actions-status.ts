/**
 * Following an activation: getStatus, getStatusV2, getFullSms and setStatus (rows 14–30).
 * A finished activation answers STATUS_OK:<last code>, as sms-activate does after status 6:
 * the code stays readable; only cancelled and expired ones answer STATUS_CANCEL.
 */
import { hasDelivery, type OrderDetail, type OrderMessage } from '../../../domain/index.js';
import { isSimpoolError } from '../../../shared/index.js';
import { ownOrder } from '../v1/order-access.js';
import type { LegacyContext } from './context.js';
import { headerText, legacyTime, oneLine } from './format.js';
import { callActivationParams, incomingCallStatus, legacyCall } from './actions-calls.js';
import { activationIdOf } from './params.js';
import { json, LegacyToken, text, type LegacyReply } from './reply.js';

/**
 * The asking key's activation. Another customer's, and one of the other mode (a live order
 * asked for with an `sp_test_` key, or the other way round), are NO_ACTIVATION, as over REST.
 */
async function load(ctx: LegacyContext): Promise<OrderDetail> {
  const asking = { customerId: ctx.auth.customer.id, sandbox: ctx.auth.key.sandbox };
  return ownOrder(ctx.deps, asking, activationIdOf(ctx.params));
}

function lastMessage(order: OrderDetail): OrderMessage | undefined {
  return order.messages[order.messages.length - 1];
}

/** The last code; an SMS without a recognisable code gives its text, so nothing is lost. */
function lastCode(order: OrderDetail): string {
  return order.lastCode ?? oneLine(lastMessage(order)?.text ?? '');
}

function statusToken(order: OrderDetail): string {
  switch (order.status) {
    case 'waiting':
      return 'STATUS_WAIT_CODE';
    case 'retry':
      return `STATUS_WAIT_RETRY:${lastCode(order)}`;
    case 'received':
      return `STATUS_OK:${lastCode(order)}`;
    case 'finished':
      return hasDelivery(order) ? `STATUS_OK:${lastCode(order)}` : 'STATUS_CANCEL';
    case 'cancelled':
    case 'expired':
      return 'STATUS_CANCEL';
  }
}

export async function getStatus(ctx: LegacyContext): Promise<LegacyReply> {
  const order = await load(ctx);
  const body = statusToken(order);
  const message = lastMessage(order);
  if (ctx.params.get('text') !== '1' || !message || !body.startsWith('STATUS_OK:')) {
    return text(body);
  }
  const header = headerText(message.text);
  return text(
    body,
    header.encoded
      ? { 'X-Text': header.value, 'X-Text-Encoding': 'percent' }
      : { 'X-Text': header.value },
  );
}

export async function getStatusV2(ctx: LegacyContext): Promise<LegacyReply> {
  const order = await load(ctx);
  const message = lastMessage(order);
  return json({
    verificationType: 2,
    sms: message
      ? {
          dateTime: legacyTime(message.receivedAt),
          code: message.code ?? '',
          text: message.text,
        }
      : null,
    call: legacyCall(order),
  });
}

/** getIncomingCallStatus&activationId=…: whether a call reached the number (docs/calls.md). */
export async function getIncomingCallStatus(ctx: LegacyContext): Promise<LegacyReply> {
  const order = await load({ ...ctx, params: callActivationParams(ctx.params) });
  return incomingCallStatus(order);
}

export async function getFullSms(ctx: LegacyContext): Promise<LegacyReply> {
  const order = await load(ctx);
  const message = lastMessage(order);
  if (order.status === 'cancelled' || order.status === 'expired') return text('STATUS_CANCEL');
  return text(message ? `FULL_SMS:${message.text}` : 'STATUS_WAIT_CODE');
}

/** setStatus: 1 ready, 3 another SMS, 6 done, 8 cancel; anything else BAD_STATUS. */
export async function setStatus(ctx: LegacyContext): Promise<LegacyReply> {
  // Looked up first, in the key's mode: an unknown id (or one of the other mode) is
  // NO_ACTIVATION whatever the status, so ids cannot be probed by status.
  const order = await load(ctx);
  const id = order.id;
  switch (ctx.params.get('status')?.trim()) {
    case '1':
      // "The number is in use, SMS sent": nothing to change while the order is open.
      return text(order.closedAt === null ? 'ACCESS_READY' : 'BAD_STATUS');
    case '3':
      await ctx.deps.orders.retry(ctx.auth.customer.id, id);
      return text('ACCESS_RETRY_GET');
    case '6':
      return finish(ctx, id);
    case '8':
      return cancel(ctx, id);
    default:
      return text('BAD_STATUS');
  }
}

/** Clients repeat status 6 after a timeout: an already finished order answers as the first. */
async function finish(ctx: LegacyContext, id: string): Promise<LegacyReply> {
  try {
    await ctx.deps.orders.finish(ctx.auth.customer.id, id);
  } catch (error) {
    if (!isSimpoolError(error, 'bad_status') || error.details['status'] !== 'finished') throw error;
  }
  return text('ACCESS_ACTIVATION');
}

async function cancel(ctx: LegacyContext, id: string): Promise<LegacyReply> {
  try {
    await ctx.deps.orders.cancel(ctx.auth.customer.id, id);
    return text('ACCESS_CANCEL');
  } catch (error) {
    if (!isSimpoolError(error, 'bad_status')) throw error;
    const status = error.details['status'];
    // A repeated cancel, or one racing the expiry: the money is back either way.
    if (status === 'cancelled' || status === 'expired') return text('ACCESS_CANCEL');
    // DaisySMS answers a cancel after the code with ACCESS_READY (the rental stays sold).
    if (ctx.mode === 'daisysms') return text('ACCESS_READY');
    throw new LegacyToken('BAD_STATUS');
  }
}

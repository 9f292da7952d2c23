/**
 * Outbox events → the `/ws/orders` frames of API.md. Every frame carries the `event_id` it came
 * from so a reconnecting client can pass it back as `since=`; frames of one event share it.
 */
import type { DomainEvent, OrderDetail } from '../../domain/index.js';
import { orderObject } from '../present.js';

/** Event types that reach the feed; balance.changed and the like are not order frames. */
const ORDER_UPDATE_TYPES = new Set([
  'order.created',
  'order.updated',
  'order.cancelled',
  'order.finished',
  'order.swapped',
]);

export function isFeedEvent(event: DomainEvent): boolean {
  return (
    event.orderId !== null &&
    event.customerId !== null &&
    (event.type === 'sms.received' ||
      event.type === 'call.received' ||
      event.type === 'order.expired' ||
      ORDER_UPDATE_TYPES.has(event.type))
  );
}

/** The REST order object without the `success` flag of a response body. */
function orderFrame(eventId: string, order: OrderDetail): string {
  const { success: _success, ...rest } = orderObject(order);
  return JSON.stringify({ type: 'order.updated', event_id: eventId, order: rest });
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * The serialized frames of one event. `order` is the order as it is now (frames are rendered
 * when sent, so a replayed order.updated shows the current state, like a REST GET would).
 */
export function framesFor(event: DomainEvent, order: OrderDetail): string[] {
  if (event.type === 'sms.received') {
    const fullText = text(event.data.full_text);
    const sms = JSON.stringify({
      type: 'sms',
      event_id: event.id,
      order_id: order.id,
      code: text(event.data.code),
      full_text: fullText,
      message: fullText,
      received_at: text(event.data.received_at),
    });
    // The SMS also moved the order to `received`: status followers get that as usual.
    return [sms, orderFrame(event.id, order)];
  }
  if (event.type === 'call.received') {
    const { data } = event;
    const call = JSON.stringify({
      type: 'call',
      event_id: event.id,
      order_id: order.id,
      call_id: typeof data.call_id === 'number' ? String(data.call_id) : null,
      caller: text(data.caller),
      code: text(data.code),
      rings: typeof data.rings === 'number' ? data.rings : null,
      started_at: text(data.started_at),
      ended_at: text(data.ended_at),
    });
    // A coded call (missed-call verification) moved the order to `received` too.
    return [call, orderFrame(event.id, order)];
  }
  if (event.type === 'order.expired') {
    return [JSON.stringify({ type: 'expired', event_id: event.id, order_id: order.id })];
  }
  return [orderFrame(event.id, order)];
}

/**
 * What the order transactions of both engines write besides their SQL: the facts a purchase
 * reads about its key, the money movements (purchase, refund) and the events of each command.
 * The SQL and the transaction around it are per engine (src/store/sqlite/order-*.ts,
 * src/store/postgres/order-*.ts).
 */
import type {
  Country,
  IncomingCallRecord,
  InboundSms,
  Order,
  Service,
} from '../../domain/index.js';
import type { NewEvent } from './events.js';
import { iso } from './iso-time.js';
import type { Movement } from './ledger-rows.js';
import { deliveryEventHead, orderEventData } from './order-rows.js';

/** The order statuses that hold a SIM, as an SQL list (the partial indexes use the same). */
export const OPEN_ORDER_STATUSES_SQL = `('waiting', 'received', 'retry')`;

/** A key as a purchase reads it, with its customer's ban. */
export interface KeyForPurchase {
  readonly id: string;
  readonly customer_id: string;
  readonly sandbox: number;
  readonly max_open_orders: number | null;
  readonly revoked_at: number | null;
  readonly banned_until: number | null;
}

/** The debit of a new order. */
export function purchaseMovement(
  order: Pick<Order, 'id' | 'activationId' | 'customerId' | 'sandbox' | 'priceUnits'>,
  service: Pick<Service, 'name'>,
  country: Pick<Country, 'eng'>,
  now: number,
): Movement {
  return {
    customerId: order.customerId,
    sandbox: order.sandbox,
    type: 'purchase',
    amountUnits: -order.priceUnits,
    orderId: order.id,
    description: `${service.name} number, ${country.eng} (order ${order.activationId})`,
    now,
  };
}

/** The refund of a cancelled or expired order. */
export function refundMovement(order: Order, units: number, why: string, now: number): Movement {
  return {
    customerId: order.customerId,
    sandbox: order.sandbox,
    type: 'refund',
    amountUnits: units,
    orderId: order.id,
    description: `Refund: ${why} order ${order.activationId}`,
    now,
  };
}

type OrderEventType =
  | 'order.created'
  | 'order.updated'
  | 'order.swapped'
  | 'order.finished'
  | 'order.cancelled'
  | 'order.expired';

/** `order.*`: the order as stored after the change, plus anything the type adds. */
export function orderEvent(
  type: OrderEventType,
  order: Order,
  now: number,
  extra: Readonly<Record<string, unknown>> = {},
): NewEvent {
  return {
    type,
    customerId: order.customerId,
    orderId: order.id,
    data: { ...orderEventData(order), ...extra },
    now,
  };
}

/** `sms.received`, about the order as it was when the SMS came (its number). */
export function smsReceivedEvent(
  order: Order,
  sms: InboundSms,
  code: string | null,
  now: number,
): NewEvent {
  return {
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
  };
}

/** `call.received`, about the order as it was when the call rang. */
export function callReceivedEvent(
  order: Order,
  callId: number,
  call: IncomingCallRecord,
  code: string | null,
  now: number,
): NewEvent {
  return {
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
  };
}

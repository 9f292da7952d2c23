import {
  unitsToUsd,
  type Order,
  type OrderMessage,
  type OrderNumber,
  type OrderStatus,
  type ReleaseReason,
} from '../../domain/index.js';
import { iso } from './iso-time.js';

export interface OrderTableRow {
  readonly id: string;
  readonly activation_id: number;
  readonly customer_id: string;
  readonly api_key_id: string;
  readonly sandbox: number;
  readonly service: string;
  readonly country: string;
  readonly price_units: number;
  readonly sim_iccid: string;
  readonly phone_number: string;
  readonly status: OrderStatus;
  readonly created_at: number;
  readonly number_assigned_at: number;
  readonly hold_until: number;
  readonly expires_at: number;
  readonly closed_at: number | null;
  readonly last_code: string | null;
  readonly sms_count: number;
}

export interface OrderNumberRow {
  readonly sim_iccid: string;
  readonly phone_number: string;
  readonly assigned_at: number;
  readonly released_at: number | null;
  readonly release_reason: ReleaseReason | null;
}

export interface OrderMessageRow {
  readonly id: number;
  readonly inbound_message_id: number | null;
  readonly sender: string;
  readonly text: string;
  readonly code: string | null;
  readonly sent_at: number;
  readonly received_at: number;
}

export function orderFromRow(row: OrderTableRow): Order {
  return {
    id: row.id,
    activationId: row.activation_id,
    customerId: row.customer_id,
    apiKeyId: row.api_key_id,
    sandbox: row.sandbox === 1,
    service: row.service,
    country: row.country,
    priceUnits: row.price_units,
    simIccid: row.sim_iccid,
    phoneNumber: row.phone_number,
    status: row.status,
    createdAt: row.created_at,
    numberAssignedAt: row.number_assigned_at,
    holdUntil: row.hold_until,
    expiresAt: row.expires_at,
    closedAt: row.closed_at,
    lastCode: row.last_code,
    smsCount: row.sms_count,
  };
}

export function numberFromRow(row: OrderNumberRow): OrderNumber {
  return {
    simIccid: row.sim_iccid,
    phoneNumber: row.phone_number,
    assignedAt: row.assigned_at,
    releasedAt: row.released_at,
    releaseReason: row.release_reason,
  };
}

export function messageFromRow(row: OrderMessageRow): OrderMessage {
  return {
    id: row.id,
    inboundMessageId: row.inbound_message_id,
    sender: row.sender,
    text: row.text,
    code: row.code,
    sentAt: row.sent_at,
    receivedAt: row.received_at,
  };
}

/** Which order and number a delivery event (`sms.received`, `call.received`) is about. */
export function deliveryEventHead(order: Order): Record<string, unknown> {
  return {
    order_id: order.id,
    activation_id: order.activationId,
    phone_number: order.phoneNumber,
    service: order.service,
    country: order.country,
  };
}

/**
 * The order as events carry it: API.md field names, RFC 3339 times, USD numbers, so outbox
 * readers (webhooks, WebSocket) forward it without another database read.
 */
export function orderEventData(order: Order): Record<string, unknown> {
  return {
    order_id: order.id,
    activation_id: order.activationId,
    status: order.status,
    phone_number: order.phoneNumber,
    service: order.service,
    country: order.country,
    price: unitsToUsd(order.priceUnits),
    sandbox: order.sandbox,
    sms_received: order.smsCount,
    code: order.lastCode,
    created_at: iso(order.createdAt),
    expires_at: iso(order.expiresAt),
    cancel_available_at: iso(order.holdUntil),
    closed_at: order.closedAt === null ? null : iso(order.closedAt),
  };
}

/** Orders (number rentals), their numbers, messages and events. */
import type { OrderCall } from './calls.js';
import type { ClaimedIdempotencyKey } from './idempotency.js';

export const ORDER_STATUSES = [
  'waiting',
  'received',
  'retry',
  'finished',
  'cancelled',
  'expired',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** An order in these states holds its SIM. */
export const OPEN_STATUSES = ['waiting', 'received', 'retry'] as const;
export type OpenStatus = (typeof OPEN_STATUSES)[number];

export function isOpenStatus(status: OrderStatus): status is OpenStatus {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}

export interface Order {
  readonly id: string;
  /** Digits only: the legacy API's activation id. */
  readonly activationId: number;
  readonly customerId: string;
  readonly apiKeyId: string;
  readonly sandbox: boolean;
  readonly service: string;
  /** ISO-2. */
  readonly country: string;
  readonly priceUnits: number;
  readonly simIccid: string;
  /** E.164 with `+`. */
  readonly phoneNumber: string;
  readonly status: OrderStatus;
  readonly createdAt: number;
  /** When the current number was assigned (creation, or the last swap). */
  readonly numberAssignedAt: number;
  readonly holdUntil: number;
  readonly expiresAt: number;
  readonly closedAt: number | null;
  readonly lastCode: string | null;
  readonly smsCount: number;
}

export type ReleaseReason = 'cancelled' | 'expired' | 'finished' | 'swapped';

export interface OrderNumber {
  readonly simIccid: string;
  readonly phoneNumber: string;
  readonly assignedAt: number;
  readonly releasedAt: number | null;
  readonly releaseReason: ReleaseReason | null;
}

export interface OrderMessage {
  readonly id: number;
  readonly inboundMessageId: number | null;
  readonly sender: string;
  readonly text: string;
  readonly code: string | null;
  readonly sentAt: number;
  readonly receivedAt: number;
}

export interface OrderDetail extends Order {
  readonly messages: readonly OrderMessage[];
  readonly numbers: readonly OrderNumber[];
  /** The network operator of the current number's SIM, when the modem reported one (legacy
   * `activationOperator`). */
  readonly simOperator: string | null;
  /** Incoming voice calls to the number while the order held it, oldest first. */
  readonly calls: readonly OrderCall[];
}

export type UsageOutcome = 'sold' | 'cancelled' | 'expired' | 'swapped';

export const EVENT_TYPES = [
  'order.created',
  'order.updated',
  'sms.received',
  /** An incoming voice call reached the order's number (API: `calls` of the order). */
  'call.received',
  'order.cancelled',
  'order.expired',
  'order.swapped',
  'order.finished',
  'balance.changed',
  'message.received',
  'message.sent',
  'message.delivered',
  'message.failed',
  'message.unknown',
  'webhook.paused',
  'webhook.resumed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An outbox row: written in the transaction of the change it reports. */
export interface DomainEvent {
  /** Ordering and resume position for outbox readers. */
  readonly seq: number;
  readonly id: string;
  readonly type: EventType;
  readonly customerId: string | null;
  readonly orderId: string | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
}

export interface PurchaseRequest {
  readonly customerId: string;
  readonly apiKeyId: string;
  readonly service: string;
  /** ISO-2 or sms-activate numeric id. */
  readonly country: string;
  readonly maxPriceUnits?: number;
  /** The request's Idempotency-Key claim: the order records it (ports.ts). */
  readonly claimedKey?: ClaimedIdempotencyKey;
}

export interface OrderQuery {
  readonly status?: OrderStatus;
  readonly limit: number;
  readonly cursor?: string;
}

/** What an inbound SMS (already committed as an inbound message) brings to matching. */
export interface InboundSms {
  readonly iccid: string;
  readonly inboundMessageId: number | null;
  readonly sender: string;
  readonly text: string;
  /** Service-centre timestamp: when the network accepted it, not when we read it. */
  readonly sentAt: number;
  readonly receivedAt: number;
}

export type MatchResult =
  | { readonly kind: 'matched'; readonly order: Order; readonly code: string | null }
  | { readonly kind: 'duplicate'; readonly orderId: string }
  | {
      readonly kind: 'unmatched';
      readonly reason: 'no_open_order' | 'sent_before_assignment';
    };

export interface ExpiryReport {
  readonly expired: readonly string[];
  readonly finished: readonly string[];
}

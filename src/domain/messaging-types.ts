/**
 * The Messaging API's view of SMS in and out (API.md "Messaging API") and the storage it needs.
 * Outbound messages are `msg_…` (the pool's queue), inbound ones `in_<n>` (the inbound store).
 */
import type { ApiScope } from './api-keys.js';
import type { Page } from './customers.js';
import type { ClaimedIdempotencyKey } from './idempotency.js';

export const OUTBOUND_STATUSES = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'failed',
  'expired',
  /** It may or may not have gone out (a crash or no answer while sending); never sent again. */
  'unknown',
] as const;
export type OutboundMessageStatus = (typeof OUTBOUND_STATUSES)[number];
/** Every status a message may show: the outbound ones, and `received` for inbound SMS. */
export const MESSAGE_STATUSES = [...OUTBOUND_STATUSES, 'received'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export type MessagingDirection = 'in' | 'out';

/** Who asks: an operator key (scope `messages`) sees every SMS, a customer key its orders' SMS. */
export interface MessagingPrincipal {
  readonly customerId: string;
  readonly apiKeyId: string;
  readonly scopes: readonly ApiScope[];
  readonly sandbox: boolean;
}

/** What the store filters by: everything, or the inbound SMS of one account's orders. */
export type MessageAudience =
  | { readonly kind: 'operator' }
  | { readonly kind: 'customer'; readonly customerId: string; readonly sandbox: boolean };

/** POST /api/v1/messages as the domain takes it (API.md names in validation errors). */
export interface SendMessageInput {
  readonly to: string;
  readonly body: string;
  /** E.164 number of one of our SIMs, or its ICCID. */
  readonly from?: string;
  readonly deliveryReport?: boolean;
  /** RFC 3339; in the future. */
  readonly validUntil?: string;
  readonly priority?: number;
  /** The request's Idempotency-Key claim, when it came with one. */
  readonly claimedKey?: ClaimedIdempotencyKey;
}

/** A validated message for the queue: the store encodes it into PDUs and enqueues it. */
export interface OutboundDraft {
  readonly to: string;
  readonly toCountry: string | null;
  readonly body: string;
  /** The SIM asked for; null lets routing pick one. */
  readonly iccid: string | null;
  readonly deliveryReport: boolean;
  readonly validUntil: number | null;
  readonly priority: number;
  readonly customerId: string;
  readonly apiKeyId: string;
  readonly now: number;
  /** The request's Idempotency-Key claim: the queued message records it (ports.ts). */
  readonly claimedKey?: ClaimedIdempotencyKey;
}

export interface QueuedMessage {
  readonly id: string;
  readonly status: 'queued';
  readonly parts: number;
  readonly createdAt: number;
}

export interface HistoryEntry {
  readonly status: string;
  readonly at: number;
}

export interface MessageError {
  readonly code: string;
  readonly cmsError: number | null;
  readonly detail: string | null;
}

export interface MessageView {
  readonly id: string;
  readonly direction: MessagingDirection;
  readonly from: string | null;
  readonly to: string | null;
  readonly body: string;
  readonly parts: number;
  readonly status: MessageStatus;
  /** The ICCID of our SIM that sent or received it (null: not yet routed). */
  readonly simId: string | null;
  readonly error: MessageError | null;
  readonly createdAt: number;
  readonly sentAt: number | null;
  readonly deliveredAt: number | null;
  /** Inbound only: when the SIM got it (the same as createdAt). */
  readonly receivedAt: number | null;
  /** Message-level states, oldest first. */
  readonly history: readonly HistoryEntry[];
}

/** One part of an outbound message, with its own history. */
export interface PartView {
  readonly sequence: number;
  readonly status: string;
  readonly attempts: number;
  readonly messageReference: number | null;
  readonly deliveryStatus: string | null;
  readonly history: readonly (HistoryEntry & {
    readonly simId: string | null;
    readonly detail: string | null;
  })[];
}

export interface MessageDetail extends MessageView {
  /** Outbound only; null for inbound SMS. */
  readonly partsDetail: readonly PartView[] | null;
}

export interface MessageListQuery {
  readonly direction?: MessagingDirection;
  readonly status?: MessageStatus;
  readonly limit: number;
  readonly cursor?: string;
}

/** The SIM a message may be sent from. */
export interface SenderSim {
  readonly iccid: string;
  readonly msisdn: string | null;
  readonly enabled: boolean;
}

export interface MessagingPort {
  /** Whether the account is the built-in operator account (the only one that sees every SMS). */
  isOperatorAccount(customerId: string): Promise<boolean>;
  /** By ICCID or by the SIM's own number. */
  findSim(iccidOrNumber: string): Promise<SenderSim | undefined>;
  /**
   * Encodes the draft into its PDUs and queues it, one transaction. With `draft.claimedKey`, the
   * message this key already queued is answered again instead of a second one.
   */
  queue(draft: OutboundDraft): Promise<QueuedMessage>;
  /** Undefined when there is none, or `audience` may not see it. */
  getMessage(id: string, audience: MessageAudience): Promise<MessageDetail | undefined>;
  /** Newest first; `cursor` from the previous page. */
  listMessages(query: MessageListQuery, audience: MessageAudience): Promise<Page<MessageView>>;
}

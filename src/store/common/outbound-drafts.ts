/**
 * A Messaging API draft into the queue's terms, the same on both engines: its SUBMIT PDUs (the
 * pool's composeOutbound) and what the API answers once it is queued.
 */
import type { OutboundDraft, QueuedMessage } from '../../domain/index.js';
import { composeOutbound, type NewOutboundMessage } from '../../pool/index.js';

export function outboundFromDraft(draft: OutboundDraft): NewOutboundMessage {
  return composeOutbound({
    to: draft.to,
    text: draft.body,
    iccid: draft.iccid,
    requestStatusReport: draft.deliveryReport,
    now: draft.now,
    toCountry: draft.toCountry,
    priority: draft.priority,
    validUntil: draft.validUntil,
    customerId: draft.customerId,
    apiKeyId: draft.apiKeyId,
  });
}

export function queuedFrom(message: NewOutboundMessage): QueuedMessage {
  return {
    id: message.id,
    status: 'queued',
    parts: message.parts.length,
    createdAt: message.createdAt,
  };
}

/** An outbound message's row as a keyed send's re-run answers it (its first answer: queued). */
export interface QueuedMessageRow {
  readonly id: string;
  readonly part_count: number;
  readonly created_at: number;
}

export const QUEUED_MESSAGE_COLUMNS = 'id, part_count, created_at';

export function queuedFromRow(row: QueuedMessageRow): QueuedMessage {
  return { id: row.id, status: 'queued', parts: row.part_count, createdAt: row.created_at };
}

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

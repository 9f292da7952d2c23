import { randomBytes, randomInt } from 'node:crypto';
import { SimpoolError } from '../shared/index.js';
import { encodeSubmit } from '../sms/index.js';
import type { NewOutboundMessage } from './ports.js';

export interface OutboundRequest {
  readonly to: string;
  readonly text: string;
  /** The SIM that must send it; null lets any ready SIM send it. */
  readonly iccid: string | null;
  readonly requestStatusReport?: boolean;
  readonly now: number;
  /** The recipient's country (ISO alpha-2), when the caller knows it: routing prefers it. */
  readonly toCountry?: string | null;
  readonly priority?: number;
  readonly validUntil?: number | null;
  readonly customerId?: string | null;
  readonly apiKeyId?: string | null;
}

const E164 = /^\+?[1-9]\d{4,14}$/;

/** Encodes an SMS into its SUBMIT parts and gives it an id, ready to be queued. */
export function composeOutbound(request: OutboundRequest): NewOutboundMessage {
  if (!E164.test(request.to)) {
    throw new SimpoolError('invalid_argument', `recipient ${request.to} is not a phone number`, {
      details: { field: 'to' },
    });
  }
  if (request.text.length === 0) {
    throw new SimpoolError('invalid_argument', 'the text is empty', { details: { field: 'text' } });
  }
  const deliveryReport = request.requestStatusReport ?? true;
  const parts = encodeSubmit({
    to: request.to,
    text: request.text,
    requestStatusReport: deliveryReport,
    // The concatenation reference only has to differ between messages to one recipient in flight.
    reference: randomInt(256),
  });
  return {
    id: `msg_${randomBytes(12).toString('hex')}`,
    to: request.to,
    body: request.text,
    iccid: request.iccid,
    parts: parts.map((p) => ({ pduHex: p.pduHex, tpduLength: p.tpduLength })),
    createdAt: request.now,
    toCountry: request.toCountry ?? null,
    priority: request.priority ?? 0,
    deliveryReport,
    validUntil: request.validUntil ?? null,
    customerId: request.customerId ?? null,
    apiKeyId: request.apiKeyId ?? null,
  };
}

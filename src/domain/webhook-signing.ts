/**
 * Webhook secrets and signatures. Every attempt is signed afresh (new timestamp) with the
 * Standard Webhooks scheme, which any of its libraries verifies: the event id and the timestamp
 * are signed with the body, so a receiver that rejects old timestamps and seen ids cannot be fed
 * a captured request again (docs/webhooks.md).
 */
import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** `whsec_<base64 of 32 random bytes>`. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** The HMAC key of the Standard Webhooks scheme: the base64-decoded part after `whsec_`. */
function standardKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

/** `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` (Standard Webhooks). */
export function standardSignature(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  const mac = createHmac('sha256', standardKey(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/** The headers of one attempt. `now` is ms; the timestamp header is whole seconds. */
export function webhookHeaders(input: {
  readonly secret: string;
  readonly eventId: string;
  readonly deliveryId: string;
  readonly body: string;
  readonly now: number;
}): Record<string, string> {
  const timestamp = Math.floor(input.now / 1000);
  const signature = standardSignature(input.secret, input.eventId, timestamp, input.body);
  return {
    'content-type': 'application/json',
    'user-agent': 'simpool-webhooks/1',
    'webhook-id': input.eventId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
    // The same signature under simpool's own name. It used to sign the body alone, so a captured
    // request could be replayed to receivers that checked only this header.
    'x-simpool-signature': signature,
    'x-simpool-delivery': input.deliveryId,
  };
}

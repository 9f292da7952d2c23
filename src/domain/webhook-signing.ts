/**
 * Webhook secrets and signatures. Every attempt is signed afresh (new timestamp), with both the
 * Standard Webhooks scheme (any of its libraries verifies it) and a single-header HMAC for
 * receivers written for GitHub/Stripe-style schemes.
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

/** `sha256=<hex HMAC-SHA256(secret string as UTF-8, body)>`. */
export function simpoolSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
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
  return {
    'content-type': 'application/json',
    'user-agent': 'simpool-webhooks/1',
    'webhook-id': input.eventId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': standardSignature(input.secret, input.eventId, timestamp, input.body),
    'x-simpool-signature': simpoolSignature(input.secret, input.body),
    'x-simpool-delivery': input.deliveryId,
  };
}

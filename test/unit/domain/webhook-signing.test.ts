import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateWebhookSecret, webhookHeaders } from '../../../src/domain/index.js';

/**
 * What a receiver checks: `X-Simpool-Signature` (like `webhook-signature`) signs the event id and
 * the timestamp with the body, so the standardwebhooks library verifies it, and a captured
 * request replayed later, or with another timestamp, is refused.
 */
const SENT_AT = Date.UTC(2026, 0, 1, 12);
const BODY = '{"id":"evt_1","type":"sms.received","data":{"code":"48213"}}';

afterEach(() => {
  vi.useRealTimers();
});

function delivery() {
  const secret = generateWebhookSecret();
  const headers = webhookHeaders({
    secret,
    eventId: 'evt_1',
    deliveryId: 'whd_1',
    body: BODY,
    now: SENT_AT,
  });
  return { secret, headers };
}

/** A receiver verifying X-Simpool-Signature with the standardwebhooks library, at `now`. */
function receive(
  secret: string,
  headers: Readonly<Record<string, string | undefined>>,
  body: string,
  now = SENT_AT + 2_000,
): unknown {
  vi.useFakeTimers({ now, toFake: ['Date'] });
  return new Webhook(secret).verify(body, {
    'webhook-id': headers['webhook-id'] ?? '',
    'webhook-timestamp': headers['webhook-timestamp'] ?? '',
    'webhook-signature': headers['x-simpool-signature'] ?? '',
  });
}

describe('X-Simpool-Signature', () => {
  it('is accepted by a receiver verifying with the standardwebhooks library', () => {
    const { secret, headers } = delivery();
    expect(receive(secret, headers, BODY)).toEqual(JSON.parse(BODY));
    expect(headers['x-simpool-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('fails when the timestamp is altered (a replay with a fresh timestamp)', () => {
    const { secret, headers } = delivery();
    const later = String(Number(headers['webhook-timestamp']) + 600);
    expect(() =>
      receive(secret, { ...headers, 'webhook-timestamp': later }, BODY, SENT_AT + 600_000),
    ).toThrow(/no matching signature/i);
  });

  it('fails when the body or the event id is altered, or the secret is another', () => {
    const { secret, headers } = delivery();
    const refused = /no matching signature/i;
    expect(() => receive(secret, headers, BODY.replace('48213', '00000'))).toThrow(refused);
    expect(() => receive(secret, { ...headers, 'webhook-id': 'evt_2' }, BODY)).toThrow(refused);
    expect(() => receive(generateWebhookSecret(), headers, BODY)).toThrow(refused);
  });

  it('is refused when replayed unchanged after the 5-minute window', () => {
    const { secret, headers } = delivery();
    expect(() => receive(secret, headers, BODY, SENT_AT + 6 * 60_000)).toThrow(/too old/i);
  });
});

/** The plain-Node.js check printed in docs/webhooks.md, loaded from the page itself. */
async function documentedVerifier(): Promise<
  (secret: string, headers: object, body: string, nowSeconds: number) => boolean
> {
  const page = readFileSync(new URL('../../../docs/webhooks.md', import.meta.url), 'utf8');
  const block = /<!-- verify-sample[^]*?```js\n([^]*?)```/.exec(page)?.[1];
  if (!block) throw new Error('docs/webhooks.md has no verify-sample block');
  const module = (await import(`data:text/javascript,${encodeURIComponent(block)}`)) as {
    verifySimpoolWebhook: (secret: string, headers: object, body: string, now: number) => boolean;
  };
  return module.verifySimpoolWebhook;
}

describe('the verification documented in docs/webhooks.md', () => {
  it('accepts a delivery and refuses an altered timestamp, body, or an old one', async () => {
    const verify = await documentedVerifier();
    const { secret, headers } = delivery();
    const now = SENT_AT / 1000 + 2;
    expect(verify(secret, headers, BODY, now)).toBe(true);
    const signedByOurName = { ...headers, 'webhook-signature': undefined };
    expect(verify(secret, signedByOurName, BODY, now)).toBe(true);
    const later = String(Number(headers['webhook-timestamp']) + 60);
    expect(verify(secret, { ...headers, 'webhook-timestamp': later }, BODY, now + 60)).toBe(false);
    expect(verify(secret, headers, `${BODY} `, now)).toBe(false);
    expect(verify(secret, headers, BODY, now + 6 * 60)).toBe(false);
  });
});

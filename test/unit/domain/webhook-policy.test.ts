import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  MAX_ATTEMPTS,
  decideAttempt,
  generateWebhookSecret,
  isPrivateAddress,
  parseRetryAfter,
  retryDelay,
  standardSignature,
  validateWebhookUrl,
  webhookHeaders,
  type ClaimedDelivery,
} from '../../../src/domain/index.js';

const MINUTE = 60_000;
const NOW = Date.UTC(2026, 0, 1);

describe('webhook signing', () => {
  it('reproduces the Standard Webhooks reference vector', () => {
    // The test vector published with the Standard Webhooks spec (and its libraries' tests).
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    const expected = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
    expect(standardSignature(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe(
      expected,
    );
    const library = new Webhook(secret).sign(
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      new Date(1614265330 * 1000),
      body,
    );
    expect(library).toBe(expected);
  });

  it('makes whsec_ secrets of 32 random bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it('signs each attempt with both schemes and names the delivery', () => {
    const secret = generateWebhookSecret();
    const body = '{"id":"evt_1"}';
    const headers = webhookHeaders({
      secret,
      eventId: 'evt_1',
      deliveryId: 'whd_1',
      body,
      now: NOW + 1500,
    });
    expect(headers['webhook-id']).toBe('evt_1');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor((NOW + 1500) / 1000)));
    expect(headers['x-simpool-delivery']).toBe('whd_1');
    const hex = createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('hex');
    expect(headers['x-simpool-signature']).toBe(`sha256=${hex}`);
  });
});

describe('retry schedule', () => {
  it('retries after 1 min, 5 min, 30 min, 2 h and 12 h, then gives up', () => {
    expect([1, 2, 3, 4, 5, 6].map(retryDelay)).toEqual([
      MINUTE,
      5 * MINUTE,
      30 * MINUTE,
      120 * MINUTE,
      720 * MINUTE,
      null,
    ]);
    expect(MAX_ATTEMPTS).toBe(6);
  });

  it('parses Retry-After as seconds or an HTTP date, ignoring garbage', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter(new Date(NOW - 90_000).toUTCString(), NOW)).toBe(0);
    for (const bad of [null, undefined, '', '-1', '1.5', 'soon']) {
      expect(parseRetryAfter(bad, NOW)).toBeUndefined();
    }
  });

  const claimed = (attempt: number, failureCount = 0): ClaimedDelivery => ({
    id: 'whd_1',
    endpointId: 'whe_1',
    eventId: 'evt_1',
    eventType: 'sms.received',
    attempt,
    payload: '{}',
    url: 'http://example.com',
    secret: 'whsec_x',
    failureCount,
  });
  const response = (status: number, retryAfter: string | null = null) =>
    ({ kind: 'response', status, body: 'x'.repeat(5000), retryAfter }) as const;

  it('honours Retry-After within bounds instead of the schedule', () => {
    expect(decideAttempt(claimed(0), response(503, '600'), NOW).nextAttemptAt).toBe(NOW + 600_000);
    expect(decideAttempt(claimed(0), response(429, '0'), NOW).nextAttemptAt).toBe(NOW + 1000);
    expect(decideAttempt(claimed(0), response(503, '9999999'), NOW).nextAttemptAt).toBe(
      NOW + 12 * 60 * MINUTE,
    );
  });

  it('succeeds on 2xx, resetting the failure count and keeping 1 KB of the body', () => {
    const record = decideAttempt(claimed(2, 7), response(204), NOW);
    expect(record).toMatchObject({ status: 'succeeded', attempt: 3, deliveredAt: NOW });
    expect(record.endpoint).toEqual({ failureCount: 0, pause: false, disable: false });
    expect(record.responseBody).toHaveLength(1024);
  });

  it('fails after the sixth attempt, disables on 410, pauses at 20 consecutive failures', () => {
    expect(decideAttempt(claimed(5), response(500), NOW)).toMatchObject({
      status: 'failed',
      nextAttemptAt: null,
    });
    const gone = decideAttempt(claimed(0), response(410), NOW);
    expect(gone).toMatchObject({ status: 'failed', endpoint: { disable: true } });
    expect(decideAttempt(claimed(0, 18), response(500), NOW).endpoint.pause).toBe(false);
    expect(decideAttempt(claimed(0, 19), { kind: 'error', message: 'refused' }, NOW)).toMatchObject(
      { status: 'pending', errorMessage: 'refused', endpoint: { failureCount: 20, pause: true } },
    );
    // A redirect is not followed, so it is a failure like any other non-2xx.
    expect(decideAttempt(claimed(0), response(302), NOW).status).toBe('pending');
  });
});

describe('webhook URL validation', () => {
  const strict = { allowPrivate: false, allowedHosts: [] };
  const resolveTo =
    (...addresses: string[]) =>
    () =>
      Promise.resolve(addresses);

  it.each([
    'http://127.0.0.1/hook',
    'http://10.0.0.1/hook',
    'http://[::1]/hook',
    'http://169.254.169.254/latest',
    'http://0.0.0.0/',
    'http://[::ffff:192.168.1.1]/',
    'ftp://example.com/file',
    'not a url',
    'http://user:pw@example.com/',
  ])('refuses %s', async (url) => {
    await expect(validateWebhookUrl(url, strict, resolveTo('93.184.216.34'))).rejects.toMatchObject(
      {
        code: 'validation_failed',
        details: { field: 'url' },
      },
    );
  });

  it('refuses a hostname that resolves to loopback (real resolver: localhost)', async () => {
    await expect(validateWebhookUrl('http://localhost:9/hook', strict)).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(
      validateWebhookUrl('https://hooks.example', strict, resolveTo('93.184.216.34', 'fd00::1')),
    ).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('accepts public hosts, allowed hosts and anything when private is allowed', async () => {
    expect(
      await validateWebhookUrl('https://hooks.example/x', strict, resolveTo('93.184.216.34')),
    ).toBe('https://hooks.example/x');
    const allowed = { allowPrivate: false, allowedHosts: ['localhost', '10.0.0.1'] };
    expect(await validateWebhookUrl('http://localhost:8080/h', allowed)).toBe(
      'http://localhost:8080/h',
    );
    expect(await validateWebhookUrl('http://10.0.0.1/h', allowed)).toBe('http://10.0.0.1/h');
    const open = { allowPrivate: true, allowedHosts: [] };
    expect(await validateWebhookUrl('http://127.0.0.1:1/h', open)).toBe('http://127.0.0.1:1/h');
    await expect(validateWebhookUrl('ftp://127.0.0.1/', open)).rejects.toThrow(/http/);
  });

  it('classifies addresses', () => {
    expect(
      ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.0.1', '::1', 'fe80::1', '::'].every(
        isPrivateAddress,
      ),
    ).toBe(true);
    expect(['8.8.8.8', '93.184.216.34', '2606:4700::1111'].some(isPrivateAddress)).toBe(false);
  });
});

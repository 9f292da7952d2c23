import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  generateWebhookSecret,
  isPrivateAddress,
  standardSignature,
  validateWebhookUrl,
  webhookHeaders,
} from '../../../src/domain/index.js';

// The retry schedule, pausing and probing: webhook-retry.test.ts.
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

  it('signs each attempt and names the delivery', () => {
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
    // One signature over id, timestamp and body, under both names (test/unit/domain/webhook-signing).
    expect(headers['x-simpool-signature']).toBe(headers['webhook-signature']);
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

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DELIVERY_SETTINGS,
  decideAttempt,
  endpointChangeEvent,
  fanOutEvent,
  parseRetryAfter,
  retryDelay,
  type AttemptResult,
  type ClaimedDelivery,
  type DomainEvent,
  type WebhookEndpoint,
} from '../../../src/domain/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NOW = Date.UTC(2026, 0, 1);

const claimed = (overrides: Partial<ClaimedDelivery> = {}): ClaimedDelivery => ({
  id: 'whd_1',
  endpointId: 'whe_1',
  eventId: 'evt_1',
  eventType: 'sms.received',
  attempt: 0,
  payload: '{}',
  url: 'http://example.com',
  secret: 'whsec_x',
  failureCount: 0,
  failingSince: null,
  paused: false,
  ...overrides,
});
const response = (status: number, retryAfter: string | null = null): AttemptResult => ({
  kind: 'response',
  status,
  body: 'x'.repeat(5000),
  retryAfter,
});
const refused: AttemptResult = { kind: 'error', message: 'connect ECONNREFUSED' };

describe('retry schedule', () => {
  it('retries after 1 min, 5 min and 30 min, then every probe interval, never giving up', () => {
    expect([1, 2, 3, 4, 10, 500].map((n) => retryDelay(n))).toEqual([
      MINUTE,
      5 * MINUTE,
      30 * MINUTE,
      30 * MINUTE,
      30 * MINUTE,
      30 * MINUTE,
    ]);
    // A shorter probe interval caps the schedule; a longer one waits longer after the third.
    expect([1, 2, 3, 4].map((n) => retryDelay(n, 15 * MINUTE))).toEqual([
      MINUTE,
      5 * MINUTE,
      15 * MINUTE,
      15 * MINUTE,
    ]);
    expect(retryDelay(4, HOUR)).toBe(HOUR);
    const late = decideAttempt(claimed({ attempt: 40, failingSince: NOW - HOUR }), refused, NOW);
    expect(late).toMatchObject({ status: 'pending', nextAttemptAt: NOW + 30 * MINUTE });
  });

  it('parses Retry-After as seconds or an HTTP date, ignoring garbage', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter(new Date(NOW - 90_000).toUTCString(), NOW)).toBe(0);
    for (const bad of [null, undefined, '', '-1', '1.5', 'soon']) {
      expect(parseRetryAfter(bad, NOW)).toBeUndefined();
    }
  });

  it('honours Retry-After within bounds instead of the schedule', () => {
    expect(decideAttempt(claimed(), response(503, '600'), NOW).nextAttemptAt).toBe(NOW + 600_000);
    expect(decideAttempt(claimed(), response(429, '0'), NOW).nextAttemptAt).toBe(NOW + 1000);
    expect(decideAttempt(claimed(), response(503, '9999999'), NOW).nextAttemptAt).toBe(
      NOW + 12 * HOUR,
    );
  });

  it('succeeds on 2xx, clearing the failures and keeping 1 KB of the body', () => {
    const record = decideAttempt(
      claimed({ attempt: 2, failureCount: 7, failingSince: NOW - HOUR }),
      response(204),
      NOW,
    );
    expect(record).toMatchObject({ status: 'succeeded', attempt: 3, deliveredAt: NOW });
    expect(record.endpoint).toEqual({
      failureCount: 0,
      failingSince: null,
      change: null,
      claimedPaused: false,
      disable: false,
    });
    expect(record.responseBody).toHaveLength(1024);
  });

  it('disables on 410 Gone; a redirect is a failure like any other non-2xx', () => {
    const gone = decideAttempt(claimed(), response(410), NOW);
    expect(gone).toMatchObject({ status: 'failed', endpoint: { disable: true, change: null } });
    expect(decideAttempt(claimed(), response(302), NOW)).toMatchObject({
      status: 'pending',
      errorMessage: 'receiver answered HTTP 302',
    });
  });
});

describe('pausing a failing endpoint', () => {
  it('does not pause after many failures within a short span', () => {
    // 500 failed attempts in ten minutes: a burst during a short outage.
    const record = decideAttempt(
      claimed({ failureCount: 499, failingSince: NOW - 10 * MINUTE }),
      refused,
      NOW,
    );
    expect(record).toMatchObject({
      status: 'pending',
      endpoint: { failureCount: 500, failingSince: NOW - 10 * MINUTE, change: null },
    });
  });

  it('starts the failing span at the first failure after a success', () => {
    const first = decideAttempt(claimed(), response(500), NOW);
    expect(first.endpoint).toMatchObject({ failureCount: 1, failingSince: NOW, change: null });
  });

  it('pauses once failures have spanned the configured time with no success', () => {
    const settings = { pauseAfterMs: 24 * HOUR, probeIntervalMs: 20 * MINUTE };
    const justBefore = decideAttempt(
      claimed({ attempt: 50, failureCount: 50, failingSince: NOW - 24 * HOUR + 1 }),
      refused,
      NOW,
      settings,
    );
    expect(justBefore.endpoint.change).toBeNull();
    const record = decideAttempt(
      claimed({ attempt: 50, failureCount: 50, failingSince: NOW - 24 * HOUR }),
      refused,
      NOW,
      settings,
    );
    expect(record).toMatchObject({
      status: 'pending',
      nextAttemptAt: NOW + 20 * MINUTE, // the first probe
      endpoint: { change: 'pause', failingSince: NOW - 24 * HOUR, failureCount: 51 },
    });
    expect(DEFAULT_DELIVERY_SETTINGS).toEqual({
      pauseAfterMs: 24 * HOUR,
      probeIntervalMs: 30 * MINUTE,
    });
  });

  it('probes a paused endpoint every probe interval; Retry-After may only push it later', () => {
    const paused = claimed({ attempt: 60, failingSince: NOW - 30 * HOUR, paused: true });
    const again = decideAttempt(paused, refused, NOW);
    expect(again).toMatchObject({
      status: 'pending',
      nextAttemptAt: NOW + 30 * MINUTE,
      endpoint: { change: null, claimedPaused: true },
    });
    expect(decideAttempt(paused, response(503, '5'), NOW).nextAttemptAt).toBe(NOW + 30 * MINUTE);
    expect(decideAttempt(paused, response(503, '7200'), NOW).nextAttemptAt).toBe(NOW + 2 * HOUR);
  });

  it('resumes when a probe succeeds', () => {
    const paused = claimed({ attempt: 60, failingSince: NOW - 30 * HOUR, paused: true });
    expect(decideAttempt(paused, response(200), NOW)).toMatchObject({
      status: 'succeeded',
      endpoint: { change: 'resume', failingSince: null, failureCount: 0, claimedPaused: true },
    });
  });
});

describe('telling the owner', () => {
  const endpoint = (id: string, customerId: string | null, events: string[]): WebhookEndpoint =>
    ({
      id,
      customerId,
      url: `https://${id}.example/hook`,
      events,
      description: '',
      thresholdUnits: null,
      active: true,
      paused: false,
      pausedAt: null,
      pauseReason: null,
      failureCount: 0,
      failingSince: null,
      createdAt: NOW - HOUR,
      updatedAt: NOW - HOUR,
    }) as WebhookEndpoint;

  it("sends webhook.paused to the owner's other subscribed endpoints, not the paused one", () => {
    const failing = endpoint('whe_a', 'cus_1', ['sms.received', 'webhook.paused']);
    const record = decideAttempt(
      claimed({ endpointId: 'whe_a', failureCount: 9, failingSince: NOW - 25 * HOUR }),
      response(502),
      NOW,
    );
    const { type, data } = endpointChangeEvent('pause', failing, record);
    expect(type).toBe('webhook.paused');
    expect(data).toEqual({
      endpoint_id: 'whe_a',
      url: failing.url,
      description: '',
      paused_at: new Date(NOW).toISOString(),
      failing_since: new Date(NOW - 25 * HOUR).toISOString(),
      failure_count: 10,
      last_error: 'receiver answered HTTP 502',
    });
    const event: DomainEvent = {
      seq: 1,
      id: 'evt_p',
      type,
      customerId: 'cus_1',
      orderId: null,
      data,
      createdAt: NOW,
    };
    const endpoints = [
      failing,
      endpoint('whe_b', 'cus_1', ['webhook.paused']),
      endpoint('whe_c', 'cus_1', ['sms.received']), // not subscribed
      endpoint('whe_d', 'cus_2', ['webhook.paused']), // another customer
      endpoint('whe_e', null, ['webhook.paused']), // the operator's
    ];
    const deliveries = fanOutEvent(event, endpoints, NOW);
    expect(deliveries.map((d) => d.endpointId)).toEqual(['whe_b', 'whe_e']);
    expect(JSON.parse(deliveries[0]!.payload)).toMatchObject({
      type: 'webhook.paused',
      account_id: 'cus_1',
      data: { endpoint_id: 'whe_a' },
    });
  });
});

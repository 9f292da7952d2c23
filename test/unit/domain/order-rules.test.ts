import { describe, expect, it } from 'vitest';
import {
  decideCancel,
  decideExpiry,
  decideFinish,
  decideRetry,
  decideSms,
  leastRecentlyUsed,
  randomPolicy,
  type Order,
} from '../../../src/domain/index.js';

const T = Date.UTC(2026, 0, 1);

function order(overrides: Partial<Order> = {}): Order {
  return {
    id: 'ord_1',
    activationId: 100000001,
    customerId: 'cus_1',
    apiKeyId: 'key_1',
    sandbox: false,
    service: 'tg',
    country: 'GB',
    priceUnits: 5000,
    simIccid: '8944',
    phoneNumber: '+447700900123',
    status: 'waiting',
    createdAt: T,
    numberAssignedAt: T,
    holdUntil: T + 120_000,
    expiresAt: T + 1_200_000,
    closedAt: null,
    lastCode: null,
    smsCount: 0,
    ...overrides,
  };
}

describe('the order rules', () => {
  it('refuses a cancel inside the hold with the seconds remaining, rounded up', () => {
    expect(decideCancel(order(), T + 30_500)).toEqual({
      ok: false,
      refusal: { code: 'too_early', secondsRemaining: 90 },
    });
    expect(decideCancel(order(), T + 120_000)).toEqual({ ok: true, refundUnits: 5000 });
  });

  it('refuses a cancel once an SMS arrived, whatever the time', () => {
    expect(decideCancel(order({ status: 'received', smsCount: 1 }), T + 600_000)).toEqual({
      ok: false,
      refusal: { code: 'bad_status', status: 'received' },
    });
  });

  it('allows retry and finish only after a code', () => {
    expect(decideRetry(order())).toEqual({ code: 'bad_status', status: 'waiting' });
    expect(decideRetry(order({ status: 'received' }))).toBeNull();
    expect(decideRetry(order({ status: 'retry' }))).toBeNull();
    expect(decideFinish(order({ status: 'retry' }))).toBeNull();
    expect(decideFinish(order({ status: 'cancelled' }))).toEqual({
      code: 'bad_status',
      status: 'cancelled',
    });
  });

  it('expires with a refund without SMS and finishes with one, only when due', () => {
    expect(decideExpiry(order(), T + 1_199_999)).toEqual({ due: false });
    expect(decideExpiry(order(), T + 1_200_000)).toEqual({
      due: true,
      outcome: 'expired',
      refundUnits: 5000,
    });
    expect(decideExpiry(order({ status: 'retry', smsCount: 1 }), T + 1_200_000)).toEqual({
      due: true,
      outcome: 'finished',
    });
    expect(decideExpiry(order({ status: 'finished' }), T + 9e9)).toEqual({ due: false });
  });

  it('attaches an SMS sent after the assignment, within the skew, and not before', () => {
    const rules = { smsClockSkewMs: 60_000 };
    const o = order({ numberAssignedAt: T + 600_000 });
    expect(decideSms(o, T + 600_001, rules)).toEqual({ attach: true, firstSms: true });
    expect(decideSms(o, T + 540_000, rules)).toEqual({ attach: true, firstSms: true });
    expect(decideSms(o, T + 539_999, rules)).toEqual({
      attach: false,
      reason: 'sent_before_assignment',
    });
    expect(decideSms(order({ status: 'retry', smsCount: 1 }), T, rules)).toEqual({
      attach: true,
      firstSms: false,
    });
  });
});

describe('allocation policies', () => {
  const sims = [
    { iccid: 'b', msisdn: '1', operator: null, lastAssignedAt: 5 },
    { iccid: 'c', msisdn: '2', operator: null, lastAssignedAt: 1 },
    { iccid: 'a', msisdn: '3', operator: null, lastAssignedAt: 9 },
  ];

  it('picks the least recently used SIM, never-used first', () => {
    expect(leastRecentlyUsed.pick(sims)?.iccid).toBe('c');
    expect(
      leastRecentlyUsed.pick([
        ...sims,
        { iccid: 'z', msisdn: '4', operator: null, lastAssignedAt: null },
      ])?.iccid,
    ).toBe('z');
    expect(leastRecentlyUsed.pick([])).toBeUndefined();
  });

  it('picks by the random source when configured random', () => {
    expect(randomPolicy(() => 0).pick(sims)?.iccid).toBe('b');
    expect(randomPolicy(() => 0.999).pick(sims)?.iccid).toBe('a');
  });
});

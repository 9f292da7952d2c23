import { describe, expect, it } from 'vitest';
import { SendThrottle, type ThrottleLimits } from '../../../src/pool/index.js';

const T0 = Date.UTC(2026, 10, 22, 12);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const LIMITS: ThrottleLimits = {
  enabled: true,
  perMinute: 3,
  perHour: 5,
  perDay: 8,
  pauseMinMs: 2 * SECOND,
  pauseMaxMs: 8 * SECOND,
};

describe('SendThrottle', () => {
  it('lets parts out until the per-minute cap, then from when the oldest leaves the window', () => {
    const throttle = new SendThrottle(LIMITS);
    for (const offset of [0, 10, 20]) {
      expect(throttle.nextAllowedAt(T0 + offset * SECOND)).toBe(T0 + offset * SECOND);
      throttle.record(T0 + offset * SECOND);
    }
    expect(throttle.nextAllowedAt(T0 + 30 * SECOND)).toBe(T0 + MINUTE);
    expect(throttle.nextAllowedAt(T0 + MINUTE)).toBe(T0 + MINUTE);
    expect(throttle.sentWithin(T0 + MINUTE, MINUTE)).toBe(2);
  });

  it('holds the hourly and daily caps, counting what the store remembers from before', () => {
    const earlier = [T0 - 2 * HOUR, T0 - 90 * MINUTE, T0 - 80 * MINUTE, T0 - 50 * MINUTE];
    const throttle = new SendThrottle({ ...LIMITS, perDay: 9 }, earlier);
    expect(throttle.nextAllowedAt(T0)).toBe(T0);
    throttle.record(T0);
    // Five in the last hour? No: three of the earlier ones are older than an hour.
    expect(throttle.sentWithin(T0, HOUR)).toBe(2);
    throttle.record(T0 + 2 * MINUTE);
    throttle.record(T0 + 4 * MINUTE);
    throttle.record(T0 + 6 * MINUTE);
    // Five within the hour since T0 - 50 min: the next slot opens when that one is an hour old.
    expect(throttle.nextAllowedAt(T0 + 7 * MINUTE)).toBe(T0 + 10 * MINUTE);
    throttle.record(T0 + 10 * MINUTE);
    // Nine within the day: the oldest (T0 - 2 h) must leave the day window first.
    expect(throttle.sentWithin(T0 + 10 * MINUTE, 24 * HOUR)).toBe(9);
    expect(throttle.nextAllowedAt(T0 + 3 * HOUR)).toBe(T0 + 22 * HOUR);
  });

  it('rests a random pause between messages, which urgent messages skip (not the caps)', () => {
    const throttle = new SendThrottle(LIMITS);
    throttle.record(T0);
    throttle.rest(T0, 0.5);
    expect(throttle.nextAllowedAt(T0)).toBe(T0 + 5 * SECOND);
    expect(throttle.nextAllowedAt(T0, { urgent: true })).toBe(T0);
    throttle.rest(T0, 0);
    expect(throttle.nextAllowedAt(T0)).toBe(T0 + 2 * SECOND);
    throttle.rest(T0, 0.999_999);
    expect(throttle.nextAllowedAt(T0)).toBe(T0 + 8 * SECOND);
    throttle.record(T0 + 1);
    throttle.record(T0 + 2);
    expect(throttle.nextAllowedAt(T0 + 3, { urgent: true })).toBe(T0 + MINUTE);
  });

  it('holds nothing back when turned off', () => {
    const throttle = new SendThrottle({ ...LIMITS, enabled: false });
    for (let i = 0; i < 100; i++) throttle.record(T0);
    throttle.rest(T0, 0.9);
    expect(throttle.nextAllowedAt(T0)).toBe(T0);
  });
});

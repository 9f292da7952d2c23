/**
 * The Messaging API's validation and recipient countries. The MessagingService over a real store
 * (both engines) is tested in test/store/contract/messaging.contract.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  countryOfNumber,
  requireBody,
  requireRecipient,
  requireValidUntil,
} from '../../../src/domain/index.js';
import { SimpoolError } from '../../../src/shared/index.js';
import { T0 } from '../store/helpers.js';

/** The SimpoolError `run` throws, for asserting its code and field. */
function failure(run: () => unknown): SimpoolError {
  try {
    run();
  } catch (error) {
    if (error instanceof SimpoolError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe('the country of a recipient from its E.164 prefix', () => {
  it.each([
    ['+447700900123', 'GB'],
    ['447700900123', 'GB'],
    ['+4915112345678', 'DE'],
    ['+380501234567', 'UA'],
    ['+35312345678', 'IE'],
    ['+358401234567', 'FI'],
    ['+971501234567', 'AE'],
    ['+8613812345678', 'CN'],
    ['+85291234567', 'HK'],
    // Shared calling codes: +1 is the US (Canada cannot be told apart), +7 Russia but +76/+77
    // Kazakhstan.
    ['+12025550100', 'US'],
    ['+16135550100', 'US'],
    ['+79161234567', 'RU'],
    ['+77011234567', 'KZ'],
    ['+76012345678', 'KZ'],
  ])('%s is %s', (number, iso2) => {
    expect(countryOfNumber(number)).toBe(iso2);
  });

  it('knows no country for a calling code outside the catalog or for garbage', () => {
    expect(countryOfNumber('+99912345678')).toBeNull();
    expect(countryOfNumber('+2991234567')).toBeNull();
    expect(countryOfNumber('not a number')).toBeNull();
    expect(countryOfNumber('')).toBeNull();
  });
});

describe('validation of a message to send', () => {
  it('wants `to` in E.164 with +', () => {
    expect(requireRecipient(' +447700900123 ')).toBe('+447700900123');
    for (const bad of ['447700900123', '+0447700900123', '+44 7700 900123', '+1234', 42]) {
      expect(failure(() => requireRecipient(bad)).details).toMatchObject({ field: 'to' });
    }
  });

  it('wants a body of 1 to 1600 characters, counting an emoji as one', () => {
    expect(requireBody('hi')).toBe('hi');
    expect(requireBody('🙂'.repeat(1600))).toHaveLength(3200);
    for (const bad of ['', '   ', 'x'.repeat(1601), undefined]) {
      const error = failure(() => requireBody(bad));
      expect(error.code).toBe('validation_failed');
      expect(error.details).toMatchObject({ field: 'body' });
    }
  });

  it('wants valid_until as an RFC 3339 time in the future', () => {
    expect(requireValidUntil('2026-01-01T13:00:00Z', T0)).toBe(T0 + 3_600_000);
    for (const bad of [
      '2026-01-01T12:00:00Z',
      '2025-12-31T00:00:00.000Z',
      'tomorrow',
      '1767272400000',
    ]) {
      expect(failure(() => requireValidUntil(bad, T0)).details).toMatchObject({
        field: 'valid_until',
      });
    }
  });
});

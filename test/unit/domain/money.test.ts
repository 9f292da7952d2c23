import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatUnits, unitsToUsd, usdToUnits } from '../../../src/domain/index.js';
import { isSimpoolError } from '../../../src/shared/index.js';

describe('money in 1/10000 USD', () => {
  it('converts USD numbers and decimal strings exactly', () => {
    expect(usdToUnits(0.5)).toBe(5000);
    expect(usdToUnits('0.50')).toBe(5000);
    expect(usdToUnits('12.3456')).toBe(123456);
    expect(usdToUnits('-1.5')).toBe(-15000);
    expect(usdToUnits('.25')).toBe(2500);
    expect(usdToUnits('7')).toBe(70000);
    expect(usdToUnits('0.100000')).toBe(1000);
  });

  it('adds decimal strings without float drift', () => {
    expect(usdToUnits('0.1') + usdToUnits('0.2')).toBe(usdToUnits('0.3'));
    // The float sum 0.30000000000000004 is still 0.3 USD, not 3000.0000000000005 units.
    expect(usdToUnits(0.1 + 0.2)).toBe(3000);
  });

  it('refuses more than 4 decimals, junk and non-finite numbers', () => {
    for (const bad of ['0.12345', 'abc', '', '1e3', '1.2.3', Number.NaN, Infinity, 0.00001]) {
      expect(() => usdToUnits(bad)).toThrow(
        expect.objectContaining({ code: 'validation_failed' }) as Error,
      );
    }
    try {
      usdToUnits('0.12345');
    } catch (error) {
      expect(isSimpoolError(error, 'validation_failed')).toBe(true);
    }
  });

  it('formats with N decimals by integer arithmetic', () => {
    expect(formatUnits(503000, 2)).toBe('50.30');
    expect(formatUnits(5000, 2)).toBe('0.50');
    expect(formatUnits(1, 4)).toBe('0.0001');
    expect(formatUnits(12345, 2)).toBe('1.23');
    expect(formatUnits(12350, 2)).toBe('1.24');
    expect(formatUnits(12399, 2, { rounding: 'down' })).toBe('1.23');
    expect(formatUnits(-5000, 2)).toBe('-0.50');
    expect(formatUnits(70000, 0)).toBe('7');
    expect(unitsToUsd(5000)).toBe(0.5);
  });

  it('round-trips every amount through its 4-decimal text', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (units) => {
        expect(usdToUnits(formatUnits(units, 4))).toBe(units);
        expect(usdToUnits(unitsToUsd(units))).toBe(units);
      }),
    );
  });
});

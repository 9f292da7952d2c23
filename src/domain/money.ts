/**
 * Money is an integer number of 1/10000 USD ("units") everywhere: ledger, balances, prices.
 * Floats appear only at the edges (JSON numbers), and are converted here exactly: decimal
 * strings are parsed digit by digit, so "0.1" + "0.2" is exactly "0.3".
 */
import { SimpoolError } from '../shared/index.js';

export const UNITS_PER_USD = 10_000;
const DECIMALS = 4;

function invalid(value: unknown, why: string): SimpoolError {
  return new SimpoolError('validation_failed', `invalid amount ${String(value)}: ${why}`, {
    details: { field: 'amount', issue: why },
  });
}

/**
 * USD (a decimal string like "12.5" or a JSON number) → units. More than 4 decimals, a
 * non-finite value or an amount beyond the safe integer range is `validation_failed`.
 */
export function usdToUnits(value: number | string): number {
  if (typeof value === 'number') return numberToUnits(value);
  const text = value.trim();
  const match = /^([+-])?(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || ((match[2] ?? '') === '' && (match[3] ?? '') === '')) {
    throw invalid(value, 'not a decimal number');
  }
  const whole = match[2] || '0';
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  if (fraction.length > DECIMALS) throw invalid(value, `more than ${DECIMALS} decimals`);
  const units = Number(whole) * UNITS_PER_USD + Number(fraction.padEnd(DECIMALS, '0'));
  if (!Number.isSafeInteger(units)) throw invalid(value, 'too large');
  return match[1] === '-' && units !== 0 ? -units : units;
}

/**
 * A JSON number carries binary noise (0.1 + 0.2 = 0.30000000000000004): round to the nearest
 * unit when the noise is within a few ulps, so a real 5th decimal is still refused.
 */
function numberToUnits(value: number): number {
  if (!Number.isFinite(value)) throw invalid(value, 'not a finite number');
  const scaled = value * UNITS_PER_USD;
  const units = Math.round(scaled);
  if (!Number.isSafeInteger(units)) throw invalid(value, 'too large');
  const noise = Math.max(1e-7, Math.abs(scaled) * Number.EPSILON * 4);
  if (Math.abs(scaled - units) > noise) throw invalid(value, `more than ${DECIMALS} decimals`);
  return units === 0 ? 0 : units; // never -0
}

/** Units → USD as a JSON number (exact for every value a ledger can hold). */
export function unitsToUsd(units: number): number {
  return units / UNITS_PER_USD;
}

export interface FormatOptions {
  /** 'down' truncates toward zero: a balance is never shown larger than it is. Default 'half-up'. */
  readonly rounding?: 'half-up' | 'down';
}

/** Units → a fixed-point string with `decimals` (0–4) decimals, by integer arithmetic. */
export function formatUnits(units: number, decimals = 2, options: FormatOptions = {}): string {
  if (!Number.isSafeInteger(units)) throw invalid(units, 'not an integer number of units');
  const places = Math.min(DECIMALS, Math.max(0, Math.trunc(decimals)));
  const step = 10 ** (DECIMALS - places);
  const magnitude = Math.abs(units);
  let scaled = Math.trunc(magnitude / step);
  if (options.rounding !== 'down' && magnitude % step >= step / 2) scaled += 1;
  const digits = String(scaled).padStart(places + 1, '0');
  const sign = units < 0 && scaled !== 0 ? '-' : '';
  if (places === 0) return sign + digits;
  return `${sign}${digits.slice(0, -places)}.${digits.slice(-places)}`;
}

/**
 * How the legacy protocol spells times, money, numbers and header values. Every time is UTC:
 * sms-activate itself answers in Moscow time, but an appliance serves customers everywhere and
 * its own REST API speaks UTC, so one zone for both keeps an order's times comparable.
 */
import { formatUnits } from '../../../domain/index.js';

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM:SS` in UTC (activationTime, activationEndTime, sms dateTime). */
export function legacyTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** `BANNED:` date: PHP's `Y-m-d H-i-s` (dashes in the time too), UTC. */
export function bannedTime(ms: number): string {
  return legacyTime(ms).replace(/:/g, '-');
}

/** USD with 2 decimals. A balance is truncated (never shown larger than it is); prices round. */
export function usd(units: number, kind: 'balance' | 'price' = 'price'): string {
  return formatUnits(units, 2, kind === 'balance' ? { rounding: 'down' } : {});
}

/** A decimal USD amount → units, truncated to 1/10000 USD; null when not a plain decimal. */
export function parseUsdUnits(value: string): number | null {
  const match = /^\s*(\d{1,12})(?:\.(\d*))?\s*$/.exec(value);
  if (!match) return null;
  const fraction = (match[2] ?? '').slice(0, 4).padEnd(4, '0');
  return Number(match[1]) * 10_000 + Number(fraction);
}

/** Price as a JSON number (getPrices `cost`). */
export function usdNumber(units: number): number {
  return Number(usd(units));
}

/** E.164 without the `+`: clients concatenate or parse it as digits. */
export function phoneDigits(e164: string): string {
  return e164.replace(/\D/g, '');
}

/**
 * A header value carrying SMS text. Printable ASCII goes as is; anything else (non-ASCII,
 * newlines, control characters) would be mangled or refused by HTTP, so the whole text is then
 * percent-encoded UTF-8 (`encodeURIComponent`) and `encoded` says so (sent as
 * `X-Text-Encoding: percent`), leaving plain texts readable and encoded ones unambiguous.
 */
export function headerText(text: string): { readonly value: string; readonly encoded: boolean } {
  return /^[\x20-\x7e]*$/.test(text)
    ? { value: text, encoded: false }
    : { value: encodeURIComponent(text), encoded: true };
}

/** A single-line token payload (STATUS_OK:<code>): line breaks would split the answer. */
export function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}

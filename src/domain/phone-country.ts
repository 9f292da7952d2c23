/**
 * The country of an E.164 number from its calling code, with the calling codes of the seed
 * catalog (catalog-seed.ts): routing prefers a SIM of the recipient's country.
 */
import { SEED_COUNTRIES } from './catalog-seed.js';

/**
 * Calling codes several seed countries share: the one a number goes to unless a longer prefix
 * says otherwise. +1 is the US (Canada cannot be told apart without the NANP area-code table,
 * and a US SIM reaches Canada at domestic rates on most plans); +7 is Russia, except
 * Kazakhstan's +76 and +77 ranges (below).
 */
const SHARED_CODE_OWNER: Readonly<Record<number, string>> = { 1: 'US', 7: 'RU' };

/** Number ranges inside a shared calling code that belong to another country. */
const RANGE_OWNERS: readonly (readonly [prefix: string, iso2: string])[] = [
  ['76', 'KZ'],
  ['77', 'KZ'],
];

function prefixTable(): ReadonlyMap<string, string> {
  const table = new Map<string, string>();
  for (const country of SEED_COUNTRIES) {
    if (country.virtual === true) continue;
    const code = String(country.callingCode);
    const owner = SHARED_CODE_OWNER[country.callingCode];
    if (owner !== undefined && owner !== country.iso2) continue;
    table.set(code, country.iso2);
  }
  for (const [prefix, iso2] of RANGE_OWNERS) table.set(prefix, iso2);
  return table;
}

const PREFIXES = prefixTable();
const LONGEST = Math.max(...[...PREFIXES.keys()].map((prefix) => prefix.length));

/**
 * ISO 3166 alpha-2 of the country `number` (E.164, with or without `+`) belongs to, by the
 * longest known prefix; null when no seed country has its calling code.
 */
export function countryOfNumber(number: string): string | null {
  const digits = number.trim().replace(/^\+/, '');
  if (!/^\d+$/.test(digits)) return null;
  for (let length = Math.min(LONGEST, digits.length); length > 0; length--) {
    const iso2 = PREFIXES.get(digits.slice(0, length));
    if (iso2 !== undefined) return iso2;
  }
  return null;
}

import { SimpoolError } from '../shared/index.js';

/**
 * GSM 03.38 / 3GPP TS 23.038 default alphabet and its extension table (reached through the
 * escape septet 0x1B). Only these two tables are supported; national language shift tables
 * (IEI 0x24/0x25) are not.
 */

export const ESCAPE = 0x1b;

// prettier-ignore
const DEFAULT_TABLE: readonly string[] = [
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
  'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u001b', 'Æ', 'æ', 'ß', 'É',
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/** Extension table: septet after ESC → character. Form feed is 0x0A. */
const EXTENSION_TABLE: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

const DEFAULT_BY_CHAR = new Map<string, number>();
DEFAULT_TABLE.forEach((char, code) => {
  // ESC itself is not a character a user can send.
  if (code !== ESCAPE) DEFAULT_BY_CHAR.set(char, code);
});
const EXTENSION_BY_CHAR = new Map<string, number>();
for (const [code, char] of EXTENSION_TABLE) EXTENSION_BY_CHAR.set(char, code);

/** Septets one character costs in GSM-7: 1 (default table), 2 (extension table), or undefined. */
export function gsm7Cost(char: string): 1 | 2 | undefined {
  if (DEFAULT_BY_CHAR.has(char)) return 1;
  if (EXTENSION_BY_CHAR.has(char)) return 2;
  return undefined;
}

/** True when every character of `text` is in the GSM-7 default alphabet or its extension. */
export function isGsm7(text: string): boolean {
  for (const char of text) if (gsm7Cost(char) === undefined) return false;
  return true;
}

/**
 * Septets `text` needs in GSM-7 (extension characters count two). Characters outside the
 * alphabet make the result undefined, because the text would go out as UCS2.
 */
export function septetCount(text: string): number | undefined {
  let total = 0;
  for (const char of text) {
    const cost = gsm7Cost(char);
    if (cost === undefined) return undefined;
    total += cost;
  }
  return total;
}

/** Text → septet values; the caller has checked `isGsm7`. */
export function textToSeptets(text: string): number[] {
  const out: number[] = [];
  for (const char of text) {
    const code = DEFAULT_BY_CHAR.get(char);
    if (code !== undefined) {
      out.push(code);
      continue;
    }
    const ext = EXTENSION_BY_CHAR.get(char);
    if (ext === undefined) {
      throw new SimpoolError('sms_encoding_unsupported', 'character is not in GSM-7', {
        details: { codePoint: char.codePointAt(0) },
      });
    }
    out.push(ESCAPE, ext);
  }
  return out;
}

/**
 * Septet values → text. An escape followed by a septet the extension table does not define
 * shows the default-table character (TS 23.038 §6.2.1.1); a dangling escape at the end is
 * dropped.
 */
export function septetsToText(septets: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < septets.length; i++) {
    const code = (septets[i] ?? 0) & 0x7f;
    if (code !== ESCAPE) {
      out += DEFAULT_TABLE[code] ?? '';
      continue;
    }
    i += 1;
    if (i >= septets.length) break;
    const next = (septets[i] ?? 0) & 0x7f;
    out += EXTENSION_TABLE.get(next) ?? (next === ESCAPE ? ' ' : (DEFAULT_TABLE[next] ?? ''));
  }
  return out;
}

import { SimpoolError } from '../shared/index.js';
import { gsm7Cost, isGsm7 } from './gsm7.js';
import type { SmsEncoding } from './types.js';

export interface SegmentOptions {
  /** Concat reference width the parts will carry; 16-bit costs one more header octet. */
  readonly referenceBits?: 8 | 16;
  /** Send as UCS2 even if the text fits GSM-7. */
  readonly forceUcs2?: boolean;
  /** Refuse texts needing more parts (`sms_too_long`). Default and upper bound: 255. */
  readonly maxParts?: number;
}

export interface Segmentation<T = string> {
  readonly encoding: SmsEncoding;
  /** One entry per SMS part, in order. */
  readonly parts: readonly T[];
  /** Units used by the whole message: septets (GSM-7), UTF-16 units (UCS2) or octets. */
  readonly units: number;
}

/** Per-part capacity in the encoding's units (TS 23.040: 140 octets of user data). */
export function capacity(encoding: SmsEncoding, concatenated: boolean, referenceBits: 8 | 16) {
  const headerOctets = concatenated ? (referenceBits === 8 ? 6 : 7) : 0;
  const octets = 140 - headerOctets;
  switch (encoding) {
    case 'gsm7':
      // 153 with an 8-bit ref: the 6 header octets take 7 septets once padded.
      return Math.floor((octets * 8) / 7);
    case 'ucs2':
      return Math.floor(octets / 2);
    case '8bit':
      return octets;
  }
}

/**
 * Splits a string into atoms that must stay in one part, with their cost: a GSM-7 extension
 * character (escape pair) costs 2 septets, a UTF-16 surrogate pair costs 2 UCS2 units.
 */
function atoms(text: string, encoding: 'gsm7' | 'ucs2'): { char: string; cost: number }[] {
  const out: { char: string; cost: number }[] = [];
  for (const char of text) {
    out.push({ char, cost: encoding === 'gsm7' ? (gsm7Cost(char) ?? 1) : char.length });
  }
  return out;
}

function checkPartCount(total: number, options: SegmentOptions, units: number): void {
  const maxParts = Math.min(options.maxParts ?? 255, 255);
  if (total > maxParts) {
    throw new SimpoolError('sms_too_long', `message needs ${total} parts (limit ${maxParts})`, {
      details: { parts: total, maxParts, units },
    });
  }
}

/**
 * Chooses the encoding (GSM-7 only when every character fits) and splits the text into parts
 * that never separate an escape pair or a surrogate pair.
 */
export function segmentText(text: string, options: SegmentOptions = {}): Segmentation {
  const referenceBits = options.referenceBits ?? 8;
  const encoding: 'gsm7' | 'ucs2' = !options.forceUcs2 && isGsm7(text) ? 'gsm7' : 'ucs2';
  const list = atoms(text, encoding);
  const units = list.reduce((sum, atom) => sum + atom.cost, 0);
  if (units <= capacity(encoding, false, referenceBits)) {
    return { encoding, parts: [text], units };
  }
  const limit = capacity(encoding, true, referenceBits);
  const parts: string[] = [];
  let current = '';
  let used = 0;
  for (const atom of list) {
    if (used + atom.cost > limit) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += atom.char;
    used += atom.cost;
  }
  parts.push(current);
  checkPartCount(parts.length, options, units);
  return { encoding, parts, units };
}

/** Splits binary data into 8-bit parts (140 octets single, 134 or 133 concatenated). */
export function segmentData(
  data: Uint8Array,
  options: SegmentOptions = {},
): Segmentation<Uint8Array> {
  const referenceBits = options.referenceBits ?? 8;
  if (data.length <= capacity('8bit', false, referenceBits)) {
    return { encoding: '8bit', parts: [data.slice()], units: data.length };
  }
  const limit = capacity('8bit', true, referenceBits);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += limit) parts.push(data.slice(i, i + limit));
  checkPartCount(parts.length, options, data.length);
  return { encoding: '8bit', parts, units: data.length };
}

import { SimpoolError } from '../shared/index.js';

/** Builds the one error every malformed-PDU path throws, so callers can rely on `pdu_invalid`. */
export function pduInvalid(message: string, details: Record<string, unknown> = {}): SimpoolError {
  return new SimpoolError('pdu_invalid', message, { details });
}

const HEX_RE = /^[0-9a-fA-F]*$/;

/** Value of a hex digit by char code (the input is validated by HEX_RE first). */
const NIBBLE = new Uint8Array(128);
for (let i = 0; i < 10; i++) NIBBLE[0x30 + i] = i;
for (let i = 0; i < 6; i++) NIBBLE[0x41 + i] = NIBBLE[0x61 + i] = 10 + i;

/** Parses hex as printed by modems (either case, surrounding whitespace tolerated). */
export function hexToBytes(hex: string): Uint8Array {
  if (typeof hex !== 'string') throw pduInvalid('PDU must be a hex string', { got: typeof hex });
  const clean = hex.trim();
  if (!HEX_RE.test(clean)) {
    const bad = clean.search(/[^0-9a-fA-F]/);
    throw pduInvalid('PDU contains a non-hex character', { charOffset: bad });
  }
  if (clean.length % 2 !== 0) {
    throw pduInvalid('PDU hex has an odd number of digits', { hexLength: clean.length });
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = (NIBBLE[clean.charCodeAt(2 * i)]! << 4) | NIBBLE[clean.charCodeAt(2 * i + 1)]!;
  }
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out.toUpperCase();
}

/**
 * A bounds-checked cursor over PDU octets. Every read names the field it is reading, so a
 * truncated PDU fails with `pdu_invalid` and the offset and field in `details` instead of
 * an `undefined` leaking into arithmetic.
 */
export class OctetReader {
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  byte(field: string): number {
    const value = this.bytes[this.pos];
    if (value === undefined) {
      throw pduInvalid(`PDU ends before ${field}`, { offset: this.pos, field });
    }
    this.pos += 1;
    return value;
  }

  take(count: number, field: string): Uint8Array {
    if (count < 0 || this.pos + count > this.bytes.length) {
      throw pduInvalid(`PDU ends inside ${field}`, {
        offset: this.pos,
        field,
        needed: count,
        available: this.remaining,
      });
    }
    const out = this.bytes.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }

  rest(): Uint8Array {
    const out = this.bytes.subarray(this.pos);
    this.pos = this.bytes.length;
    return out;
  }
}

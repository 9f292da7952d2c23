import { SimpoolError } from '../shared/index.js';
import { septetsToText, textToSeptets, isGsm7 } from './gsm7.js';
import { pduInvalid, type OctetReader } from './hex-reader.js';
import { packSeptets, unpackSeptets } from './septet-packing.js';
import type { AddressKind, SmsAddress } from './types.js';

const TON_INTERNATIONAL = 1;
const TON_NATIONAL = 2;
const TON_ALPHANUMERIC = 5;
/** Longest address value: 20 semi-octets (TS 23.040 §9.1.2.5, 12 octets with length and TOA). */
const MAX_ADDRESS_DIGITS = 20;
const DIGITS = '0123456789*#abc';

function kindOf(toa: number): AddressKind {
  switch ((toa >> 4) & 0x07) {
    case 0:
      return 'unknown';
    case TON_INTERNATIONAL:
      return 'international';
    case TON_NATIONAL:
      return 'national';
    case TON_ALPHANUMERIC:
      return 'alphanumeric';
    default:
      return 'other';
  }
}

/** BCD semi-octets, low nibble first; 0xF is filler. */
function decodeBcd(bytes: Uint8Array, digits: number, offset: number): string {
  let out = '';
  for (let i = 0; i < digits; i++) {
    const byte = bytes[i >> 1] ?? 0;
    const nibble = i % 2 === 0 ? byte & 0x0f : byte >> 4;
    if (nibble === 0x0f) break;
    const digit = DIGITS[nibble];
    if (digit === undefined) throw pduInvalid('bad digit in address', { offset, nibble });
    out += digit;
  }
  return out;
}

/** Reads an originating/destination/recipient address (length counts semi-octets). */
export function readAddress(reader: OctetReader, field: string): SmsAddress {
  const offset = reader.offset;
  const digits = reader.byte(`${field} length`);
  if (digits > MAX_ADDRESS_DIGITS) {
    throw pduInvalid(`${field} is longer than 20 semi-octets`, { offset, field, digits });
  }
  const toa = reader.byte(`${field} type`);
  const bytes = reader.take(Math.ceil(digits / 2), field);
  const kind = kindOf(toa);
  if (kind === 'alphanumeric') {
    // Semi-octet count → how many whole septets the packed octets carry.
    const septets = Math.floor((digits * 4) / 7);
    return { value: septetsToText(unpackSeptets(bytes, septets)), kind, toa };
  }
  const number = decodeBcd(bytes, digits, offset);
  return { value: kind === 'international' ? `+${number}` : number, kind, toa };
}

/** Reads the SMSC field that prefixes PDUs from AT+CMGR/CMGL (length counts octets). */
export function readSmsc(reader: OctetReader): string | null {
  const offset = reader.offset;
  const length = reader.byte('SMSC length');
  if (length === 0) return null;
  if (length > 11) throw pduInvalid('SMSC address is longer than 11 octets', { offset, length });
  const toa = reader.byte('SMSC type');
  const bytes = reader.take(length - 1, 'SMSC address');
  const number = decodeBcd(bytes, bytes.length * 2, offset);
  if (number === '') return null;
  return kindOf(toa) === 'international' ? `+${number}` : number;
}

const NUMBER_RE = /^\+?[0-9*#]{1,20}$/;

/**
 * Encodes a destination number. `+` marks international (TOA 0x91); anything else goes out as
 * "unknown" (0x81) so the network applies its own dialling rules. Alphanumeric destinations
 * cannot be sent to.
 */
export function encodeAddress(number: string): Uint8Array {
  const trimmed = number.replace(/[\s()-]/g, '');
  if (!NUMBER_RE.test(trimmed)) {
    throw new SimpoolError('invalid_argument', 'recipient must be a phone number', {
      details: { to: number },
    });
  }
  const international = trimmed.startsWith('+');
  const digits = international ? trimmed.slice(1) : trimmed;
  const out = new Uint8Array(2 + Math.ceil(digits.length / 2));
  out[0] = digits.length;
  out[1] = international ? 0x91 : 0x81;
  for (let i = 0; i < digits.length; i += 2) {
    const low = DIGITS.indexOf(digits[i] ?? 'F');
    const high = i + 1 < digits.length ? DIGITS.indexOf(digits[i + 1] ?? '') : 0x0f;
    out[2 + i / 2] = (high << 4) | low;
  }
  return out;
}

/** Encodes an alphanumeric address (used by tests and tools that build DELIVER PDUs). */
export function encodeAlphanumericAddress(text: string): Uint8Array {
  if (!isGsm7(text) || text.length === 0 || text.length > 11) {
    throw new SimpoolError('invalid_argument', 'alphanumeric address must be 1–11 GSM-7 chars', {
      details: { text },
    });
  }
  const septets = textToSeptets(text);
  const packed = packSeptets(septets);
  const semiOctets = Math.ceil((septets.length * 7) / 4);
  return Uint8Array.from([semiOctets, 0xd0, ...packed]);
}

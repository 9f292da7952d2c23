import { septetsToText, textToSeptets } from './gsm7.js';
import { interpretDcs } from './dcs.js';
import { pduInvalid, type OctetReader } from './hex-reader.js';
import { packSeptetsInto, packedLength, unpackSeptets } from './septet-packing.js';
import { concatHeader, findConcat, parseUdh } from './udh.js';
import type { ConcatInfo, SmsEncoding, UdhElement, UserDataFields } from './types.js';

const MAX_SEPTETS = 160;
const MAX_OCTETS = 140;

/** UTF-16 code units, big-endian. Lone surrogates survive, so a pair split by a sender rejoins. */
export function decodeUcs2(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    out += String.fromCharCode(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  }
  return out;
}

export function encodeUcs2(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    out[i * 2] = unit >> 8;
    out[i * 2 + 1] = unit & 0xff;
  }
  return out;
}

/** Reads TP-UDL and TP-UD (reader at TP-UDL) and decodes them according to TP-DCS. */
export function readUserData(reader: OctetReader, dcs: number, udhi: boolean): UserDataFields {
  const { encoding, messageClass } = interpretDcs(dcs);
  const udlOffset = reader.offset;
  const udl = reader.byte('user data length');
  const udOffset = reader.offset;
  const septetMode = encoding === 'gsm7';
  if (udl > (septetMode ? MAX_SEPTETS : MAX_OCTETS)) {
    throw pduInvalid('user data length exceeds the maximum', { offset: udlOffset, udl, encoding });
  }
  const octets = septetMode ? packedLength(udl) : udl;
  const ud = reader.take(octets, 'user data');

  let udh: UdhElement[] = [];
  let headerOctets = 0;
  if (udhi && ud.length > 0) {
    headerOctets = (ud[0] ?? 0) + 1;
    if (headerOctets > ud.length) {
      throw pduInvalid('user data header is longer than the user data', {
        offset: udOffset,
        udhl: headerOctets - 1,
      });
    }
    udh = parseUdh(ud.subarray(1, headerOctets), udOffset + 1);
  }
  const concat = findConcat(udh);
  const data = ud.slice(headerOctets);

  let text = '';
  if (septetMode) {
    // The text starts at the first septet boundary after the header (fill bits skipped).
    const headerSeptets = Math.ceil((headerOctets * 8) / 7);
    if (headerSeptets > udl) {
      throw pduInvalid('user data header is longer than the user data', { offset: udOffset });
    }
    text = septetsToText(unpackSeptets(ud, udl - headerSeptets, headerSeptets));
  } else if (encoding === 'ucs2') {
    text = decodeUcs2(data);
  }
  return { dcs, encoding, messageClass, text, data, udh, concat };
}

export interface EncodedUserData {
  /** TP-UDL: septets for GSM-7, octets otherwise. */
  readonly udl: number;
  readonly bytes: Uint8Array;
}

/** Builds TP-UD for one part: optional concat header, then the part's text or data. */
export function encodeUserData(
  encoding: SmsEncoding,
  content: string | Uint8Array,
  concat: ConcatInfo | null,
): EncodedUserData {
  const header = concat ? concatHeader(concat) : new Uint8Array(0);
  if (encoding === 'gsm7') {
    const septets = textToSeptets(typeof content === 'string' ? content : '');
    const headerSeptets = Math.ceil((header.length * 8) / 7);
    const udl = headerSeptets + septets.length;
    const bytes = new Uint8Array(packedLength(udl));
    bytes.set(header);
    packSeptetsInto(bytes, septets, headerSeptets * 7);
    return { udl, bytes };
  }
  const body = typeof content === 'string' ? encodeUcs2(content) : content;
  const bytes = new Uint8Array(header.length + body.length);
  bytes.set(header);
  bytes.set(body, header.length);
  return { udl: bytes.length, bytes };
}

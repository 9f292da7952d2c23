import { fromSeptets, packSeptets, toSeptets, unpackSeptets } from './gsm7.js';

/**
 * The few PDU shapes a modem produces (SMS-DELIVER, SMS-STATUS-REPORT) and the one it consumes
 * (SMS-SUBMIT), per 3GPP TS 23.040. Own code on purpose: see gsm7.ts.
 */
export type SmsEncoding = 'gsm7' | 'ucs2' | '8bit';

export interface Concat {
  readonly ref: number;
  readonly total: number;
  readonly seq: number;
  /** IEI 0x00 (8-bit reference) or 0x08 (16-bit reference). */
  readonly refBits: 8 | 16;
}

function swapNibbles(digits: string): string {
  const padded = digits.length % 2 ? `${digits}F` : digits;
  let out = '';
  for (let i = 0; i < padded.length; i += 2) out += `${padded[i + 1]}${padded[i]}`;
  return out;
}

/** Nibble-swapped BCD with F padding: how SIMs store ICCIDs and how PDUs carry numbers. */
export function toSwappedBcd(digits: string): string {
  return swapNibbles(digits).toUpperCase();
}

function fromSwappedBcd(hex: string, digitCount: number): string {
  let out = '';
  for (let i = 0; i < hex.length; i += 2) out += `${hex[i + 1]}${hex[i]}`;
  return out.slice(0, digitCount);
}

/** TP address (OA/DA/RA): length in digits (semi-octets), type, digits or packed alphanumerics. */
export function encodeAddress(address: string): string {
  if (/^\+?[0-9]+$/.test(address)) {
    const international = address.startsWith('+');
    const digits = address.replace('+', '');
    return hex2(digits.length) + (international ? '91' : '81') + toSwappedBcd(digits);
  }
  const packed = packSeptets(toSeptets(address));
  return hex2(packed.length * 2) + 'D0' + packed.toString('hex').toUpperCase();
}

/** The SMSC field in front of a PDU (length in octets, including the type octet). */
export function encodeSmsc(number: string): string {
  const digits = number.replace('+', '');
  const bcd = toSwappedBcd(digits);
  return hex2(bcd.length / 2 + 1) + (number.startsWith('+') ? '91' : '81') + bcd;
}

function decodeAddress(buf: Buffer, offset: number): { address: string; next: number } {
  const digits = buf[offset] ?? 0;
  const type = buf[offset + 1] ?? 0;
  const octets = Math.ceil(digits / 2);
  const body = buf.subarray(offset + 2, offset + 2 + octets);
  if (offset + 2 + octets > buf.length) throw new Error('address runs past the end');
  let address: string;
  if ((type & 0x70) === 0x50) {
    address = fromSeptets(unpackSeptets(body, Math.floor((digits * 4) / 7)));
  } else {
    address = fromSwappedBcd(body.toString('hex').toUpperCase(), digits);
    if ((type & 0x70) === 0x10) address = `+${address}`;
  }
  return { address, next: offset + 2 + octets };
}

function hex2(value: number): string {
  return (value & 0xff).toString(16).padStart(2, '0').toUpperCase();
}

/** Service-centre time stamp: swapped BCD fields plus a time zone in quarter hours. */
export function encodeScts(ms: number, tzQuarters = 0): string {
  const local = new Date(ms + tzQuarters * 15 * 60_000);
  const fields = [
    local.getUTCFullYear() % 100,
    local.getUTCMonth() + 1,
    local.getUTCDate(),
    local.getUTCHours(),
    local.getUTCMinutes(),
    local.getUTCSeconds(),
  ];
  const tz = Math.abs(tzQuarters);
  const tzField = toSwappedBcd(String(tz).padStart(2, '0'));
  // The sign bit is bit 3 of the first (swapped) semi-octet: bit 3 of the second hex digit.
  const tzOctet = parseInt(tzField, 16) | (tzQuarters < 0 ? 0x08 : 0);
  return fields.map((f) => toSwappedBcd(String(f).padStart(2, '0'))).join('') + hex2(tzOctet);
}

function udhFor(concat: Concat): Buffer {
  return concat.refBits === 16
    ? Buffer.from([
        6,
        0x08,
        4,
        (concat.ref >> 8) & 0xff,
        concat.ref & 0xff,
        concat.total,
        concat.seq,
      ])
    : Buffer.from([5, 0x00, 3, concat.ref & 0xff, concat.total, concat.seq]);
}

/** User data (UDL + UD) for a text in the given encoding, with an optional concat header. */
function encodeUserData(
  text: string,
  encoding: SmsEncoding,
  concat: Concat | undefined,
): { udl: number; ud: Buffer } {
  const udh = concat ? udhFor(concat) : Buffer.alloc(0);
  if (encoding === 'gsm7') {
    const septets = toSeptets(text);
    const headerSeptets = Math.ceil((udh.length * 8) / 7);
    const fill = headerSeptets * 7 - udh.length * 8;
    const body = packSeptets(septets, fill);
    // packSeptets left `fill` zero bits at the start of the body; the header goes in front.
    return { udl: headerSeptets + septets.length, ud: Buffer.concat([udh, body]) };
  }
  const body = encoding === 'ucs2' ? ucs2Encode(text) : Buffer.from(text, 'latin1');
  return { udl: udh.length + body.length, ud: Buffer.concat([udh, body]) };
}

export function ucs2Encode(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

export function ucs2Decode(buf: Buffer): string {
  let text = '';
  for (let i = 0; i + 1 < buf.length; i += 2) text += String.fromCharCode(buf.readUInt16BE(i));
  return text;
}

const DCS: Record<SmsEncoding, number> = { gsm7: 0x00, '8bit': 0x04, ucs2: 0x08 };

export interface DeliverSpec {
  readonly smsc: string;
  readonly from: string;
  readonly text: string;
  readonly encoding: SmsEncoding;
  readonly timestampMs: number;
  readonly tzQuarters?: number;
  readonly concat?: Concat;
}

/** An SMS-DELIVER PDU with the SMSC prefix, as `AT+CMGR`/`AT+CMGL` print it. */
export function encodeDeliver(spec: DeliverSpec): { hex: string; tpduLength: number } {
  const { udl, ud } = encodeUserData(spec.text, spec.encoding, spec.concat);
  // MTI=00 (deliver), MMS (0x04: no more messages waiting), UDHI (0x40) when a header is present.
  const firstOctet = 0x04 | (spec.concat ? 0x40 : 0);
  const tpdu =
    hex2(firstOctet) +
    encodeAddress(spec.from) +
    '00' +
    hex2(DCS[spec.encoding]) +
    encodeScts(spec.timestampMs, spec.tzQuarters ?? 0) +
    hex2(udl) +
    ud.toString('hex').toUpperCase();
  return { hex: encodeSmsc(spec.smsc) + tpdu, tpduLength: tpdu.length / 2 };
}

export interface StatusReportSpec {
  readonly smsc: string;
  readonly recipient: string;
  readonly mr: number;
  readonly submittedMs: number;
  readonly dischargedMs: number;
  /** TP-ST: 0x00 delivered, 0x20.. temporary, 0x40.. permanent failure. */
  readonly status: number;
}

export function encodeStatusReport(spec: StatusReportSpec): { hex: string; tpduLength: number } {
  // MTI=10 (status report), MMS set.
  const tpdu =
    '06' +
    hex2(spec.mr) +
    encodeAddress(spec.recipient) +
    encodeScts(spec.submittedMs) +
    encodeScts(spec.dischargedMs) +
    hex2(spec.status);
  return { hex: encodeSmsc(spec.smsc) + tpdu, tpduLength: tpdu.length / 2 };
}

export interface DecodedSubmit {
  readonly smsc: string | undefined;
  readonly to: string;
  readonly text: string;
  readonly encoding: SmsEncoding;
  readonly mr: number;
  readonly statusReportRequested: boolean;
  readonly concat: Concat | undefined;
  /** Octets after the SMSC field: what `AT+CMGS=<len>` counts. */
  readonly tpduLength: number;
}

function encodingOf(dcs: number): SmsEncoding {
  if ((dcs & 0xf0) === 0xf0) return dcs & 0x04 ? '8bit' : 'gsm7';
  if ((dcs & 0xc0) === 0x00 || (dcs & 0xc0) === 0x40) {
    const alphabet = (dcs >> 2) & 0x03;
    return alphabet === 2 ? 'ucs2' : alphabet === 1 ? '8bit' : 'gsm7';
  }
  return 'gsm7';
}

function parseConcat(udh: Buffer): Concat | undefined {
  let i = 0;
  while (i + 1 < udh.length) {
    const iei = udh[i] ?? 0;
    const len = udh[i + 1] ?? 0;
    const data = udh.subarray(i + 2, i + 2 + len);
    if (iei === 0x00 && len === 3) {
      return { ref: data[0] ?? 0, total: data[1] ?? 0, seq: data[2] ?? 0, refBits: 8 };
    }
    if (iei === 0x08 && len === 4) {
      const ref = ((data[0] ?? 0) << 8) | (data[1] ?? 0);
      return { ref, total: data[2] ?? 0, seq: data[3] ?? 0, refBits: 16 };
    }
    i += 2 + len;
  }
  return undefined;
}

/** Decodes an SMS-SUBMIT given with its SMSC field (`00` = use the stored SMSC). Throws if malformed. */
export function decodeSubmit(hex: string): DecodedSubmit {
  if (!/^([0-9A-Fa-f]{2})+$/.test(hex)) throw new Error('not hex');
  const buf = Buffer.from(hex, 'hex');
  const smscLength = buf[0] ?? 0;
  let smsc: string | undefined;
  if (smscLength > 0) {
    const type = buf[1] ?? 0;
    const digits = fromSwappedBcd(
      buf
        .subarray(2, 1 + smscLength)
        .toString('hex')
        .toUpperCase(),
      (smscLength - 1) * 2,
    ).replace(/F$/i, '');
    smsc = (type & 0x70) === 0x10 ? `+${digits}` : digits;
  }
  let p = 1 + smscLength;
  const tpduStart = p;
  const first = buf[p++];
  if (first === undefined || (first & 0x03) !== 0x01) throw new Error('not an SMS-SUBMIT');
  const mr = buf[p++] ?? 0;
  const da = decodeAddress(buf, p);
  p = da.next;
  p++; // PID
  const dcs = buf[p++] ?? 0;
  const vpf = (first >> 3) & 0x03;
  p += vpf === 2 ? 1 : vpf === 0 ? 0 : 7;
  const udl = buf[p++];
  if (udl === undefined) throw new Error('PDU ends before the user data');
  const ud = buf.subarray(p);
  const encoding = encodingOf(dcs);
  const hasUdh = (first & 0x40) !== 0;
  const udhLength = hasUdh ? (ud[0] ?? 0) + 1 : 0;
  const concat = hasUdh ? parseConcat(ud.subarray(1, udhLength)) : undefined;
  let text: string;
  if (encoding === 'gsm7') {
    if (Math.ceil((udl * 7) / 8) > ud.length) throw new Error('user data shorter than UDL');
    // The header plus fill bits occupy whole septets, so unpack from bit 0 and drop them.
    text = fromSeptets(unpackSeptets(ud, udl).slice(Math.ceil((udhLength * 8) / 7)));
  } else {
    if (udl > ud.length) throw new Error('user data shorter than UDL');
    const body = ud.subarray(udhLength, udl);
    text = encoding === 'ucs2' ? ucs2Decode(body) : body.toString('latin1');
  }
  return {
    smsc,
    to: da.address,
    text,
    encoding,
    mr,
    statusReportRequested: (first & 0x20) !== 0,
    concat,
    tpduLength: buf.length - tpduStart,
  };
}

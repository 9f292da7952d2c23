import { SimpoolError } from '../shared/index.js';
import { fitsGsm7, toSeptets } from './gsm7.js';
import { encodeDeliver, type SmsEncoding } from './pdu.js';
import { randomInt, type Random } from './prng.js';

/** An SMS arriving from the network, as the control API describes it. */
export interface InboundSms {
  readonly from: string;
  readonly text: string;
  /** Default: GSM-7 when every character fits, else UCS2. */
  readonly encoding?: 'gsm7' | 'ucs2';
  /** Force this many parts (multipart even for a short text). */
  readonly parts?: number;
  /** Deliver the parts in a shuffled order (never the original order when there are several). */
  readonly outOfOrder?: boolean;
  /** Concatenation reference width: IEI 0x00 (8) or 0x08 (16). Default 8. */
  readonly concatRefBits?: 8 | 16;
  /** Time stamp put in the PDU; default: the clock's now. */
  readonly timestampMs?: number;
}

export interface InboundPart {
  readonly seq: number;
  readonly text: string;
  readonly pdu: string;
  readonly tpduLength: number;
}

/** Cost of one character in its encoding's units (septets, or UTF-16 code units). */
function units(char: string, encoding: SmsEncoding): number {
  return encoding === 'gsm7' ? toSeptets(char).length : char.length;
}

/**
 * Splits text into parts that each fit one PDU, never splitting an escape pair or a surrogate
 * pair (iteration is by code point and each is costed whole).
 */
export function segment(
  text: string,
  encoding: SmsEncoding,
  forcedParts?: number,
  refBits: 8 | 16 = 8,
): string[] {
  const chars = [...text];
  const cost = chars.reduce((sum, c) => sum + units(c, encoding), 0);
  const single = encoding === 'gsm7' ? 160 : 70;
  // The concatenation header takes 6 octets (8-bit reference) or 7 (16-bit): 153/152 septets,
  // 67/66 UCS2 characters remain.
  const wide = refBits === 16 ? 1 : 0;
  const multi = encoding === 'gsm7' ? 153 - wide : 67 - wide;
  if (forcedParts === undefined && cost <= single) return [text];
  const count = forcedParts ?? Math.ceil(cost / multi);
  if (count === 1) {
    if (cost > single) throw new SimpoolError('sms_too_long', `text needs more than one part`);
    return [text];
  }
  if (count > 255 || count > chars.length) {
    throw new SimpoolError(
      'invalid_argument',
      `cannot split ${chars.length} characters into ${count} parts`,
    );
  }
  const cap = forcedParts ?? Infinity;
  const parts: string[] = [];
  let current = '';
  let used = 0;
  let spent = 0;
  chars.forEach((char, i) => {
    const c = units(char, encoding);
    // Auto: fill each part up to capacity. Forced: cut at even shares of the total, but leave
    // at least one character for every part still to come.
    const boundary = forcedParts === undefined ? Infinity : (cost * (parts.length + 1)) / count;
    const close =
      current !== '' &&
      parts.length < cap - 1 &&
      (used + c > multi ||
        spent >= boundary ||
        (forcedParts !== undefined && chars.length - i <= cap - parts.length - 1));
    if (close) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += char;
    used += c;
    spent += c;
  });
  parts.push(current);
  if (parts.some((p) => [...p].reduce((s, c) => s + units(c, encoding), 0) > multi)) {
    throw new SimpoolError('sms_too_long', `text does not fit in ${count} parts`);
  }
  return parts;
}

/** The SMS-DELIVER PDUs for one inbound SMS, in delivery order. */
export function buildInbound(
  sms: InboundSms,
  smsc: string,
  nowMs: number,
  random: Random,
): InboundPart[] {
  if (!sms.from || !/^(\+?[0-9]{1,20}|[A-Za-z0-9 ]{1,11})$/.test(sms.from)) {
    throw new SimpoolError('invalid_argument', `invalid sender: ${sms.from}`);
  }
  const encoding = sms.encoding ?? (fitsGsm7(sms.text) ? 'gsm7' : 'ucs2');
  if (encoding === 'gsm7' && !fitsGsm7(sms.text)) {
    throw new SimpoolError('sms_encoding_unsupported', 'text has characters outside GSM-7');
  }
  const texts = segment(sms.text, encoding, sms.parts, sms.concatRefBits ?? 8);
  const refBits = sms.concatRefBits ?? 8;
  const ref = randomInt(random, 0, refBits === 16 ? 0xffff : 0xff);
  const timestampMs = sms.timestampMs ?? nowMs;
  const parts = texts.map((text, i): InboundPart => {
    const concat = texts.length > 1 ? { ref, total: texts.length, seq: i + 1, refBits } : undefined;
    const { hex, tpduLength } = encodeDeliver({
      smsc,
      from: sms.from,
      text,
      encoding,
      timestampMs,
      ...(concat ? { concat } : {}),
    });
    return { seq: i + 1, text, pdu: hex, tpduLength };
  });
  return sms.outOfOrder ? shuffled(parts, random) : parts;
}

function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(random, 0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  // "Out of order" must mean it: a shuffle that happens to keep the order is reversed.
  if (out.length > 1 && out.every((item, i) => item === items[i])) out.reverse();
  return out;
}

import { SimpoolError } from '../shared/index.js';
import type { SmsEncoding } from './types.js';

export interface DcsInfo {
  readonly encoding: SmsEncoding;
  readonly messageClass: 0 | 1 | 2 | 3 | null;
}

const ALPHABETS: readonly SmsEncoding[] = ['gsm7', '8bit', 'ucs2', 'gsm7'];

/**
 * TP-DCS → alphabet and class (TS 23.038 §4). Reserved alphabet values and reserved coding
 * groups are read as GSM-7, as the spec tells receivers to. Compressed text cannot be decoded:
 * it raises `sms_encoding_unsupported` so the caller can keep the raw PDU aside.
 */
export function interpretDcs(dcs: number): DcsInfo {
  const group = dcs >> 4;
  if (group <= 0x7) {
    // General data coding (00xx) and automatic deletion (01xx) share the layout.
    if (dcs & 0x20) {
      throw new SimpoolError('sms_encoding_unsupported', 'compressed SMS text is not supported', {
        details: { dcs },
      });
    }
    const encoding = ALPHABETS[(dcs >> 2) & 0x03] ?? 'gsm7';
    const messageClass = dcs & 0x10 ? ((dcs & 0x03) as 0 | 1 | 2 | 3) : null;
    return { encoding, messageClass };
  }
  if (group === 0xc || group === 0xd) return { encoding: 'gsm7', messageClass: null };
  if (group === 0xe) return { encoding: 'ucs2', messageClass: null };
  if (group === 0xf) {
    return { encoding: dcs & 0x04 ? '8bit' : 'gsm7', messageClass: (dcs & 0x03) as 0 | 1 | 2 | 3 };
  }
  return { encoding: 'gsm7', messageClass: null };
}

/** DCS octet we send: general group, no class. */
export function dcsFor(encoding: SmsEncoding): number {
  switch (encoding) {
    case 'gsm7':
      return 0x00;
    case '8bit':
      return 0x04;
    case 'ucs2':
      return 0x08;
  }
}

import { pduInvalid } from './hex-reader.js';
import type { ConcatInfo, UdhElement } from './types.js';

export const IEI_CONCAT_8 = 0x00;
export const IEI_CONCAT_16 = 0x08;

/**
 * Parses a user data header (the octets after UDHL). Unknown IEIs are kept and skipped by
 * their length; an element running past the header is `pdu_invalid`.
 */
export function parseUdh(header: Uint8Array, baseOffset: number): UdhElement[] {
  const elements: UdhElement[] = [];
  let pos = 0;
  while (pos < header.length) {
    const iei = header[pos] ?? 0;
    const length = header[pos + 1];
    if (length === undefined || pos + 2 + length > header.length) {
      throw pduInvalid('user data header element runs past the header', {
        offset: baseOffset + pos,
        iei,
      });
    }
    elements.push({ iei, data: header.slice(pos + 2, pos + 2 + length) });
    pos += 2 + length;
  }
  return elements;
}

/**
 * The concatenation element, if a well-formed one is present. A malformed one (sequence 0,
 * sequence above total, total 0 or 1) is ignored and the part handled as a single message,
 * as TS 23.040 §9.2.3.24.1 lets receivers do. The last concat element wins if there are several.
 */
export function findConcat(elements: readonly UdhElement[]): ConcatInfo | null {
  let found: ConcatInfo | null = null;
  for (const { iei, data } of elements) {
    let candidate: ConcatInfo | null = null;
    if (iei === IEI_CONCAT_8 && data.length === 3) {
      candidate = {
        reference: data[0] ?? 0,
        referenceBits: 8,
        total: data[1] ?? 0,
        sequence: data[2] ?? 0,
      };
    } else if (iei === IEI_CONCAT_16 && data.length === 4) {
      candidate = {
        reference: ((data[0] ?? 0) << 8) | (data[1] ?? 0),
        referenceBits: 16,
        total: data[2] ?? 0,
        sequence: data[3] ?? 0,
      };
    }
    if (candidate && candidate.total > 1 && candidate.sequence >= 1) {
      if (candidate.sequence <= candidate.total) found = candidate;
    }
  }
  return found;
}

/** Header octets, UDHL included, for one part of a concatenated message. */
export function concatHeader(concat: ConcatInfo): Uint8Array {
  if (concat.referenceBits === 8) {
    return Uint8Array.from([
      0x05,
      IEI_CONCAT_8,
      0x03,
      concat.reference,
      concat.total,
      concat.sequence,
    ]);
  }
  return Uint8Array.from([
    0x06,
    IEI_CONCAT_16,
    0x04,
    (concat.reference >> 8) & 0xff,
    concat.reference & 0xff,
    concat.total,
    concat.sequence,
  ]);
}

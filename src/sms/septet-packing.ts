/**
 * GSM-7 packing: septets are laid into octets least-significant bit first (TS 23.038 §6.1.2.1).
 * `startBit` lets the text begin after a user data header, which is padded with fill bits to
 * the next septet boundary.
 */

/** Packs septets into `target` from bit `startBit` on; returns the number of octets used. */
export function packSeptetsInto(target: Uint8Array, septets: readonly number[], startBit: number) {
  let bit = startBit;
  for (const septet of septets) {
    const value = septet & 0x7f;
    const index = bit >> 3;
    const shift = bit & 7;
    target[index] = (target[index] ?? 0) | ((value << shift) & 0xff);
    if (shift > 1) target[index + 1] = (target[index + 1] ?? 0) | (value >> (8 - shift));
    bit += 7;
  }
  return Math.ceil(bit / 8);
}

export function packedLength(septetTotal: number): number {
  return Math.ceil((septetTotal * 7) / 8);
}

export function packSeptets(septets: readonly number[]): Uint8Array {
  const out = new Uint8Array(packedLength(septets.length));
  packSeptetsInto(out, septets, 0);
  return out;
}

/** Reads `count` septets starting at septet index `first`. The caller guarantees the length. */
export function unpackSeptets(bytes: Uint8Array, count: number, first = 0): number[] {
  const out: number[] = [];
  for (let n = first; n < first + count; n++) {
    const bit = n * 7;
    const index = bit >> 3;
    const shift = bit & 7;
    const low = bytes[index] ?? 0;
    const high = bytes[index + 1] ?? 0;
    out.push((((high << 8) | low) >> shift) & 0x7f);
  }
  return out;
}

/**
 * GSM 03.38 default alphabet and septet packing. Written here rather than borrowed from src/sms:
 * the simulator checks our codec, so it must not share its bugs.
 */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** Extension table: reached through ESC (0x1B), so each costs two septets. */
const EXTENSION: ReadonlyMap<string, number> = new Map([
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
]);

const BASIC_INDEX: ReadonlyMap<string, number> = new Map(
  [...BASIC].map((char, index) => [char, index] as const).filter(([char]) => char !== '\x1b'),
);
const EXTENSION_CHAR: ReadonlyMap<number, string> = new Map(
  [...EXTENSION].map(([char, code]) => [code, char] as const),
);

/** True when every character of `text` has a GSM-7 encoding. */
export function fitsGsm7(text: string): boolean {
  for (const char of text) {
    if (!BASIC_INDEX.has(char) && !EXTENSION.has(char)) return false;
  }
  return true;
}

/** Text → septet values (extension characters become ESC + code). */
export function toSeptets(text: string): number[] {
  const septets: number[] = [];
  for (const char of text) {
    const basic = BASIC_INDEX.get(char);
    if (basic !== undefined) {
      septets.push(basic);
      continue;
    }
    const extended = EXTENSION.get(char);
    if (extended === undefined) throw new Error(`not in the GSM-7 alphabet: ${char}`);
    septets.push(0x1b, extended);
  }
  return septets;
}

export function fromSeptets(septets: readonly number[]): string {
  let text = '';
  for (let i = 0; i < septets.length; i++) {
    const septet = septets[i] ?? 0;
    if (septet === 0x1b && i + 1 < septets.length) {
      i++;
      text += EXTENSION_CHAR.get(septets[i] ?? 0) ?? ' ';
    } else {
      text += BASIC[septet] ?? '?';
    }
  }
  return text;
}

/**
 * Packs septets into octets. `fillBits` are the padding bits that align the text to a septet
 * boundary after a user data header (TS 23.040 §9.2.3.24).
 */
export function packSeptets(septets: readonly number[], fillBits = 0): Buffer {
  const totalBits = fillBits + septets.length * 7;
  const out = Buffer.alloc(Math.ceil(totalBits / 8));
  let bit = fillBits;
  for (const septet of septets) {
    for (let b = 0; b < 7; b++) {
      if ((septet >> b) & 1) {
        const index = bit >> 3;
        out[index] = (out[index] ?? 0) | (1 << (bit & 7));
      }
      bit++;
    }
  }
  return out;
}

export function unpackSeptets(octets: Buffer, count: number, fillBits = 0): number[] {
  const septets: number[] = [];
  for (let i = 0; i < count; i++) {
    let value = 0;
    for (let b = 0; b < 7; b++) {
      const bit = fillBits + i * 7 + b;
      if (((octets[bit >> 3] ?? 0) >> (bit & 7)) & 1) value |= 1 << b;
    }
    septets.push(value);
  }
  return septets;
}

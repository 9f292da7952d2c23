import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/index.js';
import {
  MemoryPartStore,
  Reassembler,
  decodePdu,
  encodeSubmit,
  isGsm7,
  segmentText,
  septetCount,
  type ReassembledMessage,
} from '../../../src/sms/index.js';
import { decodeDeliver, submitToDeliver } from './helpers.js';

const gsmChars = [
  ...'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCXYZÄÖÑÜ§¿abcxyzäöñüà',
  ...'€[]{}\\~^|\f',
];
const gsmText = fc.array(fc.constantFrom(...gsmChars), { maxLength: 700 }).map((a) => a.join(''));
const emojiText = fc
  .array(fc.constantFrom('😀', '👍🏽', '𝄞', 'ж', '中', 'a', '€', ' '), { maxLength: 300 })
  .map((a) => a.join(''));
const anyText = fc.oneof(gsmText, emojiText, fc.string({ unit: 'grapheme', maxLength: 400 }));

/** Encodes, turns every part into a DELIVER, shuffles, decodes and reassembles. */
async function roundTrip(
  text: string,
  reference: number,
  order: number[],
): Promise<ReassembledMessage> {
  const parts = encodeSubmit({ to: '+491701234567', text, reference });
  const reassembler = new Reassembler({ store: new MemoryPartStore(), clock: new ManualClock() });
  const indices = parts.map((_, i) => i).sort((a, b) => (order[a] ?? 0) - (order[b] ?? 0) || a - b);
  let result: ReassembledMessage | null = null;
  for (const index of indices) {
    const deliver = decodeDeliver(submitToDeliver(parts[index]!.pduHex));
    const done = await reassembler.accept('ICCID', deliver);
    if (done) result = done;
  }
  if (!result) throw new Error('message never completed');
  return result;
}

describe('segment → encode → decode → reassemble', () => {
  it('returns the original text for any string, in any part order', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyText,
        fc.integer({ min: 0, max: 0xffff }),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (text, reference, order) => {
          const message = await roundTrip(text, reference, order);
          expect(message.text).toBe(text);
          expect(message.complete).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps every part within its capacity and every SUBMIT decodable', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 0, max: 0xffff }), (text, reference) => {
        const parts = encodeSubmit({ to: '+491701234567', text, reference });
        const { encoding } = segmentText(text, { referenceBits: reference > 255 ? 16 : 8 });
        expect(encoding).toBe(isGsm7(text) ? 'gsm7' : 'ucs2');
        const single = parts.length === 1;
        const limit =
          encoding === 'gsm7'
            ? single
              ? 160
              : reference > 255
                ? 152
                : 153
            : single
              ? 70
              : reference > 255
                ? 66
                : 67;
        for (const part of parts) {
          // FO, MR, 8-octet address, PID, DCS, UDL = 13 octets before at most 140 of user data.
          expect(part.tpduLength).toBeLessThanOrEqual(13 + 140);
          expect(part.pduHex.length / 2).toBe(part.tpduLength + 1);
          const cost = encoding === 'gsm7' ? septetCount(part.text)! : part.text.length;
          expect(cost).toBeLessThanOrEqual(limit);
          // No part starts with a lone low surrogate: pairs were never split.
          expect(/^[\uDC00-\uDFFF]/.test(part.text)).toBe(false);
          const decoded = decodePdu(part.pduHex);
          expect(decoded.type === 'submit' && decoded.text).toBe(part.text);
        }
        expect(parts.map((p) => p.text).join('')).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});

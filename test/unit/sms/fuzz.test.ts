import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimpoolError } from '../../../src/shared/index.js';
import { decodePdu, encodeSubmit } from '../../../src/sms/index.js';
import {
  deliverVectors,
  statusReportVectors,
  submitDecodeVectors,
} from './fixtures/pdu-vectors.js';

const published = [...deliverVectors, ...statusReportVectors, ...submitDecodeVectors];

/** Decoding either succeeds or throws a SimpoolError with a codec code; nothing else. */
function decodesOrFailsCleanly(hex: string, hasSmsc: boolean): void {
  try {
    decodePdu(hex, { hasSmsc });
  } catch (error) {
    expect(error).toBeInstanceOf(SimpoolError);
    expect(['pdu_invalid', 'sms_encoding_unsupported']).toContain((error as SimpoolError).code);
  }
}

const hexOctets = (max: number) =>
  fc.uint8Array({ maxLength: max }).map((bytes) => Buffer.from(bytes).toString('hex'));

describe('decoding malformed input', () => {
  it('never throws anything but SimpoolError for random octets', () => {
    fc.assert(
      fc.property(hexOctets(200), fc.boolean(), (hex, hasSmsc) =>
        decodesOrFailsCleanly(hex, hasSmsc),
      ),
      { numRuns: 3000 },
    );
  });

  it('never throws anything but SimpoolError for random strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => decodesOrFailsCleanly(text, true)),
      { numRuns: 1000 },
    );
  });

  it('fails cleanly on every truncation of the published vectors', () => {
    for (const vector of published) {
      for (let cut = 0; cut < vector.hex.length; cut += 2) {
        decodesOrFailsCleanly(vector.hex.slice(0, cut), vector.hasSmsc ?? true);
      }
    }
  });

  it('fails cleanly when published vectors have random octets corrupted', () => {
    const vectorArb = fc.constantFrom(...published);
    fc.assert(
      fc.property(
        vectorArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (vector, edits) => {
          const bytes = Buffer.from(vector.hex, 'hex');
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          decodesOrFailsCleanly(bytes.toString('hex'), vector.hasSmsc ?? true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('fails cleanly on truncations of our own multipart PDUs', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 400 }), fc.nat(), (text, cutSeed) => {
        for (const part of encodeSubmit({ to: '+491701234567', text, reference: 300 })) {
          const cut = (cutSeed % (part.pduHex.length / 2)) * 2;
          decodesOrFailsCleanly(part.pduHex.slice(0, cut), true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

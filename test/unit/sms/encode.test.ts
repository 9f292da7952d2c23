import { describe, expect, it } from 'vitest';
import { decodePdu, encodeSubmit, type DecodedSubmit } from '../../../src/sms/index.js';
import { expectSimpoolError } from './expect-error.js';
import { packingVectors, submitEncodeVectors } from './fixtures/pdu-vectors.js';

function decodeSubmit(pduHex: string): DecodedSubmit {
  const pdu = decodePdu(pduHex);
  if (pdu.type !== 'submit') throw new Error(`expected a submit, got ${pdu.type}`);
  return pdu;
}

describe('encodeSubmit', () => {
  it.each(submitEncodeVectors.map((v) => [v.name, v] as const))(
    'produces the published PDU for %s',
    (_name, vector) => {
      const parts = encodeSubmit({
        to: vector.to,
        text: vector.text,
        ...(vector.validityMinutes === undefined
          ? {}
          : { validityMinutes: vector.validityMinutes }),
      });
      expect(parts).toHaveLength(1);
      expect(parts[0]!.pduHex).toBe(vector.pduHex);
    },
  );

  it.each(packingVectors.map((v) => [v.text, v] as const))(
    'packs "%s" into the published septets',
    (_text, vector) => {
      const [part] = encodeSubmit({ to: '+491701234567', text: vector.text });
      expect(part!.pduHex.endsWith(vector.udHex)).toBe(true);
    },
  );

  it('reports the TPDU length AT+CMGS needs, which excludes the 00 SMSC octet', () => {
    const [part] = encodeSubmit({ to: '+15556661234', text: 'This is really cool ΔΔΔΔΔ' });
    expect(part!.pduHex.length / 2).toBe(part!.tpduLength + 1);
    expect(part!.pduHex.startsWith('00')).toBe(true);
    // ModemManager's no-validity vector: 36 octets in all, message starts at octet 1.
    expect(part!.tpduLength).toBe(35);
  });

  it('sets TP-SRR when a status report is requested', () => {
    const [part] = encodeSubmit({ to: '+491701234567', text: 'hi', requestStatusReport: true });
    expect(decodeSubmit(part!.pduHex).statusReportRequest).toBe(true);
    const [plainPart] = encodeSubmit({ to: '+491701234567', text: 'hi' });
    expect(decodeSubmit(plainPart!.pduHex).statusReportRequest).toBe(false);
  });

  it('rounds the validity up to the next value TP-VP can express', () => {
    const cases: [number, number][] = [
      [1, 5],
      [5, 5],
      [61, 65],
      [13 * 60, 13 * 60],
      [25 * 60, 2 * 24 * 60],
      [40 * 24 * 60, 6 * 7 * 24 * 60],
    ];
    for (const [asked, expected] of cases) {
      const [part] = encodeSubmit({ to: '+491701234567', text: 'x', validityMinutes: asked });
      expect(decodeSubmit(part!.pduHex).validity).toEqual({
        format: 'relative',
        minutes: expected,
      });
    }
  });

  it('splits long text into parts carrying an 8-bit concat header with the caller’s reference', () => {
    const parts = encodeSubmit({ to: '+491701234567', text: 'a'.repeat(161), reference: 0x42 });
    expect(parts.map((p) => [p.sequence, p.total])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    const decoded = parts.map((p) => decodeSubmit(p.pduHex));
    expect(decoded.map((d) => d.concat)).toEqual([
      { reference: 0x42, referenceBits: 8, total: 2, sequence: 1 },
      { reference: 0x42, referenceBits: 8, total: 2, sequence: 2 },
    ]);
    expect(decoded.map((d) => d.text.length)).toEqual([153, 8]);
    expect(parts[0]!.pduHex).toContain('0500034202');
  });

  it('uses the 16-bit reference element for references above 255', () => {
    const parts = encodeSubmit({ to: '+491701234567', text: 'b'.repeat(200), reference: 0x1234 });
    const decoded = parts.map((p) => decodeSubmit(p.pduHex));
    expect(decoded[0]!.concat).toEqual({
      reference: 0x1234,
      referenceBits: 16,
      total: 2,
      sequence: 1,
    });
    expect(decoded[0]!.text.length).toBe(152);
    expect(parts[0]!.pduHex).toContain('060804123402');
  });

  it('encodes binary data as 8-bit parts of 134 octets', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const parts = encodeSubmit({ to: '+491701234567', data, reference: 7 });
    const decoded = parts.map((p) => decodeSubmit(p.pduHex));
    expect(decoded.map((d) => d.encoding)).toEqual(['8bit', '8bit', '8bit']);
    expect(decoded.map((d) => d.data.length)).toEqual([134, 134, 32]);
    expect(Buffer.concat(decoded.map((d) => d.data))).toEqual(Buffer.from(data));
  });

  it('accepts a national number and sends it with type "unknown"', () => {
    const [part] = encodeSubmit({ to: '01701234567', text: 'x' });
    expect(decodeSubmit(part!.pduHex).recipient).toEqual({
      value: '01701234567',
      kind: 'unknown',
      toa: 0x81,
    });
  });

  it('needs a reference when the text needs several parts', () => {
    const error = expectSimpoolError(
      () => encodeSubmit({ to: '+491701234567', text: 'x'.repeat(161) }),
      'invalid_argument',
    );
    expect(error.details).toMatchObject({ parts: 2 });
  });

  it('rejects recipients that are not phone numbers', () => {
    expectSimpoolError(() => encodeSubmit({ to: 'Google', text: 'x' }), 'invalid_argument');
    expectSimpoolError(() => encodeSubmit({ to: '', text: 'x' }), 'invalid_argument');
  });

  it('rejects references and validities out of range', () => {
    expectSimpoolError(
      () => encodeSubmit({ to: '+49170', text: 'x', reference: 65536 }),
      'invalid_argument',
    );
    expectSimpoolError(
      () => encodeSubmit({ to: '+49170', text: 'x', validityMinutes: 0 }),
      'invalid_argument',
    );
  });

  it('refuses a message that needs more parts than allowed', () => {
    const error = expectSimpoolError(
      () => encodeSubmit({ to: '+49170', text: 'x'.repeat(154 * 3), reference: 1, maxParts: 3 }),
      'sms_too_long',
    );
    expect(error.details).toMatchObject({ parts: 4, maxParts: 3 });
    expectSimpoolError(
      () => encodeSubmit({ to: '+49170', text: 'x'.repeat(153 * 255 + 1), reference: 1 }),
      'sms_too_long',
    );
  });
});

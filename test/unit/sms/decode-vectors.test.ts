import { describe, expect, it } from 'vitest';
import { decodePdu } from '../../../src/sms/index.js';
import { expectSimpoolError } from './expect-error.js';
import {
  deliverVectors,
  invalidVectors,
  statusReportVectors,
  submitDecodeVectors,
} from './fixtures/pdu-vectors.js';
import { plain } from './helpers.js';

describe('decoding published PDU vectors', () => {
  describe.each([
    ['SMS-DELIVER', deliverVectors],
    ['SMS-STATUS-REPORT', statusReportVectors],
    ['SMS-SUBMIT read back from storage', submitDecodeVectors],
  ])('%s', (_kind, vectors) => {
    it.each(vectors.map((v) => [v.name, v] as const))('decodes %s', (_name, vector) => {
      const decoded = decodePdu(vector.hex, { hasSmsc: vector.hasSmsc ?? true });
      expect(plain(decoded)).toMatchObject(vector.expected);
    });
  });

  it.each(invalidVectors.map((v) => [v.name, v] as const))(
    'rejects %s as pdu_invalid',
    (_name, vector) => {
      const error = expectSimpoolError(() => decodePdu(vector.hex), 'pdu_invalid');
      expect(error.details).toMatchObject({ field: 'user data' });
    },
  );

  it('decodes every vector in lower case too, as some modems print it', () => {
    for (const vector of deliverVectors) {
      expect(plain(decodePdu(vector.hex.toLowerCase()))).toMatchObject(vector.expected);
    }
  });
});

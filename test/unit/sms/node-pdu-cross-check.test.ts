import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSubmit } from '../../../src/sms/index.js';
import { nodePduReadSubmit } from './node-pdu-oracle.js';

// node-pdu's GSM-7 table has '`' where TS 23.038 has '§' (0x5F), so '§' is left out here.
const sharedGsmChars = [
  ...'@£$¥èéùìòØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0189:;<=>?¡AZÄÖÑÜ¿azäöñüà€[]{}~^|',
];

describe('our SMS-SUBMIT read by node-pdu (independent decoder)', () => {
  it('yields the same recipient and GSM-7 text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...sharedGsmChars), { minLength: 1, maxLength: 150 }),
        (chars) => {
          const text = chars.join('');
          const parts = encodeSubmit({ to: '+491701234567', text });
          fc.pre(parts.length === 1);
          expect(nodePduReadSubmit(parts[0]!.pduHex)).toEqual({ recipient: '491701234567', text });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('yields the same UCS2 text', () => {
    const text = 'Да здравствует король, детка! 中文';
    const [part] = encodeSubmit({ to: '+491701234567', text });
    expect(nodePduReadSubmit(part!.pduHex).text).toBe(text);
  });
});

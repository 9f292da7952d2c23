import { Deliver, parse, Report, Submit } from 'node-pdu';
import { describe, expect, it } from 'vitest';
import {
  SimulatedModem,
  decodeSubmit,
  encodeDeliver,
  encodeStatusReport,
  identityFor,
  isLuhnValid,
  luhnCheckDigit,
} from '../../../src/simulator/index.js';

/** The simulator's own PDU code, cross-checked against node-pdu (a third party). */
describe('simulator PDU code', () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5);

  it('encodes SMS-DELIVER that node-pdu reads back (GSM-7 with extension characters)', () => {
    const { hex, tpduLength } = encodeDeliver({
      smsc: '+447802000332',
      from: '+447700900555',
      text: 'Price: 5€ [ok] {x}',
      encoding: 'gsm7',
      timestampMs: at,
    });
    const parsed = parse(hex) as Deliver;
    expect(parsed).toBeInstanceOf(Deliver);
    expect(parsed.data.getText()).toBe('Price: 5€ [ok] {x}');
    expect(parsed.address.phone).toBe('447700900555');
    expect(tpduLength).toBe(hex.length / 2 - 8);
  });

  it('encodes UCS2 text, alphanumeric senders and both concat reference sizes', () => {
    for (const refBits of [8, 16] as const) {
      const { hex } = encodeDeliver({
        smsc: '+447802000332',
        from: 'Telegram',
        text: 'Код 12345',
        encoding: 'ucs2',
        timestampMs: at,
        concat: { ref: refBits === 8 ? 200 : 0x1234, total: 2, seq: 1, refBits },
      });
      const parsed = parse(hex) as Deliver;
      expect(parsed.address.phone).toBe('Telegram');
      expect(parsed.data.getText()).toBe('Код 12345');
      expect(hex).toContain(refBits === 8 ? '050003C80201' : '0608041234' + '0201');
    }
  });

  it('encodes a status report node-pdu reads back', () => {
    const { hex } = encodeStatusReport({
      smsc: '+447802000332',
      recipient: '+447700900123',
      mr: 42,
      submittedMs: at,
      dischargedMs: at + 5000,
      status: 0,
    });
    const parsed = parse(hex) as Report;
    expect(parsed).toBeInstanceOf(Report);
    expect(parsed.reference).toBe(42);
    expect(parsed.status).toBe(0);
  });

  it('decodes SMS-SUBMIT built by node-pdu, including multipart and status-report request', () => {
    const single = new Submit('+447700900123', 'hello');
    single.type.setStatusReportRequest(1);
    expect(decodeSubmit(single.toString())).toMatchObject({
      to: '+447700900123',
      text: 'hello',
      encoding: 'gsm7',
      statusReportRequested: true,
      concat: undefined,
    });
    const parts = new Submit('+447700900123', 'y'.repeat(200)).getPartStrings();
    const decoded = parts.map((p) => decodeSubmit(p));
    expect(decoded.map((d) => d.text).join('')).toBe('y'.repeat(200));
    expect(decoded.map((d) => d.concat?.seq)).toEqual([1, 2]);
    expect(decodeSubmit(new Submit('+447700900123', 'Привет').toString()).text).toBe('Привет');
  });

  it('rejects PDUs that are not SMS-SUBMIT', () => {
    expect(() => decodeSubmit('zz')).toThrow();
    expect(() => decodeSubmit('0004')).toThrow();
  });

  it('gives every bank identity valid Luhn digits and stable values', () => {
    expect(luhnCheckDigit('49015420323751')).toBe('8');
    for (let i = 0; i < 20; i++) {
      const identity = identityFor(i, i % 2 ? 'ec25' : 'sim800c');
      expect(identity.imei).toMatch(/^\d{15}$/);
      expect(isLuhnValid(identity.imei)).toBe(true);
      expect(isLuhnValid(identity.iccid)).toBe(true);
      expect(identity.imsi).toMatch(/^\d{15}$/);
    }
    expect(identityFor(3, 'sim800c')).toEqual(identityFor(3, 'sim800c'));
    const mccs = new Set(Array.from({ length: 4 }, (_, i) => identityFor(i, 'sim800c').mcc));
    expect(mccs).toEqual(new Set(['234', '310', '250', '262']));
  });
});

describe('simulator segmentation of inbound SMS', () => {
  it('leaves room for the longer 16-bit concatenation header (152 septets, 66 UCS2 characters)', () => {
    const lengths = (text: string, bits: 8 | 16): number[] =>
      new SimulatedModem({})
        .injectSms({ from: '+447700900001', text, concatRefBits: bits })
        .parts.map((p) => p.text.length);
    expect(lengths('x'.repeat(300), 16)).toEqual([152, 148]);
    expect(lengths('x'.repeat(306), 8)).toEqual([153, 153]);
    expect(lengths('я'.repeat(132), 16)).toEqual([66, 66]);
    expect(lengths('я'.repeat(134), 8)).toEqual([67, 67]);
  });
});

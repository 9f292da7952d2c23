import { describe, expect, it } from 'vitest';
import { classifyStatus, decodePdu } from '../../../src/sms/index.js';
import { expectSimpoolError } from './expect-error.js';
import { decodeDeliver } from './helpers.js';

/** hellohello deliver (ModemManager test_pdu3) with a replaceable SCTS. */
function withScts(scts: string): string {
  return `07912143658709F1040B918100551512F20000${scts}0AE8329BFD4697D9EC37`;
}

describe('SCTS time zones', () => {
  it('converts a positive zone in quarter hours to UTC', () => {
    const pdu = decodeDeliver(withScts('32101241000080')); // 2023-01-21 14:00 +02:00
    expect(pdu.timestamp.toISOString()).toBe('2023-01-21T12:00:00.000Z');
    expect(pdu.timestampOffsetMinutes).toBe(120);
  });

  it('reads bit 3 of the zone octet as the sign', () => {
    const pdu = decodeDeliver(withScts('3210124100008A')); // -07:00 → 0x8A: tens 2 + sign, units 8
    expect(pdu.timestampOffsetMinutes).toBe(-420);
    expect(pdu.timestamp.toISOString()).toBe('2023-01-21T21:00:00.000Z');
  });

  it('handles zones that are not whole hours (+05:45 Nepal)', () => {
    const pdu = decodeDeliver(withScts('32101241000032')); // 23 quarters
    expect(pdu.timestampOffsetMinutes).toBe(345);
    expect(pdu.timestamp.toISOString()).toBe('2023-01-21T08:15:00.000Z');
  });

  it('rejects a calendar date that does not exist', () => {
    const error = expectSimpoolError(() => decodePdu(withScts('32200341000000')), 'pdu_invalid');
    expect(error.details).toMatchObject({ field: 'service centre time stamp', offset: 19 });
  });
});

describe('decodePdu options and errors', () => {
  it('decodes a bare TPDU when told there is no SMSC field', () => {
    const bare = '040B918100551512F20000111010214365000AE8329BFD4697D9EC37';
    const pdu = decodePdu(bare, { hasSmsc: false });
    expect(pdu).toMatchObject({ type: 'deliver', smsc: null, text: 'hellohello' });
  });

  it('treats an empty SMSC field (00) as no SMSC', () => {
    expect(decodePdu('00040B918100551512F20000111010214365000AE8329BFD4697D9EC37').smsc).toBeNull();
  });

  it('rejects the reserved message type 3', () => {
    const error = expectSimpoolError(() => decodePdu('0003'), 'pdu_invalid');
    expect(error.details).toMatchObject({ offset: 1 });
  });

  it('rejects odd-length and non-hex input with the offending position', () => {
    expect(expectSimpoolError(() => decodePdu('0'), 'pdu_invalid').details).toMatchObject({
      hexLength: 1,
    });
    expect(expectSimpoolError(() => decodePdu('00zz'), 'pdu_invalid').details).toMatchObject({
      charOffset: 2,
    });
  });

  it('names the field and offset where a truncated PDU ends', () => {
    const error = expectSimpoolError(
      () => decodePdu('07912143658709F1040B91810055'),
      'pdu_invalid',
    );
    expect(error.details).toMatchObject({ field: 'originating address', offset: 11 });
  });

  it('refuses compressed text as unsupported rather than returning garbage', () => {
    const compressed = '07912143658709F1040B918100551512F20020111010214365000AE8329BFD4697D9EC37';
    expectSimpoolError(() => decodePdu(compressed), 'sms_encoding_unsupported');
  });

  it('ignores a concatenation element whose sequence exceeds its total', () => {
    // UDH 05 00 03 01 02 03 (part 3 of 2), one fill bit, then "hi".
    const pdu = decodeDeliver(
      '07912143658709F1440B918100551512F2000011101021436500' + '09050003010203D069',
    );
    expect(pdu.text).toBe('hi');
    expect(pdu.concat).toBeNull();
    expect(pdu.udh).toHaveLength(1);
  });

  it('keeps a status report whose optional tail is damaged', () => {
    const report = decodePdu('06000B910221815716F270902151012180709021510171800007', {
      hasSmsc: false,
    });
    expect(report).toMatchObject({ type: 'status-report', status: 0, userData: null });
  });
});

describe('classifyStatus', () => {
  it.each([
    [0x00, 'delivered'],
    [0x02, 'delivered'],
    [0x20, 'pending'],
    [0x30, 'pending'],
    [0x41, 'failed-permanent'],
    [0x46, 'failed-permanent'],
    [0x62, 'failed-temporary'],
    [0x80, 'failed-permanent'],
  ] as const)('classifies TP-Status 0x%s as %s', (status, expected) => {
    expect(classifyStatus(status).statusClass).toBe(expected);
  });
});

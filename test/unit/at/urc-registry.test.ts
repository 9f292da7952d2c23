import { describe, expect, it } from 'vitest';
import { DEFAULT_URCS, UrcRegistry, defineProfile, parseUrc } from '../../../src/at/index.js';

const registry = new UrcRegistry(DEFAULT_URCS);
const parse = (...lines: string[]) => parseUrc(registry.match(lines[0]!)!, lines);

describe('URC registry', () => {
  it('knows the standard and vendor URCs', () => {
    for (const line of [
      '+CMTI: "SM",1',
      '+CDSI: "SR",2',
      'RING',
      'RDY',
      '+CPIN: READY',
      'Call Ready',
      'SMS Ready',
      'SMS DONE',
      'PB DONE',
      '+QIND: SMS DONE',
      '+QUSIM: 1',
      '^RSSI: 17',
      '^BOOT: 1,0,0,4,0',
      '^MODE: 5,4',
      '^SMMEMFULL: "SM"',
      '+WIND: 4',
      '+CIEV: 1,3',
      'NORMAL POWER DOWN',
      'UNDER-VOLTAGE WARNNING',
    ]) {
      expect(registry.match(line), line).toBeDefined();
    }
    expect(registry.match('OK')).toBeUndefined();
    expect(registry.match('+CSQ: 20,99')).toBeUndefined();
    expect(registry.match('RINGING')).toBeUndefined();
  });

  it('parses +CMTI and +CDSI into storage and index', () => {
    expect(parse('+CMTI: "SM",12')).toEqual({
      type: 'stored_message',
      name: '+CMTI',
      lines: ['+CMTI: "SM",12'],
      storage: 'SM',
      index: 12,
    });
    expect(parse('+CDSI: "SR",3')).toMatchObject({
      type: 'stored_message',
      name: '+CDSI',
      storage: 'SR',
      index: 3,
    });
  });

  it('parses +CREG/+CEREG stat, also in the read-answer shape', () => {
    expect(parse('+CREG: 1,"00C3","0000D5A7",7')).toMatchObject({
      type: 'registration',
      stat: 1,
      lac: '00C3',
      ci: '0000D5A7',
      act: 7,
    });
    expect(parse('+CEREG: 5')).toMatchObject({
      type: 'registration',
      name: '+CEREG',
      stat: 5,
      lac: null,
    });
    expect(parse('+CREG: 2,1,"00C3","D5A7"')).toMatchObject({ stat: 1, lac: '00C3' });
  });

  it('parses +CUSD status, text and dcs, including a text spanning lines', () => {
    expect(parse('+CUSD: 0,"Balance: 1,50 EUR",15')).toMatchObject({
      type: 'ussd',
      status: 0,
      message: 'Balance: 1,50 EUR',
      dcs: 15,
    });
    expect(parse('+CUSD: 2')).toMatchObject({ type: 'ussd', status: 2, message: null, dcs: null });
    expect(parse('+CUSD: 1,"Menu', '1 Balance', '2 Bonus",15')).toMatchObject({
      message: 'Menu\n1 Balance\n2 Bonus',
      dcs: 15,
    });
  });

  it('keeps the PDU line of +CMT and +CDS', () => {
    expect(parse('+CDS: 25', '0006D60B911326880736F4111011719551401110117195714000')).toMatchObject(
      {
        type: 'pdu',
        length: 25,
        pdu: '0006D60B911326880736F4111011719551401110117195714000',
      },
    );
    expect(parse('+CMT: ,24', 'AABB')).toMatchObject({ type: 'pdu', length: 24, pdu: 'AABB' });
  });

  it('delivers other URCs with their value, and malformed known ones as generic', () => {
    expect(parse('+CPIN: READY')).toMatchObject({ type: 'generic', name: '+CPIN', value: 'READY' });
    expect(parse('RING')).toMatchObject({ type: 'generic', name: 'RING', value: null });
    expect(parse('+CMTI: garbage')).toMatchObject({ type: 'generic', name: '+CMTI' });
  });

  it('lets a profile add and remove URCs as data', () => {
    const profile = defineProfile({
      name: 'test',
      extraUrcs: [{ name: '+XYZ', match: '+XYZ:' }],
      removeUrcs: ['RING'],
    });
    const custom = new UrcRegistry(profile.urcs);
    expect(custom.match('+XYZ: 1')?.name).toBe('+XYZ');
    expect(custom.match('RING')).toBeUndefined();
  });
});

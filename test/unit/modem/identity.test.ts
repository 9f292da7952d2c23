import { describe, expect, it } from 'vitest';
import {
  classifyCmsError,
  countryForMcc,
  csqToDbm,
  decodeSwappedBcd,
  normalizeIccid,
  operatorFor,
  parseCrsmIccid,
  registrationFromStat,
  splitImsi,
  chooseVendor,
} from '../../../src/modem/index.js';
import { parseCrsmMncLength } from '../../../src/modem/identity.js';

describe('ICCID decoding', () => {
  it('swaps the nibbles of each byte', () => {
    expect(decodeSwappedBcd('98440110325476981032')).toBe('89441001234567890123');
  });

  it('drops the F padding of a 19-digit ICCID', () => {
    expect(decodeSwappedBcd('987010325476981032F4')).toBe('8907012345678901234');
  });

  it('keeps hex digits some issuers use, and rejects odd, empty or non-hex input', () => {
    expect(decodeSwappedBcd('98682A00000000000000')).toBe('8986A200000000000000');
    expect(decodeSwappedBcd('984')).toBeNull();
    expect(decodeSwappedBcd('')).toBeNull();
    expect(decodeSwappedBcd('98G4')).toBeNull();
    expect(decodeSwappedBcd('98F4110325')).toBeNull(); // F inside, not padding
  });

  it('reads the ICCID of a successful AT+CRSM and nothing else', () => {
    expect(parseCrsmIccid('+CRSM: 144,0,"98440110325476981032"')).toBe('89441001234567890123');
    expect(parseCrsmIccid('+CRSM: 106,130,""')).toBeNull();
    expect(parseCrsmIccid('+CRSM: 144,0,"00000000000000000000"')).toBeNull();
  });

  it('normalises vendor answers, swapped or not', () => {
    expect(normalizeIccid('+QCCID: 89441001234567890123')).toBe('89441001234567890123');
    expect(normalizeIccid('8907012345678901234F')).toBe('8907012345678901234');
    expect(normalizeIccid('^ICCID: 98440110325476981032')).toBe('89441001234567890123');
    expect(normalizeIccid('ERROR')).toBeNull();
  });

  it('reads the MNC length from EF_AD', () => {
    expect(parseCrsmMncLength('+CRSM: 144,0,"00000003"')).toBe(3);
    expect(parseCrsmMncLength('+CRSM: 144,0,"00FFFF02"')).toBe(2);
    expect(parseCrsmMncLength('+CRSM: 106,130,""')).toBeNull();
  });
});

describe('IMSI, country and operator', () => {
  it('splits two-digit and three-digit MNCs', () => {
    expect(splitImsi('234101234567890')).toEqual({ mcc: '234', mnc: '10' });
    expect(splitImsi('310260123456789')).toEqual({ mcc: '310', mnc: '260' });
    expect(splitImsi('405840123456789')).toEqual({ mcc: '405', mnc: '840' });
    expect(splitImsi('262011234567890', 3)).toEqual({ mcc: '262', mnc: '011' });
    expect(splitImsi('not an imsi')).toBeNull();
  });

  it('maps the common MCCs to countries', () => {
    const expected: Record<string, string> = {
      '234': 'GB',
      '235': 'GB',
      '310': 'US',
      '316': 'US',
      '250': 'RU',
      '262': 'DE',
      '208': 'FR',
      '222': 'IT',
      '214': 'ES',
      '204': 'NL',
      '460': 'CN',
      '404': 'IN',
      '405': 'IN',
      '724': 'BR',
      '510': 'ID',
      '515': 'PH',
      '520': 'TH',
      '452': 'VN',
      '502': 'MY',
      '255': 'UA',
      '260': 'PL',
      '226': 'RO',
      '286': 'TR',
      '302': 'CA',
      '334': 'MX',
      '722': 'AR',
      '505': 'AU',
      '440': 'JP',
      '450': 'KR',
      '454': 'HK',
      '466': 'TW',
      '525': 'SG',
      '602': 'EG',
      '621': 'NG',
      '639': 'KE',
      '655': 'ZA',
      '420': 'SA',
      '424': 'AE',
      '425': 'IL',
      '432': 'IR',
      '410': 'PK',
      '470': 'BD',
      '413': 'LK',
      '401': 'KZ',
      '434': 'UZ',
      '282': 'GE',
      '283': 'AM',
      '400': 'AZ',
      '257': 'BY',
      '247': 'LV',
      '246': 'LT',
      '248': 'EE',
      '244': 'FI',
      '240': 'SE',
      '242': 'NO',
      '238': 'DK',
      '232': 'AT',
      '228': 'CH',
      '206': 'BE',
      '268': 'PT',
      '202': 'GR',
      '230': 'CZ',
      '231': 'SK',
      '216': 'HU',
      '284': 'BG',
      '219': 'HR',
      '293': 'SI',
      '220': 'RS',
      '272': 'IE',
    };
    for (const [mcc, country] of Object.entries(expected)) expect(countryForMcc(mcc)).toBe(country);
    expect(countryForMcc('999')).toBeNull();
  });

  it('names the operator from MCC+MNC when it is in the table', () => {
    expect(operatorFor('234', '10')).toBe('O2 - UK');
    expect(operatorFor('310', '260')).toBe('T-Mobile');
    expect(operatorFor('999', '99')).toBeNull();
  });
});

describe('radio facts', () => {
  it('turns +CSQ rssi into dBm, 99 into unknown', () => {
    expect(csqToDbm(0)).toBe(-113);
    expect(csqToDbm(14)).toBe(-85);
    expect(csqToDbm(31)).toBe(-51);
    expect(csqToDbm(99)).toBeNull();
  });

  it('names registration states', () => {
    expect([0, 1, 2, 3, 4, 5].map(registrationFromStat)).toEqual([
      'not_registered',
      'home',
      'searching',
      'denied',
      'unknown',
      'roaming',
    ]);
  });
});

describe('send errors', () => {
  it('tells permanent from temporary +CMS ERRORs', () => {
    expect(classifyCmsError(1).permanent).toBe(true);
    expect(classifyCmsError(304).permanent).toBe(true);
    expect(classifyCmsError(331).permanent).toBe(false);
    expect(classifyCmsError(38).permanent).toBe(false);
    expect(classifyCmsError(500).permanent).toBe(false);
    expect(classifyCmsError(600).permanent).toBe(false);
    expect(classifyCmsError(null).permanent).toBe(false);
  });
});

describe('vendor profiles', () => {
  it('chooses by manufacturer and model, generic otherwise', () => {
    expect(chooseVendor('SIMCOM_Ltd', 'SIMCOM_SIM800C').name).toBe('simcom');
    expect(chooseVendor('Quectel', 'EC25').name).toBe('quectel');
    expect(chooseVendor('huawei', 'E173').extraInit).toEqual(['AT^CURC=0']);
    expect(chooseVendor('WAVECOM MODEM', 'MULTIBAND  900E  1800').extraInit).toEqual(['AT+WIND=0']);
    expect(chooseVendor('u-blox', 'SARA-U201').name).toBe('generic');
  });
});

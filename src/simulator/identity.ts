import type { FlavourName } from './flavours.js';

/** The identity of one simulated modem and its SIM. Deterministic per bank index. */
export interface ModemIdentity {
  readonly imei: string;
  readonly iccid: string;
  readonly imsi: string;
  /** Own number; `AT+CNUM` answers nothing when `cnumVisible` is false (as on many SIMs). */
  readonly msisdn: string;
  readonly cnumVisible: boolean;
  readonly operatorName: string;
  readonly mcc: string;
  readonly mnc: string;
  readonly smsc: string;
  /** Quality for `AT+CSQ` (0-31). */
  readonly rssi: number;
  readonly lac: string;
  readonly cellId: string;
}

/** Luhn check digit of a digit string (IMEI and ICCID both end with one). */
export function luhnCheckDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export function isLuhnValid(digits: string): boolean {
  return luhnCheckDigit(digits.slice(0, -1)) === digits.slice(-1);
}

interface Country {
  readonly mcc: string;
  readonly mnc: string;
  readonly operatorName: string;
  /** ICCID issuer prefix (89 + country code + issuer). */
  readonly iccidPrefix: string;
  /** Total ICCID length including the Luhn digit; 19 shows the F padding in `AT+CRSM`. */
  readonly iccidLength: number;
  readonly msisdnPrefix: string;
  readonly msisdnDigits: number;
  readonly smsc: string;
}

const COUNTRIES: readonly Country[] = [
  {
    mcc: '234',
    mnc: '10',
    operatorName: 'O2 - UK',
    iccidPrefix: '894410',
    iccidLength: 20,
    msisdnPrefix: '+447700900',
    msisdnDigits: 3,
    smsc: '+447802000332',
  },
  {
    mcc: '310',
    mnc: '260',
    operatorName: 'T-Mobile',
    iccidPrefix: '8901260',
    iccidLength: 20,
    msisdnPrefix: '+1202555',
    msisdnDigits: 4,
    smsc: '+12063130004',
  },
  {
    mcc: '250',
    mnc: '01',
    operatorName: 'MTS RUS',
    iccidPrefix: '897010',
    iccidLength: 19,
    msisdnPrefix: '+7916555',
    msisdnDigits: 4,
    smsc: '+79168999100',
  },
  {
    mcc: '262',
    mnc: '01',
    operatorName: 'Telekom.de',
    iccidPrefix: '894902',
    iccidLength: 19,
    msisdnPrefix: '+4915155',
    msisdnDigits: 5,
    smsc: '+491710760000',
  },
];

function digitsOf(value: number, width: number): string {
  return String(value % 10 ** width).padStart(width, '0');
}

/** A stable identity for modem `index`: same index, same IMEI/ICCID/IMSI, run after run. */
export function identityFor(index: number, flavour: FlavourName): ModemIdentity {
  const country = COUNTRIES[index % COUNTRIES.length] ?? COUNTRIES[0]!;
  const tac = flavour === 'ec25' ? '86761503' : '86247203';
  const imeiBody = tac + digitsOf(100_000 + index * 7919, 6);
  const iccidBody =
    country.iccidPrefix +
    digitsOf(index * 104_729 + 1_000_003, country.iccidLength - 1 - country.iccidPrefix.length);
  const msin = digitsOf(
    index * 15_485_863 + 123_456_789,
    15 - country.mcc.length - country.mnc.length,
  );
  return {
    imei: imeiBody + luhnCheckDigit(imeiBody),
    iccid: iccidBody + luhnCheckDigit(iccidBody),
    imsi: country.mcc + country.mnc + msin,
    msisdn: country.msisdnPrefix + digitsOf(100 + index, country.msisdnDigits),
    cnumVisible: index % 3 !== 2,
    operatorName: country.operatorName,
    mcc: country.mcc,
    mnc: country.mnc,
    smsc: country.smsc,
    rssi: 14 + ((index * 5) % 17),
    lac: (0x1a2b + index).toString(16).toUpperCase(),
    cellId: (0x3c4d5 + index * 17).toString(16).toUpperCase(),
  };
}

import { createHash } from 'node:crypto';
import type { FlavourName } from './flavours.js';

/** The identity of one simulated modem and its SIM. Deterministic per (host id, bank index). */
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

/** The highest bank index the no-wrap rule below is sized for (ModemBank allows 256 modems). */
const LAST_BANK_INDEX = 255;
/** ICCID serials of a lone bank: index × 104,729 + 1,000,003 (below 10^8 for every index). */
const ICCID_STEP = 104_729;
const ICCID_BASE = 1_000_003;

/**
 * How far one host's serials are shifted from a lone bank's: zero without a host id. A host id
 * gives four 48-bit numbers from SHA-256 (stable across runs, machines and Node versions), one
 * per identifier; each identifier's serial is today's plus its shift.
 *
 * Why this holds: within a host, adding one constant keeps serials distinct (and ICCIDs in
 * index order: the shift never carries into the issuer prefix, so a SIM's place in
 * `ORDER BY iccid`, the allocation tie-break, is the same on every host and hostname). Two hosts
 * collide only when their shifts differ by exactly the gap between two of their serials: with 8
 * modems each, about 3 in 10^12 for ICCIDs, 3 in 10^9 for IMSIs, 7 in 10^6 for IMEIs (6 serial
 * digits after the model's TAC), and 3 in 1,000 for UK numbers, which stay in Ofcom's fictional
 * 07700 900xxx range (3 digits). Distinct host ids that did share a number would only confuse
 * people (SIMs are keyed by ICCID); the ICCIDs and IMEIs that key the store do not collide in
 * practice.
 */
interface HostShifts {
  readonly iccid: number;
  readonly imsi: number;
  readonly imei: number;
  readonly msisdn: number;
}

const NO_SHIFT: HostShifts = { iccid: 0, imsi: 0, imei: 0, msisdn: 0 };

function hostShifts(hostId: string | undefined): HostShifts {
  if (hostId === undefined) return NO_SHIFT;
  const digest = createHash('sha256').update(`simpool simulated SIMs\0${hostId}`).digest();
  const part = (i: number): number => digest.readUIntBE(i * 6, 6);
  return { iccid: part(0), imsi: part(1), imei: part(2), msisdn: part(3) };
}

/**
 * A stable identity for modem `index` of host `hostId`: same host and index, same IMEI, ICCID,
 * IMSI and number, run after run, so a restarted host finds its SIMs' history; another host id,
 * other identities. Without a host id (a lone bank: tests, `simpool simulate`) the identities are
 * the historical ones. Country, flavour-specific TAC, CNUM visibility and radio figures depend on
 * the index only.
 */
export function identityFor(index: number, flavour: FlavourName, hostId?: string): ModemIdentity {
  const country = COUNTRIES[index % COUNTRIES.length] ?? COUNTRIES[0]!;
  const shift = hostShifts(hostId);
  const tac = flavour === 'ec25' ? '86761503' : '86247203';
  const imeiBody = tac + digitsOf(100_000 + index * 7919 + shift.imei, 6);
  const iccidWidth = country.iccidLength - 1 - country.iccidPrefix.length;
  // The room above the last index's serial: the shifted serial never wraps.
  const iccidRoom = 10 ** iccidWidth - (LAST_BANK_INDEX * ICCID_STEP + ICCID_BASE);
  const iccidBody =
    country.iccidPrefix +
    digitsOf(index * ICCID_STEP + ICCID_BASE + (shift.iccid % iccidRoom), iccidWidth);
  const msin = digitsOf(
    index * 15_485_863 + 123_456_789 + shift.imsi,
    15 - country.mcc.length - country.mnc.length,
  );
  return {
    imei: imeiBody + luhnCheckDigit(imeiBody),
    iccid: iccidBody + luhnCheckDigit(iccidBody),
    imsi: country.mcc + country.mnc + msin,
    msisdn: country.msisdnPrefix + digitsOf(100 + index + shift.msisdn, country.msisdnDigits),
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

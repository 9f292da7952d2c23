/**
 * Pure decoders for identity and radio facts: ICCID (plain or nibble-swapped BCD), IMSI →
 * MCC/MNC → country/operator, `+CSQ` → dBm, registration stat → status. No I/O here.
 */
import type { RegistrationStatus } from './contract.js';
import { MCC_COUNTRY, OPERATORS, THREE_DIGIT_MNC_MCCS } from './mcc-table.js';

/**
 * Decodes nibble-swapped BCD as SIM files store it (`AT+CRSM` of EF_ICCID): "98440110..." →
 * "89440110...". Trailing `F` nibbles are padding (19-digit ICCIDs). Hex digits A-E are kept:
 * some issuers (CMCC) put them in the issuer part. Null for anything else.
 */
export function decodeSwappedBcd(hex: string): string | null {
  const clean = hex.trim().toUpperCase();
  if (clean.length === 0 || clean.length % 2 !== 0 || !/^[0-9A-F]+$/.test(clean)) return null;
  let digits = '';
  for (let i = 0; i < clean.length; i += 2) digits += `${clean[i + 1] ?? ''}${clean[i] ?? ''}`;
  const unpadded = digits.replace(/F+$/, '');
  if (unpadded.length === 0 || unpadded.includes('F')) return null;
  return unpadded;
}

/**
 * An ICCID as a vendor command printed it (`+CCID: 89…`, `^ICCID: 98…`, `89…F`). Every ICCID
 * starts with 89 (telecom); one starting with 98 is still nibble-swapped (Huawei firmwares).
 */
export function normalizeIccid(raw: string): string | null {
  const value = raw
    .replace(/^[+^$][A-Z]*:\s*/i, '')
    .replace(/"/g, '')
    .trim()
    .toUpperCase();
  if (!/^[0-9A-F]{18,22}$/.test(value)) return null;
  const plain = value.startsWith('98') ? decodeSwappedBcd(value) : value.replace(/F+$/, '');
  if (plain === null || !/^89[0-9A-E]{16,20}$/.test(plain)) return null;
  return plain;
}

/** `+CRSM: 144,0,"98…"`: the ICCID when the status words say success (0x90 0x00). */
export function parseCrsmIccid(line: string): string | null {
  const match = /^\+CRSM:\s*(\d+),\s*(\d+),\s*"?([0-9A-Fa-f]*)"?/.exec(line.trim());
  if (!match || match[1] !== '144') return null;
  const decoded = decodeSwappedBcd(match[3] ?? '');
  return decoded !== null && /^89[0-9A-E]{16,20}$/.test(decoded) ? decoded : null;
}

/**
 * The MNC length from EF_AD (`AT+CRSM=176,28589,0,0,4`): its 4th byte's low nibble, when the
 * SIM provides it (2 or 3). Null when absent or unreadable.
 */
export function parseCrsmMncLength(line: string): 2 | 3 | null {
  const match = /^\+CRSM:\s*144,\s*\d+,\s*"?([0-9A-Fa-f]{8,})"?/.exec(line.trim());
  const nibble = match?.[1]?.[7];
  if (nibble === '2') return 2;
  if (nibble === '3') return 3;
  return null;
}

export interface ImsiParts {
  readonly mcc: string;
  readonly mnc: string;
}

/** Splits an IMSI into MCC and MNC; the MNC length from EF_AD when known, else the table. */
export function splitImsi(imsi: string, mncLength: 2 | 3 | null = null): ImsiParts | null {
  if (!/^\d{6,15}$/.test(imsi)) return null;
  const mcc = imsi.slice(0, 3);
  const length = mncLength ?? (THREE_DIGIT_MNC_MCCS.has(mcc) ? 3 : 2);
  return { mcc, mnc: imsi.slice(3, 3 + length) };
}

export function countryForMcc(mcc: string): string | null {
  return MCC_COUNTRY[mcc] ?? null;
}

export function operatorFor(mcc: string, mnc: string): string | null {
  return OPERATORS[`${mcc}${mnc}`] ?? null;
}

/** 27.007 `+CSQ` rssi: 0 → -113 dBm … 31 → -51 dBm, 99 → unknown. */
export function csqToDbm(rssi: number): number | null {
  if (!Number.isInteger(rssi) || rssi < 0 || rssi > 31) return null;
  return -113 + 2 * rssi;
}

/** `+CREG`/`+CEREG` <stat>. 4 is "unknown"; 6-10 (SMS-only, emergency) count as registered. */
export function registrationFromStat(stat: number | null): RegistrationStatus {
  switch (stat) {
    case 0:
      return 'not_registered';
    case 1:
    case 6:
      return 'home';
    case 5:
    case 7:
      return 'roaming';
    case 2:
      return 'searching';
    case 3:
      return 'denied';
    default:
      return 'unknown';
  }
}

export function isRegistered(status: RegistrationStatus): boolean {
  return status === 'home' || status === 'roaming';
}

/** Of two registration views (CS and EPS), the more useful: registered beats anything. */
export function betterRegistration(
  a: RegistrationStatus,
  b: RegistrationStatus | null,
): RegistrationStatus {
  if (b === null) return a;
  const rank: Record<RegistrationStatus, number> = {
    home: 5,
    roaming: 4,
    searching: 3,
    denied: 2,
    not_registered: 1,
    unknown: 0,
  };
  return rank[b] > rank[a] ? b : a;
}

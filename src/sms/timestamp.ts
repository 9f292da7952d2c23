import { pduInvalid, type OctetReader } from './hex-reader.js';
import type { ValidityPeriod } from './types.js';

export interface Timestamp {
  readonly date: Date;
  /** Minutes east of UTC. */
  readonly offsetMinutes: number;
}

function swappedBcd(byte: number, field: string, offset: number): number {
  const tens = byte & 0x0f;
  const units = byte >> 4;
  if (tens > 9 || units > 9) throw pduInvalid(`${field} is not BCD`, { offset, field, byte });
  return tens * 10 + units;
}

/**
 * TS 23.040 §9.2.3.11: seven swapped-BCD octets, local time of the service centre. The last
 * octet is the zone in quarter hours; bit 3 of its low nibble (the tens digit) is the sign.
 * Two-digit years below 70 are taken as 20xx (SMS is younger than 1970).
 */
export function readTimestamp(reader: OctetReader, field: string): Timestamp {
  const offset = reader.offset;
  const bytes = reader.take(7, field);
  const part = (i: number): number => swappedBcd(bytes[i] ?? 0, field, offset + i);
  const yy = part(0);
  const month = part(1);
  const day = part(2);
  const hour = part(3);
  const minute = part(4);
  const second = part(5);
  const tzByte = bytes[6] ?? 0;
  const negative = (tzByte & 0x08) !== 0;
  const tzTens = tzByte & 0x07;
  const tzUnits = tzByte >> 4;
  if (tzUnits > 9) throw pduInvalid(`${field} zone is not BCD`, { offset: offset + 6, field });
  const quarters = tzTens * 10 + tzUnits;
  const offsetMinutes = (negative ? -1 : 1) * quarters * 15;
  const year = yy < 70 ? 2000 + yy : 1900 + yy;
  const localMs = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(localMs);
  // Date.UTC silently rolls 31 Feb into March; a calendar mismatch means a corrupt field.
  if (
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw pduInvalid(`${field} is not a valid date`, { offset, field });
  }
  // Negative zero stays 0 so callers never see -0.
  return { date: new Date(localMs - offsetMinutes * 60_000), offsetMinutes: offsetMinutes || 0 };
}

/** Relative TP-VP octet → minutes (TS 23.040 §9.2.3.12.1). */
export function relativeValidityMinutes(vp: number): number {
  if (vp <= 143) return (vp + 1) * 5;
  if (vp <= 167) return 12 * 60 + (vp - 143) * 30;
  if (vp <= 196) return (vp - 166) * 24 * 60;
  return (vp - 192) * 7 * 24 * 60;
}

/** Minutes → the smallest relative TP-VP octet that lasts at least that long (max 63 weeks). */
export function encodeRelativeValidity(minutes: number): number {
  for (let vp = 0; vp <= 255; vp++) if (relativeValidityMinutes(vp) >= minutes) return vp;
  return 255;
}

/** Reads TP-VP for the given TP-VPF (bits 4–3 of the first octet). */
export function readValidity(reader: OctetReader, vpf: number): ValidityPeriod | null {
  switch (vpf) {
    case 0:
      return null;
    case 2:
      return { format: 'relative', minutes: relativeValidityMinutes(reader.byte('validity')) };
    case 3:
      return { format: 'absolute', until: readTimestamp(reader, 'validity').date };
    default:
      return { format: 'enhanced', raw: reader.take(7, 'validity').slice() };
  }
}

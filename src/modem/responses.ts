/**
 * Parsers of AT answers (the lines an AtResponse carries). Lines are picked by shape, never by
 * position alone: printable line noise can stand on a line of its own.
 */
import { splitFields } from '../at/index.js';

/** The value after `+NAME:` on the first line with that prefix. */
export function answerValue(lines: readonly string[], prefix: string): string | null {
  const upper = prefix.toUpperCase();
  const line = lines.find((l) => l.toUpperCase().startsWith(upper));
  return line === undefined ? null : line.slice(prefix.length).trim();
}

/** A free-text answer (`AT+CGMI`): the first non-empty line, its `+CGMI:` prefix removed. */
export function plainValue(lines: readonly string[], command: string): string {
  const name = command.replace(/^AT/i, '').replace(/[?=].*$/, '');
  for (const line of lines) {
    const text = line
      .replace(new RegExp(`^\\${name}:\\s*`, 'i'), '')
      .replace(/^"(.*)"$/, '$1')
      .trim();
    if (text !== '') return text;
  }
  return '';
}

/** The first line made of `digits` digits (IMEI, IMSI), optionally after a `+CGSN:` prefix. */
export function digitsValue(lines: readonly string[], min: number, max: number): string | null {
  const pattern = new RegExp(`^(?:[+^][A-Z]+:\\s*)?"?(\\d{${min},${max}})"?$`, 'i');
  for (const line of lines) {
    const match = pattern.exec(line.trim());
    if (match?.[1] !== undefined) return match[1];
  }
  return null;
}

function int(value: string | undefined): number | null {
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value.trim()) : null;
}

/** `+CPIN: READY` → `READY`. */
export function parseCpin(lines: readonly string[]): string | null {
  return answerValue(lines, '+CPIN:')?.toUpperCase() ?? null;
}

/** `+CSQ: <rssi>,<ber>` → rssi. */
export function parseCsq(lines: readonly string[]): number | null {
  const value = answerValue(lines, '+CSQ:');
  return value === null ? null : int(value.split(',')[0]);
}

/** `+CREG: <n>,<stat>[,…]` (read form) → stat. */
export function parseRegistrationRead(lines: readonly string[], prefix: string): number | null {
  const value = answerValue(lines, prefix);
  if (value === null) return null;
  const fields = splitFields(value);
  // The read form starts with <n>; a bare `+CREG: 1` (URC shape) has only <stat>.
  return int(fields.length >= 2 ? fields[1]?.value : fields[0]?.value);
}

/** `+COPS: 0,0,"O2 - UK",7` → the operator; null when not registered (`+COPS: 0`). */
export function parseCopsName(lines: readonly string[]): string | null {
  const value = answerValue(lines, '+COPS:');
  if (value === null) return null;
  const name = splitFields(value)[2]?.value.trim();
  return name ? name : null;
}

/** `+CNUM: "","+447700900100",145` → the first non-empty number. */
export function parseCnum(lines: readonly string[]): string | null {
  for (const line of lines) {
    if (!line.toUpperCase().startsWith('+CNUM:')) continue;
    const number = splitFields(line.slice(6))[1]?.value.trim();
    if (number) return number;
  }
  return null;
}

/** `+CPMS: ("SM","ME"),(…),(…)` → the storages offered for mem1 and mem3. */
export function parseCpmsTest(lines: readonly string[]): { read: string[]; receive: string[] } {
  const value = answerValue(lines, '+CPMS:') ?? '';
  const groups = [...value.matchAll(/\(([^)]*)\)/g)].map((m) =>
    splitFields(m[1] ?? '').map((f) => f.value.toUpperCase()),
  );
  // Some modems print one list for all three memories, without parentheses.
  if (groups.length === 0) {
    const all = splitFields(value).map((f) => f.value.toUpperCase());
    return { read: all, receive: all };
  }
  return { read: groups[0] ?? [], receive: groups[2] ?? groups[0] ?? [] };
}

export interface StorageUse {
  readonly name: string | null;
  readonly used: number;
  readonly total: number;
}

/**
 * `AT+CPMS?` → `+CPMS: "SM",3,30,"SM",3,30,"SM",3,30` (names given) or the set form's
 * `+CPMS: 3,30,3,30,3,30`. Returns [mem1, mem2, mem3] as far as present.
 */
export function parseCpmsUse(lines: readonly string[]): StorageUse[] {
  const value = answerValue(lines, '+CPMS:');
  if (value === null) return [];
  const fields = splitFields(value);
  const named = fields[0]?.quoted === true || int(fields[0]?.value) === null;
  const step = named ? 3 : 2;
  const result: StorageUse[] = [];
  for (let i = 0; i + step - 1 < fields.length; i += step) {
    const used = int(fields[i + step - 2]?.value);
    const total = int(fields[i + step - 1]?.value);
    if (used === null || total === null) break;
    result.push({ name: named ? (fields[i]?.value.toUpperCase() ?? null) : null, used, total });
  }
  return result;
}

/** `+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)` → allowed values per parameter. */
export function parseCnmiTest(lines: readonly string[]): number[][] {
  const value = answerValue(lines, '+CNMI:') ?? '';
  return [...value.matchAll(/\(([^)]*)\)/g)].map((m) => {
    const allowed: number[] = [];
    for (const part of (m[1] ?? '').split(',')) {
      const [lo, hi] = part.split('-').map((x) => int(x));
      if (lo === null || lo === undefined) continue;
      for (let v = lo; v <= (hi ?? lo); v++) allowed.push(v);
    }
    return allowed;
  });
}

export interface ListedPdu {
  readonly index: number;
  readonly stat: number | null;
  readonly pdu: string;
}

const HEX = /^[0-9A-Fa-f]+$/;

/** `AT+CMGL=4` in PDU mode: `+CMGL: <idx>,<stat>,[<alpha>],<len>` each followed by its PDU. */
export function parseCmgl(lines: readonly string[]): ListedPdu[] {
  const result: ListedPdu[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!line.toUpperCase().startsWith('+CMGL:')) continue;
    const fields = splitFields(line.slice(6));
    const index = int(fields[0]?.value);
    const pdu = lines[i + 1]?.trim() ?? '';
    if (index === null || !HEX.test(pdu)) continue;
    result.push({ index, stat: int(fields[1]?.value), pdu: pdu.toUpperCase() });
    i++;
  }
  return result;
}

/** `AT+CMGR=<idx>`: the PDU after the `+CMGR:` header, or null for an empty slot. */
export function parseCmgr(lines: readonly string[]): string | null {
  const header = lines.findIndex((l) => l.toUpperCase().startsWith('+CMGR:'));
  if (header < 0) return null;
  const pdu = lines[header + 1]?.trim() ?? '';
  return HEX.test(pdu) ? pdu.toUpperCase() : null;
}

/** `+CMGS: <mr>[,<scts>]` → the message reference. */
export function parseCmgs(lines: readonly string[]): number | null {
  const value = answerValue(lines, '+CMGS:');
  return value === null ? null : int(value.split(',')[0]);
}

/** `+CMSS: <mr>[,<scts>]` (a stored message sent) → the message reference. */
export function parseCmss(lines: readonly string[]): number | null {
  const value = answerValue(lines, '+CMSS:');
  return value === null ? null : int(value.split(',')[0]);
}

/** `+CMGW: <index>` → where `AT+CMGW` stored the message. */
export function parseCmgw(lines: readonly string[]): number | null {
  const value = answerValue(lines, '+CMGW:');
  return value === null ? null : int(value.split(',')[0]);
}

/** `AT+CMGR=<idx>` in PDU mode: `+CMGR: <stat>,[<alpha>],<len>` and the PDU; null when empty. */
export function parseCmgrEntry(
  lines: readonly string[],
): { readonly stat: number | null; readonly pdu: string } | null {
  const header = lines.findIndex((l) => l.toUpperCase().startsWith('+CMGR:'));
  if (header < 0) return null;
  const pdu = lines[header + 1]?.trim() ?? '';
  if (!HEX.test(pdu)) return null;
  const stat = int(splitFields((lines[header] ?? '').slice(6))[0]?.value);
  return { stat, pdu: pdu.toUpperCase() };
}

/**
 * Unsolicited result codes: which lines are URCs (data), how many lines they span, and how the
 * ones the modem layer acts on are parsed into typed objects.
 */
import { splitFields, type Field } from './fields.js';

/** The four shapes of an AT command: `AT+X=?`, `AT+X?`, `AT+X=…`, `AT+X`. */
export type CommandForm = 'test' | 'read' | 'set' | 'exec';

export interface UrcDefinition {
  /** Name delivered with the URC: `+CMTI`, `RING`, `SMS Ready` … */
  readonly name: string;
  /** The line starts with this text (e.g. `+CMTI:`), or equals it when `exact` is true. */
  readonly match: string;
  readonly exact?: boolean;
  /**
   * Lines after the header that belong to this URC (`+CMT`/`+CDS`: 1, the PDU). A line that is
   * not hex ends the URC early, so a lost PDU line never swallows an `OK`.
   */
  readonly pduLines?: number;
  /** The header may carry a quoted string spanning lines (`+CUSD` texts with newlines). */
  readonly quotedMayContinue?: boolean;
  /**
   * The command forms whose answers use the same prefix (`AT+CREG?` answers `+CREG: 2,1`). While
   * such a command is pending its lines are answers; with any other form (`AT+CREG=2`) the line
   * is the URC. Unset: every form of the same-named command answers with this prefix.
   */
  readonly solicitedBy?: readonly CommandForm[];
}

interface UrcBase {
  readonly name: string;
  /** The raw lines as received (header first). */
  readonly lines: readonly string[];
}

/** `+CMTI` / `+CDSI`: a message or status report was stored at storage/index. */
export interface StoredMessageUrc extends UrcBase {
  readonly type: 'stored_message';
  readonly storage: string;
  readonly index: number;
}

/** `+CMT` / `+CDS`: a message or status report delivered directly, PDU in the second line. */
export interface PduUrc extends UrcBase {
  readonly type: 'pdu';
  /** TPDU length from the header, when present. */
  readonly length: number | null;
  /** Hex PDU, or null when the second line never came. */
  readonly pdu: string | null;
}

/** `+CREG` / `+CGREG` / `+CEREG`: registration changed. stat 1 = home, 5 = roaming. */
export interface RegistrationUrc extends UrcBase {
  readonly type: 'registration';
  readonly stat: number;
  readonly lac: string | null;
  readonly ci: string | null;
  readonly act: number | null;
}

/** `+CUSD`: a USSD answer. status 0 = done, 1 = more input expected, 2 = ended by network, 4 = not supported. */
export interface UssdUrc extends UrcBase {
  readonly type: 'ussd';
  readonly status: number;
  /** The string as sent (its encoding depends on dcs and AT+CSCS). */
  readonly message: string | null;
  readonly dcs: number | null;
}

/** Any other URC: `RING`, `RDY`, `+CPIN: READY`, `^RSSI: 17` … `value` is what follows `: `. */
export interface GenericUrc extends UrcBase {
  readonly type: 'generic';
  readonly value: string | null;
}

export type AtUrc = StoredMessageUrc | PduUrc | RegistrationUrc | UssdUrc | GenericUrc;

const prefix = (name: string, extra: Partial<UrcDefinition> = {}): UrcDefinition => ({
  name,
  match: `${name}:`,
  ...extra,
});
const exact = (name: string): UrcDefinition => ({ name, match: name, exact: true });
const readOnly: readonly CommandForm[] = ['read', 'test'];

/** URCs of 27.005/27.007 and the vendors in MODEMS.md. Profiles add or remove by name. */
export const DEFAULT_URCS: readonly UrcDefinition[] = [
  // messages
  prefix('+CMTI'),
  prefix('+CDSI'),
  prefix('+CMT', { pduLines: 1 }),
  prefix('+CDS', { pduLines: 1 }),
  prefix('+CBM', { pduLines: 1 }),
  // registration: the read form answers with the same prefix
  prefix('+CREG', { solicitedBy: readOnly }),
  prefix('+CGREG', { solicitedBy: readOnly }),
  prefix('+CEREG', { solicitedBy: readOnly }),
  prefix('+CUSD', { solicitedBy: readOnly, quotedMayContinue: true }),
  // calls (the call results are URCs for every command but ATD/ATA/ATH: result-codes.ts)
  exact('RING'),
  exact('NO CARRIER'),
  exact('BUSY'),
  exact('NO ANSWER'),
  exact('NO DIALTONE'),
  prefix('+CRING'),
  prefix('+CLIP', { solicitedBy: readOnly }),
  prefix('+CCWA', { solicitedBy: readOnly }),
  // SIM and boot
  prefix('+CPIN', { solicitedBy: readOnly }),
  prefix('+CFUN', { solicitedBy: readOnly }),
  exact('RDY'),
  exact('Call Ready'),
  exact('SMS Ready'),
  exact('SMS DONE'),
  exact('PB DONE'),
  prefix('+CIEV'),
  prefix('+CTZV'),
  prefix('+CGEV'),
  // Quectel
  prefix('+QIND'),
  prefix('+QUSIM'),
  // Huawei
  prefix('^RSSI'),
  prefix('^BOOT'),
  prefix('^MODE'),
  prefix('^SMMEMFULL'),
  exact('^SMMEMFULL'),
  prefix('^DSFLOWRPT'),
  prefix('^SRVST'),
  prefix('^SIMST'),
  prefix('^HCSQ', { solicitedBy: readOnly }),
  // Wavecom / Sierra
  prefix('+WIND'),
  // SIMCom power alarms (sic: the firmware spells it WARNNING)
  exact('NORMAL POWER DOWN'),
  { name: 'UNDER-VOLTAGE', match: 'UNDER-VOLTAGE' },
  { name: 'OVER-VOLTAGE', match: 'OVER-VOLTAGE' },
];

export class UrcRegistry {
  private readonly exactMatches = new Map<string, UrcDefinition>();
  /** Longest match first, so `+CMTI:` is never mistaken for a shorter prefix. */
  private readonly prefixMatches: UrcDefinition[];

  constructor(definitions: readonly UrcDefinition[] = DEFAULT_URCS) {
    const prefixes: UrcDefinition[] = [];
    for (const def of definitions) {
      if (def.exact === true) this.exactMatches.set(def.match, def);
      else prefixes.push(def);
    }
    this.prefixMatches = prefixes.sort((a, b) => b.match.length - a.match.length);
  }

  match(line: string): UrcDefinition | undefined {
    const exactMatch = this.exactMatches.get(line);
    if (exactMatch) return exactMatch;
    return this.prefixMatches.find((def) => line.startsWith(def.match));
  }

  /** The definition whose prefix is `+NAME:`, used to decide expected prefixes per form. */
  byAnswerPrefix(answerPrefix: string): UrcDefinition | undefined {
    return this.prefixMatches.find((def) => def.match === answerPrefix);
  }
}

function valueAfterColon(line: string): string | null {
  const colon = line.indexOf(':');
  if (colon < 0) return null;
  return line.slice(colon + 1).trim();
}

function intField(field: Field | undefined): number | null {
  if (!field || field.value === '' || !/^\d+$/.test(field.value)) return null;
  return Number(field.value);
}

function strField(field: Field | undefined): string | null {
  return field && field.value !== '' ? field.value : null;
}

function parseRegistration(fields: readonly Field[], base: UrcBase): AtUrc | undefined {
  // `+CREG: 1,"00C3","D5A7"` is the URC; `+CREG: 2,1,"00C3",…` (second field unquoted) is the
  // read answer that reached us unattributed — its stat is the second field.
  const answerShape = fields.length >= 2 && fields[1]?.quoted === false && fields[1].value !== '';
  const at = answerShape ? 1 : 0;
  const stat = intField(fields[at]);
  if (stat === null) return undefined;
  return {
    ...base,
    type: 'registration',
    stat,
    lac: strField(fields[at + 1]),
    ci: strField(fields[at + 2]),
    act: intField(fields[at + 3]),
  };
}

/** Turns the collected lines of a URC into its typed object. Malformed → `generic`. */
export function parseUrc(def: UrcDefinition, lines: readonly string[]): AtUrc {
  const header = lines[0] ?? '';
  const value = def.exact === true ? null : valueAfterColon(header);
  const base: UrcBase = { name: def.name, lines };
  const generic: GenericUrc = { ...base, type: 'generic', value };
  if (value === null) return generic;
  // A +CUSD text spanning lines is rejoined with the newline the modem sent.
  const text = def.quotedMayContinue === true ? [value, ...lines.slice(1)].join('\n') : value;
  const fields = splitFields(text);
  switch (def.name) {
    case '+CMTI':
    case '+CDSI': {
      const index = intField(fields[1]);
      const storage = strField(fields[0]);
      if (index === null || storage === null) return generic;
      return { ...base, type: 'stored_message', storage, index };
    }
    case '+CMT':
    case '+CDS': {
      const length = intField(fields[fields.length - 1]);
      return { ...base, type: 'pdu', length, pdu: lines[1] ?? null };
    }
    case '+CREG':
    case '+CGREG':
    case '+CEREG':
      return parseRegistration(fields, base) ?? generic;
    case '+CUSD': {
      const status = intField(fields[0]);
      if (status === null) return generic;
      return {
        ...base,
        type: 'ussd',
        status,
        message: fields[1]?.value ?? null,
        dcs: intField(fields[2]),
      };
    }
    default:
      return generic;
  }
}

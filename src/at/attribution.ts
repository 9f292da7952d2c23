/**
 * Who does a line belong to? Pure functions over the command text and the pending command's
 * state, in the fixed order of DESIGN.md: echo → final result → expected prefix → URC → body
 * of the pending command → unsolicited noise. A line belongs to the command only when the
 * command claims it (its finals, its answer prefixes, the body it owns); a line that can only
 * be another command's answer is `stale`: proof that answers and commands no longer line up.
 */
import { SimpoolError } from '../shared/index.js';
import { KNOWN_ANSWER_PREFIXES, type BodyOwnership } from './command-shapes.js';
import {
  isCallResult,
  parseFinalResult,
  type FinalCodeDefinition,
  type FinalResult,
} from './result-codes.js';
import type { CommandForm, UrcDefinition, UrcRegistry } from './urc-registry.js';

/** Default per-command timeouts (ms): plain commands 10 s, sends 120 s, network scans minutes. */
export const DEFAULT_TIMEOUT_MS = 10_000;
const LONG_TIMEOUTS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^AT\+CMGS=/i, 120_000],
  [/^AT\+CMSS=/i, 120_000],
  [/^AT\+COPS=\?/i, 180_000],
  [/^AT\+COPS=/i, 120_000],
  [/^AT\+CUSD=/i, 30_000],
];

/** The built-in timeout of a command; `fallback` for commands without a longer one. */
export function defaultTimeoutFor(command: string, fallback = DEFAULT_TIMEOUT_MS): number {
  return LONG_TIMEOUTS.find(([pattern]) => pattern.test(command))?.[1] ?? fallback;
}

/** Why a command line cannot be sent (line endings or control bytes would break framing). */
export function commandProblem(command: string): SimpoolError | undefined {
  if (/^AT/i.test(command) && !/[\x00-\x1f\x7f]/.test(command)) return undefined;
  return new SimpoolError(
    'at_invalid_command',
    `not a single AT command line: ${JSON.stringify(command)}`,
    { details: { command } },
  );
}

/** Splits `AT+CMEE=1;+CREG=2` into `+CMEE=1`, `+CREG=2` (quoted `;` kept). */
function segments(command: string): string[] {
  const body = command.slice(2);
  if (!body.includes(';')) {
    // One command (the usual case): nothing to split, quoted or not.
    const only = body.trim();
    return only.length > 0 ? [only] : [];
  }
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of body) {
    if (char === '"') quoted = !quoted;
    if (char === ';' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

function formOf(segment: string): CommandForm {
  if (segment.endsWith('=?')) return 'test';
  if (segment.endsWith('?')) return 'read';
  if (segment.includes('=')) return 'set';
  return 'exec';
}

/**
 * The answer prefixes a command's lines carry: `AT+CMGR=3` → `+CMGR:`, `AT^ICCID?` → `^ICCID:`.
 * A prefix the URC table says is answered only by other forms is left out, so `AT+CREG=2`
 * followed by an immediate `+CREG: 1` delivers that line as the URC it is.
 */
export function expectedPrefixes(command: string, urcs: UrcRegistry): string[] {
  const prefixes: string[] = [];
  for (const segment of segments(command)) {
    const name = /^([+^$%*#!][A-Za-z0-9]+)/.exec(segment)?.[1];
    if (name === undefined) continue;
    const prefix = `${name.toUpperCase()}:`;
    const urc = urcs.byAnswerPrefix(prefix);
    if (urc?.solicitedBy && !urc.solicitedBy.includes(formOf(segment))) continue;
    prefixes.push(prefix);
  }
  return prefixes;
}

/** What the classifier needs to know about the command in flight. */
export interface PendingContext {
  readonly command: string;
  /** Echo of the command not seen yet (echo may be off: then it never comes). */
  readonly echoPossible: boolean;
  /** The payload written after the prompt, for dropping its echo; null before the prompt. */
  readonly payload: string | null;
  readonly expectedPrefixes: readonly string[];
  /**
   * Echo is known to be on and this command's echo has not arrived: nothing but a URC can be
   * its own yet, so a final, answer or body line now is a late answer to an earlier command.
   */
  readonly awaitingEcho: boolean;
  /** `NO CARRIER`, `BUSY`, `NO ANSWER`, `NO DIALTONE` end it (ATD, ATA, ATH); else URCs. */
  readonly ownsCallResults: boolean;
  readonly body: BodyOwnership;
}

/** Why a line cannot belong to the command in flight. */
export type StaleReason =
  /** A final, answer or body line before the echo, with echo on. */
  | 'before_echo'
  /** Another command's answer (`+CMGR:` while `AT+CMGD` is in flight). */
  | 'foreign_answer'
  /** A PDU line for a command that owns no PDU. */
  | 'foreign_pdu';

export interface ClassifierTables {
  readonly finals: readonly FinalCodeDefinition[];
  readonly urcs: UrcRegistry;
}

export type LineRole =
  | { readonly role: 'echo' }
  | { readonly role: 'payload_echo' }
  | { readonly role: 'final'; readonly final: FinalResult }
  | { readonly role: 'answer'; readonly prefix: string }
  | { readonly role: 'urc'; readonly definition: UrcDefinition }
  | { readonly role: 'body' }
  | { readonly role: 'stale'; readonly reason: StaleReason }
  | { readonly role: 'unsolicited' };

const HEX = /^[0-9A-Fa-f]+$/;

export function classifyLine(
  line: string,
  pending: PendingContext | undefined,
  tables: ClassifierTables,
): LineRole {
  if (!pending) {
    const definition = urcOf(line, tables);
    return definition ? { role: 'urc', definition } : { role: 'unsolicited' };
  }
  // Line noise right before the echo glues onto it ("x#q@AT+CSQ"): still the echo.
  if (pending.echoPossible && line.toUpperCase().endsWith(pending.command.toUpperCase())) {
    return { role: 'echo' };
  }
  // Some modems echo the PDU after the prompt, sometimes cut into several lines.
  if (pending.payload !== null && HEX.test(line) && pending.payload.includes(line)) {
    return { role: 'payload_echo' };
  }
  const final = parseFinalResult(line, tables.finals);
  const ownFinal = final !== undefined && (pending.ownsCallResults || !isCallResult(final));
  const prefix = pending.expectedPrefixes.find((p) => line.toUpperCase().startsWith(p));
  const definition = ownFinal || prefix !== undefined ? undefined : urcOf(line, tables);
  if (definition) return { role: 'urc', definition };
  if (pending.awaitingEcho) return { role: 'stale', reason: 'before_echo' };
  if (final && ownFinal) return { role: 'final', final };
  if (prefix !== undefined) return { role: 'answer', prefix };
  return bodyRole(line, pending);
}

/** A line that is no final, answer or URC: the command's body if it owns one. */
function bodyRole(line: string, pending: PendingContext): LineRole {
  const upper = line.toUpperCase();
  if (KNOWN_ANSWER_PREFIXES.some((p) => upper.startsWith(p))) {
    return { role: 'stale', reason: 'foreign_answer' };
  }
  switch (pending.body) {
    case 'any':
      return { role: 'body' };
    case 'pdu':
      return isPduLine(line) ? { role: 'body' } : { role: 'unsolicited' };
    case 'none':
      // An unknown vendor line is noise; a PDU can only be an earlier read's answer.
      return isPduLine(line) && line.length >= 16
        ? { role: 'stale', reason: 'foreign_pdu' }
        : { role: 'unsolicited' };
  }
}

function urcOf(line: string, tables: ClassifierTables): UrcDefinition | undefined {
  const definition = tables.urcs.match(line);
  if (definition) return definition;
  // A profile that dropped the call-result URCs still must not take them as a final.
  const final = parseFinalResult(line, tables.finals);
  return final && isCallResult(final) ? { name: line, match: line, exact: true } : undefined;
}

/** A PDU line following a `+CMT:`/`+CDS:` header. */
export function isPduLine(line: string): boolean {
  return HEX.test(line) && line.length % 2 === 0;
}

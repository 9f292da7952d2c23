/**
 * Who does a line belong to? Pure functions over the command text and the pending command's
 * state, in the fixed order of DESIGN.md: echo → final result → expected prefix → URC → body
 * of the pending command → unsolicited noise.
 */
import { SimpoolError } from '../shared/index.js';
import { parseFinalResult, type FinalCodeDefinition, type FinalResult } from './result-codes.js';
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
}

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
  | { readonly role: 'unsolicited' };

const HEX = /^[0-9A-Fa-f]+$/;

export function classifyLine(
  line: string,
  pending: PendingContext | undefined,
  tables: ClassifierTables,
): LineRole {
  if (pending) {
    // Line noise right before the echo glues onto it ("x#q@AT+CSQ"): still the echo.
    if (pending.echoPossible && line.toUpperCase().endsWith(pending.command.toUpperCase())) {
      return { role: 'echo' };
    }
    // Some modems echo the PDU after the prompt, sometimes cut into several lines.
    if (pending.payload !== null && HEX.test(line) && pending.payload.includes(line)) {
      return { role: 'payload_echo' };
    }
    const final = parseFinalResult(line, tables.finals);
    if (final) return { role: 'final', final };
    const prefix = pending.expectedPrefixes.find((p) => line.toUpperCase().startsWith(p));
    if (prefix !== undefined) return { role: 'answer', prefix };
  }
  const definition = tables.urcs.match(line);
  if (definition) return { role: 'urc', definition };
  return pending ? { role: 'body' } : { role: 'unsolicited' };
}

/** A PDU line following a `+CMT:`/`+CDS:` header. */
export function isPduLine(line: string): boolean {
  return HEX.test(line) && line.length % 2 === 0;
}

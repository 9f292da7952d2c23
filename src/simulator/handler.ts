import type { ParsedCommand } from './command-line.js';
import type { ModemCore } from './modem-core.js';
import type { Outcome } from './responses.js';

/**
 * One AT command. `sim` says which error family the command reports when the SIM is missing or
 * PIN-locked: `cme` (+CME ERROR: 10/11) or `cms` for SMS commands (+CMS ERROR: 310/311).
 */
export interface CommandSpec {
  readonly run: (core: ModemCore, command: ParsedCommand) => Outcome;
  readonly sim?: 'cme' | 'cms';
}

export type CommandTable = Readonly<Record<string, CommandSpec>>;

/** A non-negative integer argument, or NaN. */
export function intArg(value: string | undefined): number {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : Number.NaN;
}

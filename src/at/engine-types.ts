/** The AT engine's public shapes: options, per-call options, results and events. */
import type { Clock, Logger } from '../shared/index.js';
import type { DisconnectEvent } from '../transport/index.js';
import type { AtProfile } from './profile.js';
import type { FinalResult } from './result-codes.js';
import type { AtUrc } from './urc-registry.js';

export interface AtEngineOptions {
  /** Time source for every timeout and pause. Default: the system clock. */
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Vendor quirks; change later with `setProfile`. Default: `genericProfile`. */
  readonly profile?: AtProfile;
  /** Timeout of commands without a longer built-in default (AT+CMGS 120 s …). Default 10 000. */
  readonly defaultTimeoutMs?: number;
  /** How long to wait for the `> ` prompt. Default 10 000. */
  readonly promptTimeoutMs?: number;
  /** `AT` probes after a timeout before giving up (the modem layer escalates). Default 5. */
  readonly resyncAttempts?: number;
  /** Timeout of each resync probe. Default 1 000. */
  readonly resyncTimeoutMs?: number;
  /**
   * After the resync `AT` got its OK, the port must stay quiet this long: a late answer of the
   * command that timed out (its OK could be taken for ours) shows up here and resync goes on.
   */
  readonly resyncQuietMs?: number;
  /** Retries of a command answered with a busy code (+CME 14/515, +CMS 314/500). Default 3. */
  readonly busyRetries?: number;
  /** Pause before each busy retry. Default 2 000. */
  readonly busyRetryDelayMs?: number;
  /** Longest line kept by the framer. Default 8192. */
  readonly maxLineLength?: number;
}

export interface AtSendOptions {
  /** Overrides the command's default timeout (ms, from the end of the write). */
  readonly timeoutMs?: number;
  /** Higher runs first; equal priorities run in call order. Default `AtPriority.normal`. */
  readonly priority?: number;
  /**
   * The answer prefix(es) of this command, e.g. `+CMGR:`. Default: derived from the command
   * (`AT+CMGR=3` → `+CMGR:`, chained commands give one per part). Use `[]` for none.
   */
  readonly expectedPrefix?: string | readonly string[];
  /** Complete on the first answer line, without waiting for OK (Wavecom `+CPIN?`). */
  readonly completeOnAnswer?: boolean;
  /** Overrides the engine's busy retry count for this call (0 = no retry). */
  readonly busyRetries?: number;
}

export interface AtPromptOptions extends AtSendOptions {
  /** Overrides the engine's prompt timeout for this call. */
  readonly promptTimeoutMs?: number;
}

/** Conventional priorities; any number works. */
export const AtPriority = {
  background: -10,
  normal: 0,
  high: 10,
} as const;

export interface AtResponse {
  /** The command as sent, without the CR. */
  readonly command: string;
  /** Answer and body lines in order; echo, payload echo and URCs removed. */
  readonly lines: readonly string[];
  /** The successful final result (`OK`, or a profile's success code). */
  readonly final: FinalResult;
}

/** Bytes or lines that belonged to nothing. Logged and emitted, never fatal. */
export type AtNoise =
  | { readonly reason: 'binary' | 'overflow'; readonly length: number; readonly sample: string }
  /** A complete line with no command pending that is no known URC (a late answer, a stray OK). */
  | { readonly reason: 'unsolicited'; readonly line: string }
  /** A `> ` prompt nobody asked for: the engine answers it with ESC. */
  | { readonly reason: 'unexpected_prompt' }
  /** A line that can only be an earlier command's answer (see `AtDesyncEvent`). */
  | { readonly reason: 'stale'; readonly line: string };

/**
 * Answers and commands no longer line up: a line arrived that can only answer an earlier
 * command. The engine resyncs before the next command and raises `syncEpoch`; with echo off the
 * command in flight fails with `at_desync` (which of the finals is its own cannot be told).
 */
export interface AtDesyncEvent {
  readonly line: string;
  readonly reason: 'before_echo' | 'foreign_answer' | 'foreign_pdu';
  /** The command in flight when it arrived, if any. */
  readonly command: string | null;
  /** The engine's sync epoch after this event. */
  readonly epoch: number;
}

export interface AtTimeoutEvent {
  readonly command: string;
  readonly phase: 'awaiting_prompt' | 'awaiting_final';
  readonly timeoutMs: number;
  readonly partialLines: readonly string[];
}

export interface AtResyncEvent {
  /** The modem answered `AT` with a final result. */
  readonly ok: boolean;
  readonly attempts: number;
}

/** Raw traffic, for a per-port wire log. `text` is latin1; control bytes are kept. */
export interface AtWireEvent {
  readonly direction: 'tx' | 'rx';
  readonly text: string;
}

/** Event map of `AtEngine` (a typed node EventEmitter). */
export interface AtEngineEvents {
  urc: [urc: AtUrc];
  noise: [noise: AtNoise];
  timeout: [event: AtTimeoutEvent];
  resync: [event: AtResyncEvent];
  desync: [event: AtDesyncEvent];
  disconnect: [event: DisconnectEvent];
  wire: [event: AtWireEvent];
}

/**
 * One command in flight: its phase, the lines attributed to it, and how it ended. A transaction
 * never throws; it ends with an `Outcome` and the engine decides what that means (error code,
 * ESC, resync, busy retry), which keeps the I/O-free part testable and the policy in one place.
 *
 *   writing ──► awaiting_final ──► done
 *      └──────► awaiting_prompt ──► sending_payload ──► awaiting_final ──► done
 */
import type { Clock, TimerHandle } from '../shared/index.js';
import type { PendingContext } from './attribution.js';
import type { BodyOwnership } from './command-shapes.js';
import type { FinalResult } from './result-codes.js';

export type TransactionPhase =
  'writing' | 'awaiting_prompt' | 'sending_payload' | 'awaiting_final' | 'done';

export type Outcome =
  | { readonly type: 'final'; readonly final: FinalResult }
  | { readonly type: 'timeout'; readonly phase: TransactionPhase; readonly timeoutMs: number }
  | {
      readonly type: 'write_failed';
      readonly stage: 'command' | 'payload';
      readonly error: unknown;
    }
  | { readonly type: 'closed'; readonly error: Error };

export interface TransactionSpec {
  readonly command: string;
  /** The payload to write after the `> ` prompt; null for plain commands. */
  readonly payload: string | null;
  readonly expectedPrefixes: readonly string[];
  readonly timeoutMs: number;
  readonly promptTimeoutMs: number;
  /** Answer prefixes that complete the command without a final result code. */
  readonly completeOnAnswer: readonly string[];
  /** Call results (`NO CARRIER` …) are its finals: ATD, ATA, ATH. */
  readonly ownsCallResults: boolean;
  readonly body: BodyOwnership;
}

export class Transaction {
  phase: TransactionPhase = 'writing';
  promptSeen = false;
  echoSeen = false;
  payloadWritten = false;
  /**
   * A line that could only be an earlier command's answer arrived while this one was in flight
   * with echo off: which final is its own cannot be told, so its answer is not trusted.
   */
  doubtful = false;
  /** Answer and body lines, in order (echo and URCs never land here). */
  readonly lines: string[] = [];
  readonly done: Promise<Outcome>;
  private resolveDone!: (outcome: Outcome) => void;
  private timer: TimerHandle | undefined;

  constructor(
    readonly spec: TransactionSpec,
    private readonly clock: Clock,
    /** Echo is known to be on: nothing before this command's echo is its own. */
    readonly echoExpected = false,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get isDone(): boolean {
    return this.phase === 'done';
  }

  get expectsPrompt(): boolean {
    return this.spec.payload !== null;
  }

  /**
   * The modem may still sit in the `> ` prompt: it was shown and the payload with its Ctrl-Z
   * never went out. Only then does ESC mean "abort"; any other time ESC would be a stray byte
   * glued to the next command.
   */
  get promptOpen(): boolean {
    return this.promptSeen && !this.payloadWritten;
  }

  context(): PendingContext {
    return {
      command: this.spec.command,
      echoPossible: !this.echoSeen && !this.promptSeen,
      payload: this.payloadWritten || this.phase === 'sending_payload' ? this.spec.payload : null,
      expectedPrefixes: this.spec.expectedPrefixes,
      awaitingEcho: this.echoExpected && !this.echoSeen && !this.promptSeen,
      ownsCallResults: this.spec.ownsCallResults,
      body: this.spec.body,
    };
  }

  markEcho(): void {
    this.echoSeen = true;
  }

  /** The command line was written: start waiting (the timer starts only now). */
  commandWritten(): void {
    if (this.isDone) return;
    if (this.expectsPrompt && !this.promptSeen) {
      this.phase = 'awaiting_prompt';
      this.arm(Math.min(this.spec.promptTimeoutMs, this.spec.timeoutMs));
    } else if (this.phase === 'writing') {
      this.phase = 'awaiting_final';
      this.arm(this.spec.timeoutMs);
    }
  }

  /** The prompt arrived: the engine writes the payload next. */
  promptReceived(): void {
    this.promptSeen = true;
    this.phase = 'sending_payload';
    this.disarm();
  }

  payloadSent(): void {
    this.payloadWritten = true;
    if (this.isDone) return;
    this.phase = 'awaiting_final';
    this.arm(this.spec.timeoutMs);
  }

  finish(outcome: Outcome): void {
    if (this.isDone) return;
    this.disarm();
    this.phase = 'done';
    this.resolveDone(outcome);
  }

  private arm(ms: number): void {
    this.disarm();
    const phase = this.phase;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.finish({ type: 'timeout', phase, timeoutMs: ms });
    }, ms);
  }

  private disarm(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * AtEngine: one per port, one command in flight, everything else queued by priority.
 *
 *   link bytes ─► AtFramer ─► tokens ─► LineRouter ─► transaction lines │ URC events │ noise
 *   send() ─► CommandQueue ─► execute (busy retry) ─► transact ─► Outcome ─► response | error
 *                                  └─ after a timeout: resync (ESC, AT until OK) before the next task
 *
 * The transaction is registered before its bytes are written and its timer starts once the
 * write resolved, so a fast answer is never missed and a slow serial drain never eats the budget.
 *
 * Answers are bound to commands: with echo on (learned from the echoes themselves, or from
 * ATE0/ATE1), nothing before a command's echo is its own; with echo off, a line that only another
 * command could produce gives the desync away. Either way the engine resyncs and raises
 * `syncEpoch`, so callers can tell that what they read before may have been someone else's.
 */
import { EventEmitter } from 'node:events';
import {
  SimpoolError,
  describeError,
  silentLogger,
  systemClock,
  type Clock,
  type Logger,
} from '../shared/index.js';
import type { ByteLink, DisconnectEvent } from '../transport/index.js';
import { commandProblem } from './attribution.js';
import { buildSpec } from './command-spec.js';
import { CommandQueue } from './command-queue.js';
import type {
  AtEngineEvents,
  AtEngineOptions,
  AtPromptOptions,
  AtResponse,
  AtSendOptions,
} from './engine-types.js';
import { AtFramer } from './framer.js';
import { LineRouter } from './line-router.js';
import { concludeOutcome } from './outcome.js';
import { genericProfile, type AtProfile } from './profile.js';
import type { StaleReason } from './attribution.js';
import { isBusyResult, parseFinalResult } from './result-codes.js';
import { Transaction, type Outcome, type TransactionSpec } from './transaction.js';

const CTRL_Z = '\x1a';
const ESC = '\x1b';

interface Settings {
  readonly defaultTimeoutMs: number;
  readonly promptTimeoutMs: number;
  readonly resyncAttempts: number;
  readonly resyncTimeoutMs: number;
  readonly resyncQuietMs: number;
  readonly busyRetries: number;
  readonly busyRetryDelayMs: number;
  readonly maxLineLength: number;
}

export class AtEngine extends EventEmitter<AtEngineEvents> {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly settings: Settings;
  private currentProfile: AtProfile;
  private framer: AtFramer;
  private readonly router: LineRouter;
  private readonly queue = new CommandQueue();
  private current: Transaction | undefined;
  private running = false;
  private needsResync = false;
  private resyncing = false;
  /** A prompt may be open that no transaction owns any more (one timed out waiting for it). */
  private promptMayBeOpen = false;
  /** Whether the modem echoes commands; learned from echoes, ATE0/ATE1 and resync probes. */
  private echoMode: 'unknown' | 'on' | 'off' = 'unknown';
  private epoch = 0;
  /** Lines nobody asked for (URCs excluded): stale answers show up here. */
  private unsolicitedLines = 0;
  private closedError: SimpoolError | undefined;
  private readonly delays = new Set<(error: Error) => void>();
  private readonly unsubscribe: Array<() => void>;

  constructor(
    private readonly link: ByteLink,
    options: AtEngineOptions = {},
  ) {
    super();
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ port: link.address });
    this.settings = {
      defaultTimeoutMs: options.defaultTimeoutMs ?? 10_000,
      promptTimeoutMs: options.promptTimeoutMs ?? 10_000,
      resyncAttempts: options.resyncAttempts ?? 5,
      resyncTimeoutMs: options.resyncTimeoutMs ?? 1_000,
      resyncQuietMs: options.resyncQuietMs ?? 200,
      busyRetries: options.busyRetries ?? 3,
      busyRetryDelayMs: options.busyRetryDelayMs ?? 2_000,
      maxLineLength: options.maxLineLength ?? 8192,
    };
    this.currentProfile = options.profile ?? genericProfile;
    this.framer = this.createFramer();
    this.router = this.createRouter();
    this.unsubscribe = [
      link.onData((chunk) => this.onData(chunk)),
      link.onDisconnect((event) => this.onDisconnect(event)),
    ];
    if (!link.isOpen) this.shutDown('the link is already closed', { reason: 'closed' });
  }

  get profile(): AtProfile {
    return this.currentProfile;
  }

  /** True once the link disconnected or `close()` was called; every call then rejects. */
  get isClosed(): boolean {
    return this.closedError !== undefined;
  }

  /**
   * Rises whenever answers and commands may have been out of step (a desync was detected, a
   * command timed out, a resync ran). An SMS read in an earlier epoch must be read again before
   * its slot is deleted.
   */
  get syncEpoch(): number {
    return this.epoch;
  }

  /** Commands waiting, not counting the one in flight. */
  get queueLength(): number {
    return this.queue.length;
  }

  /** Switches vendor quirks (after identification); takes effect for the next line. */
  setProfile(profile: AtProfile): void {
    const highBytesChanged =
      profile.flags.highBytesAreText !== this.currentProfile.flags.highBytesAreText;
    this.currentProfile = profile;
    if (highBytesChanged) this.framer = this.createFramer();
    this.router.setProfile(profile);
  }

  /**
   * Sends one command line (`AT…`, no CR) and resolves with its answer lines on a successful
   * final result. Rejects with `at_error`, `at_cme_error`, `at_cms_error`, `at_timeout`,
   * `at_invalid_command`, `at_engine_closed`, or the transport's write error.
   */
  send(command: string, options: AtSendOptions = {}): Promise<AtResponse> {
    return this.enqueue(command, null, options);
  }

  /**
   * A command that asks for a `> ` prompt (AT+CMGS, AT+CMGW): waits for the prompt, writes
   * `payload` + Ctrl-Z, then waits for the final result. On any failure it writes ESC so the
   * modem leaves the prompt. Rejects like `send`, plus `at_prompt_failed` (no prompt in time,
   * OK instead of a prompt, payload write failed).
   */
  sendWithPrompt(
    command: string,
    payload: string,
    options: AtPromptOptions = {},
  ): Promise<AtResponse> {
    if (/[\x00-\x1f]/.test(payload)) {
      return Promise.reject(
        new SimpoolError('at_invalid_command', 'the payload must not contain control characters', {
          details: { command },
        }),
      );
    }
    return this.enqueue(command, payload, options);
  }

  /**
   * Runs a resync now (ahead of queued commands): ESC (the modem's state is unknown: it may sit
   * in a prompt), then `AT` until a final result. Resolves true when the modem answered.
   */
  resync(): Promise<boolean> {
    return this.schedule(Number.POSITIVE_INFINITY, () => this.runResync(true));
  }

  /** Rejects everything pending and queued with `at_engine_closed`, then closes the link. */
  async close(): Promise<void> {
    this.shutDown('the engine was closed', { reason: 'closed' });
    await this.link.close();
  }

  private enqueue(
    command: string,
    payload: string | null,
    options: AtPromptOptions,
  ): Promise<AtResponse> {
    const invalid = commandProblem(command);
    if (invalid) return Promise.reject(invalid);
    const spec = buildSpec(command, payload, options, {
      urcs: this.router.urcs,
      profile: this.currentProfile,
      defaultTimeoutMs: this.settings.defaultTimeoutMs,
      promptTimeoutMs: this.settings.promptTimeoutMs,
    });
    const retries = options.busyRetries ?? this.settings.busyRetries;
    return this.schedule(options.priority ?? 0, () => this.execute(spec, retries));
  }

  private schedule<T>(priority: number, task: () => Promise<T>): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        priority,
        run: () => task().then(resolve, reject),
        cancel: reject,
      });
      // Started on the next microtask, so commands issued in the same tick are ordered by priority.
      queueMicrotask(() => void this.pump());
    });
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.closedError) {
        if (this.needsResync) {
          this.needsResync = false;
          await this.runResync(this.promptMayBeOpen);
          continue;
        }
        const task = this.queue.shift();
        if (!task) break;
        await task.run();
      }
    } finally {
      this.running = false;
    }
  }

  /** One queued command, with its busy retries. */
  private async execute(spec: TransactionSpec, busyRetries: number): Promise<AtResponse> {
    for (let attempt = 0; ; attempt++) {
      const tx = await this.transact(spec);
      const outcome = await tx.done;
      if (
        outcome.type === 'final' &&
        isBusyResult(outcome.final, this.currentProfile.busyCodes) &&
        attempt < busyRetries &&
        // Once the payload went out, a retry could send the message twice.
        !tx.promptSeen
      ) {
        this.logger.info(
          { command: spec.command, final: outcome.final.line, attempt },
          'modem busy, retrying',
        );
        // No ESC: the busy final closed the prompt (if one was open at all).
        await this.delay(this.settings.busyRetryDelayMs);
        continue;
      }
      return this.conclude(tx, outcome);
    }
  }

  /** Registers the transaction, writes the command, arms the timer once the write resolved. */
  private async transact(spec: TransactionSpec): Promise<Transaction> {
    const tx = new Transaction(spec, this.clock, this.echoMode === 'on');
    if (this.closedError) {
      tx.finish({ type: 'closed', error: this.closedError });
      return tx;
    }
    this.current = tx;
    void tx.done.then(() => {
      if (this.current === tx) this.current = undefined;
    });
    try {
      await this.write(`${spec.command}\r`);
      tx.commandWritten();
    } catch (error) {
      tx.finish(
        this.closedError
          ? { type: 'closed', error: this.closedError }
          : { type: 'write_failed', stage: 'command', error },
      );
    }
    return tx;
  }

  /** Maps an outcome to the caller's result or error, with ESC and resync where needed. */
  private async conclude(tx: Transaction, outcome: Outcome): Promise<AtResponse> {
    this.learnEcho(tx, outcome);
    const conclusion = concludeOutcome(tx, outcome);
    if (conclusion.ok) return conclusion.response;
    if (conclusion.escape) await this.writeQuietly(ESC);
    if (conclusion.resync) this.needsResync = true;
    if (outcome.type === 'timeout') {
      this.epoch++;
      // A prompt that comes late is answered with ESC when it arrives; until then, resync
      // starts with ESC in case it came and was lost in noise.
      if (tx.expectsPrompt && !tx.promptSeen) this.promptMayBeOpen = true;
    }
    if (conclusion.timeout) {
      this.logger.warn(conclusion.timeout, 'AT command timed out');
      this.safeEmit('timeout', conclusion.timeout);
    }
    throw conclusion.error;
  }

  /**
   * `AT` with a short timeout until the modem answers and then stays quiet, bounded. ESC goes
   * first only when a prompt may be open (`escapeFirst`) or the modem did not answer: in a prompt
   * a modem takes "AT" as message text, but out of one an ESC is a stray byte — the probe's own
   * `AT` absorbs it, so the next real command starts on a clean line.
   */
  private async runResync(escapeFirst: boolean): Promise<boolean> {
    const attempts = this.settings.resyncAttempts;
    this.resyncing = true;
    this.epoch++;
    try {
      for (let attempt = 1; attempt <= attempts && !this.closedError; attempt++) {
        if (escapeFirst || attempt > 1) await this.writeQuietly(ESC);
        if (await this.probe()) {
          this.promptMayBeOpen = false;
          this.logger.info({ attempts: attempt }, 'resynchronised');
          this.safeEmit('resync', { ok: true, attempts: attempt });
          return true;
        }
      }
    } finally {
      this.resyncing = false;
    }
    if (this.closedError) return false;
    this.logger.warn({ attempts }, 'resync failed: the modem does not answer AT');
    this.safeEmit('resync', { ok: false, attempts });
    return false;
  }

  /** One resync probe: `AT`, any final result, then a quiet window. Re-learns the echo mode. */
  private async probe(): Promise<boolean> {
    this.echoMode = 'unknown';
    const unsolicitedBefore = this.unsolicitedLines;
    const tx = await this.transact({
      command: 'AT',
      payload: null,
      expectedPrefixes: [],
      timeoutMs: this.settings.resyncTimeoutMs,
      promptTimeoutMs: this.settings.resyncTimeoutMs,
      completeOnAnswer: [],
      ownsCallResults: false,
      body: 'none',
    });
    const outcome = await tx.done;
    if (outcome.type !== 'final') return false;
    if (!(await this.staysQuiet(unsolicitedBefore, this.settings.resyncQuietMs))) return false;
    this.echoMode = tx.echoSeen ? 'on' : 'off';
    return true;
  }

  /**
   * Echo is on once an echo was seen (not merely because ATE1 answered OK: a modem that ignores
   * it would then have every answer taken for a stale one); a successful ATE0 turns it off.
   */
  private learnEcho(tx: Transaction, outcome: Outcome): void {
    if (tx.echoSeen) this.echoMode = 'on';
    const ok = outcome.type === 'final' && outcome.final.kind === 'ok';
    if (ok && /^ATE0$/i.test(tx.spec.command)) this.echoMode = 'off';
  }

  /** A line only an earlier command could have produced: resync, and distrust what is pending. */
  private onStale(line: string, reason: StaleReason, tx: Transaction | undefined): void {
    this.unsolicitedLines++;
    this.epoch++;
    // With echo on the command in flight is unaffected (its answer comes after its echo); with
    // echo off nobody can tell whose final comes next.
    if (tx && !tx.echoExpected) tx.doubtful = true;
    if (!this.resyncing) this.needsResync = true;
    this.safeEmit('noise', { reason: 'stale', line });
    this.safeEmit('desync', {
      line,
      reason,
      command: tx?.spec.command ?? null,
      epoch: this.epoch,
    });
  }

  /**
   * True when no unsolicited line arrived since `before` and none arrives for `ms` more: nothing
   * stale (such as the late OK of a timed-out command) is still on its way.
   */
  private async staysQuiet(before: number, ms: number): Promise<boolean> {
    if (ms > 0) await new Promise<void>((resolve) => this.clock.setTimeout(resolve, ms));
    return this.unsolicitedLines === before;
  }

  private onData(chunk: Buffer): void {
    if (this.closedError) return;
    this.safeEmit('wire', { direction: 'rx', text: chunk.toString('latin1') });
    for (const token of this.framer.push(chunk)) this.router.route(token, this.current);
  }

  /** Writes the payload after the prompt; called by the router. */
  private onPrompt(tx: Transaction): void {
    tx.promptReceived();
    this.write(`${tx.spec.payload ?? ''}${CTRL_Z}`).then(
      () => tx.payloadSent(),
      (error: unknown) =>
        tx.finish(
          this.closedError
            ? { type: 'closed', error: this.closedError }
            : { type: 'write_failed', stage: 'payload', error },
        ),
    );
  }

  private onDisconnect(event: DisconnectEvent): void {
    this.safeEmit('disconnect', event);
    this.shutDown(`the link disconnected (${event.reason})`, { reason: event.reason });
  }

  private shutDown(message: string, details: Record<string, unknown>): void {
    if (this.closedError) return;
    const error = new SimpoolError('at_engine_closed', message, { details });
    this.closedError = error;
    for (const off of this.unsubscribe) off();
    this.current?.finish({ type: 'closed', error });
    this.queue.cancelAll(error);
    for (const cancel of [...this.delays]) cancel(error);
  }

  private async write(text: string): Promise<void> {
    if (this.closedError) throw this.closedError;
    this.safeEmit('wire', { direction: 'tx', text });
    await this.link.write(text);
  }

  private async writeQuietly(text: string): Promise<void> {
    try {
      await this.write(text);
    } catch (error) {
      this.logger.debug({ error: describeError(error) }, 'write failed (ignored)');
    }
  }

  /** A clock-based pause that ends early, rejecting, when the engine closes. */
  private delay(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const cancel = (error: Error) => {
        this.clock.clearTimeout(handle);
        this.delays.delete(cancel);
        reject(error);
      };
      const handle = this.clock.setTimeout(() => {
        this.delays.delete(cancel);
        resolve();
      }, ms);
      this.delays.add(cancel);
    });
  }

  /** A throwing listener must not break framing or the command in flight. */
  private safeEmit<K extends keyof AtEngineEvents>(event: K, ...args: AtEngineEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: AtEngineEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      this.logger.error({ event, error: describeError(error) }, 'event listener threw');
    }
  }

  /** A final result nobody waits for: some command took a final that was not its own. */
  private onUnsolicited(line: string): void {
    this.unsolicitedLines++;
    if (parseFinalResult(line, this.currentProfile.extraFinalCodes) === undefined) return;
    this.epoch++;
    if (!this.resyncing) this.needsResync = true;
  }

  private createFramer(): AtFramer {
    return new AtFramer({
      maxLineLength: this.settings.maxLineLength,
      keepHighBytes: this.currentProfile.flags.highBytesAreText === true,
    });
  }

  private createRouter(): LineRouter {
    return new LineRouter(this.currentProfile, {
      urc: (urc) => this.safeEmit('urc', urc),
      noise: (noise) => {
        if (noise.reason === 'unsolicited') this.onUnsolicited(noise.line);
        this.safeEmit('noise', noise);
      },
      prompt: (tx) => this.onPrompt(tx),
      // The modem sits in a prompt nobody owns: ESC takes it out; resync before the next command.
      strayPrompt: () => {
        if (!this.resyncing) this.needsResync = true;
        void this.writeQuietly(ESC);
      },
      stale: (line, reason, tx) => this.onStale(line, reason, tx),
      log: this.logger,
    });
  }
}

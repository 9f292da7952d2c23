/**
 * The owning side of host commands: every host runs one. It claims the commands asked of its
 * modems — at once when woken (NOTIFY on PostgreSQL), and every few seconds in case a wake-up
 * was lost — carries each out through the same code as a local action (`execute`), and writes
 * the outcome: the result, or the refusal's code and message (unknown modem, modem not ready…),
 * which the asking host answers with as if the modem were its own.
 *
 * Each pass first fails the commands nobody picked up in time, whatever their host (it may be
 * down for good): their askers have given up, so they are never carried out late.
 */
import {
  SimpoolError,
  describeError,
  isSimpoolError,
  type Clock,
  type TimerHandle,
} from '../shared/index.js';
import { HOST_COMMAND_TIMEOUT_MS } from './host-command-client.js';
import type {
  HostCommand,
  HostCommandOutcome,
  HostCommandPort,
  HostCommandResult,
} from './host-commands.js';

const DEFAULT_POLL_MS = 2_000;
const DEFAULT_CONCURRENCY = 4;

export interface HostCommandWorkerOptions {
  readonly port: HostCommandPort;
  /** This host: the commands it claims. */
  readonly hostId: string;
  readonly clock: Clock;
  /** Carries a claimed command out on this host's modem; a refusal throws a SimpoolError. */
  readonly execute: (command: HostCommand) => Promise<HostCommandResult>;
  /** Claims this often without a wake-up. Default 2 s. */
  readonly pollMs?: number;
  /** Pending commands older than this fail as `host_unavailable`. Default the asker's wait. */
  readonly expireAfterMs?: number;
  /** Commands carried out at once (each on its own modem's queue). Default 4. */
  readonly concurrency?: number;
  /** Failures of the store (the worker tries again at the next pass). */
  readonly onError?: (error: unknown) => void;
}

export class HostCommandWorker {
  private readonly pollMs: number;
  private readonly expireAfterMs: number;
  private readonly concurrency: number;
  private readonly inFlight = new Set<Promise<void>>();
  private passing: Promise<void> | undefined;
  private again = false;
  private timer: TimerHandle | undefined;
  private unwatch: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: HostCommandWorkerOptions) {
    this.pollMs = Math.max(1, options.pollMs ?? DEFAULT_POLL_MS);
    this.expireAfterMs = Math.max(1, options.expireAfterMs ?? HOST_COMMAND_TIMEOUT_MS);
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  }

  /** Listens for this host's commands, then takes those already waiting. */
  async start(): Promise<void> {
    const unwatch = await this.options.port.watchRequests(this.options.hostId, () => this.poke());
    if (this.stopped) return unwatch();
    this.unwatch = unwatch;
    this.poke();
  }

  /** A pass now (or right after the one running). */
  poke(): void {
    if (this.stopped) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.clearTimer();
    this.passing = this.passes().finally(() => {
      this.passing = undefined;
      if (this.stopped) return;
      // Woken after the last pass had looked: another pass at once.
      if (this.again) this.poke();
      else this.timer = this.options.clock.setTimeout(() => this.poke(), this.pollMs);
    });
  }

  /**
   * Stops claiming and waits for the pass in flight. Commands being carried out finish on their
   * own (a USSD may take 20 s): their outcome is written if the store is still open.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    this.unwatch?.();
    this.unwatch = undefined;
    await this.passing;
  }

  /** Resolves when the commands being carried out now are finished (tests, orderly stops). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.passing) {
      await Promise.all([...this.inFlight, this.passing]);
    }
  }

  private async passes(): Promise<void> {
    do {
      this.again = false;
      await this.pass().catch((error: unknown) => this.options.onError?.(error));
    } while (this.again && !this.stopped);
  }

  private async pass(): Promise<void> {
    const { port, hostId, clock } = this.options;
    const now = clock.now();
    await port.expirePending(now - this.expireAfterMs, now);
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0 || this.stopped) return; // a command that finishes pokes again
    const claimed = await port.claimPending(hostId, now, free);
    for (const command of claimed) this.track(this.carryOut(command));
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      // A free place: commands left waiting while all were busy are taken now.
      this.poke();
    });
  }

  private async carryOut(command: HostCommand): Promise<void> {
    const { port, clock, execute } = this.options;
    let outcome: HostCommandOutcome;
    try {
      outcome = { result: await execute(command) };
    } catch (error) {
      outcome = failureOf(error);
    }
    try {
      await port.complete(command.id, outcome, clock.now());
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** A refusal as the asking host will rethrow it; anything else is an internal error. */
function failureOf(error: unknown): HostCommandOutcome {
  const known = isSimpoolError(error)
    ? error
    : new SimpoolError('internal_error', describeError(error));
  return { errorCode: known.code, errorMessage: known.message };
}

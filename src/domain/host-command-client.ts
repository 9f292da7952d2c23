/**
 * The asking side of a host command: write it, then wait for the owning host to finish it —
 * woken by the store (NOTIFY on PostgreSQL), with a poll as the fallback — and answer as a local
 * action would: its result, or its SimpoolError (carried over by code and message). A host that
 * does not finish in time is `host_unavailable`.
 */
import { SimpoolError, type Clock, type ErrorCode, type TimerHandle } from '../shared/index.js';
import {
  HOST_UNAVAILABLE,
  type HostCommand,
  type HostCommandAction,
  type HostCommandParams,
  type HostCommandPort,
  type HostCommandResult,
} from './host-commands.js';

/** Longest wait for another host: longer than a USSD answer may take (20 s) plus queueing. */
export const HOST_COMMAND_TIMEOUT_MS = 30_000;
const DEFAULT_POLL_MS = 1_000;

export interface HostCommandClientOptions {
  readonly port: HostCommandPort;
  /** This host's id: commands are requested by it, and modems it drives are not remote. */
  readonly hostId: string;
  readonly clock: Clock;
  readonly timeoutMs?: number;
  /** Re-reads the command this often while no wake-up came (a lost notification). */
  readonly pollMs?: number;
}

export class HostCommandClient {
  readonly hostId: string;
  private readonly timeoutMs: number;
  private readonly pollMs: number;

  constructor(private readonly options: HostCommandClientOptions) {
    this.hostId = options.hostId;
    this.timeoutMs = Math.max(1, options.timeoutMs ?? HOST_COMMAND_TIMEOUT_MS);
    this.pollMs = Math.max(1, options.pollMs ?? DEFAULT_POLL_MS);
  }

  /**
   * The other host that drives the modem with this IMEI; undefined when no host is recorded, or
   * it is this one (rows from before hosts existed, host '', are this host's too).
   */
  async remoteHostOf(imei: string): Promise<string | undefined> {
    const host = await this.options.port.modemHost(imei);
    return host === undefined || host === '' || host === this.hostId ? undefined : host;
  }

  /** Has `hostId` carry `action` out on its modem `imei`; answers what the action answered. */
  async run(
    hostId: string,
    imei: string,
    action: HostCommandAction,
    params: HostCommandParams,
  ): Promise<HostCommandResult> {
    const { port, clock } = this.options;
    const wake = new Wake(clock);
    let id: string | undefined;
    // Listening before the command exists: its completion cannot slip past.
    const unwatch = await port.watchCompletions((done) => {
      if (done === undefined || done === id) wake.fire();
    });
    try {
      const requestedAt = clock.now();
      id = await port.request({
        hostId,
        modemImei: imei,
        action,
        params,
        requestedByHost: this.hostId,
        now: requestedAt,
      });
      const deadline = requestedAt + this.timeoutMs;
      for (;;) {
        const command = await this.read(id);
        if (isFinished(command)) return answerOf(command);
        const left = deadline - clock.now();
        if (left <= 0) return await this.giveUp(command);
        await wake.wait(Math.min(left, this.pollMs));
      }
    } finally {
      wake.cancel();
      unwatch();
    }
  }

  /**
   * The wait is over: a command still pending fails for good (its host must not carry it out
   * later, when nobody waits for it any more); one taken but unfinished is left to its host.
   */
  private async giveUp(command: HostCommand): Promise<HostCommandResult> {
    const { port, clock } = this.options;
    await port.expirePending(command.createdAt, clock.now());
    const now = await this.read(command.id);
    if (isFinished(now)) return answerOf(now);
    const seconds = Math.round(this.timeoutMs / 1000);
    throw new SimpoolError(
      HOST_UNAVAILABLE,
      `host ${command.hostId} took the ${command.action} command but did not finish it within ${seconds} s`,
    );
  }

  private async read(id: string): Promise<HostCommand> {
    const command = await this.options.port.get(id);
    if (!command) throw new SimpoolError('internal_error', `host command ${id} vanished`);
    return command;
  }
}

function isFinished(command: HostCommand): boolean {
  return command.status === 'succeeded' || command.status === 'failed';
}

/** A finished command as the local action would have ended: its result, or its error. */
function answerOf(command: HostCommand): HostCommandResult {
  if (command.status === 'succeeded') return command.result;
  // The code crossed the database from a simpool that may be newer; an unknown one is a 500.
  throw new SimpoolError(
    (command.errorCode ?? 'internal_error') as ErrorCode,
    command.errorMessage ?? `host ${command.hostId} failed the command`,
  );
}

/** A pause on the clock that `fire()` ends early, or skips when it fired before the pause. */
class Wake {
  private fired = false;
  private timer: TimerHandle | undefined;
  private end: (() => void) | undefined;

  constructor(private readonly clock: Clock) {}

  fire(): void {
    if (this.end) this.end();
    else this.fired = true;
  }

  wait(ms: number): Promise<void> {
    if (this.fired) {
      this.fired = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.end = () => {
        this.cancel();
        resolve();
      };
      this.timer = this.clock.setTimeout(() => this.end?.(), ms);
    });
  }

  cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.end = undefined;
  }
}

/**
 * Per-SIM send limits. Operators burn SIMs that look like bulk senders, so each SIM keeps to caps
 * per minute, hour and day (counting parts: each is one SMS to the network) and rests a random
 * while between two messages. Windows are rolling, not calendar ones: a day is the last 24 h.
 */
export interface ThrottleLimits {
  /** false: no caps and no pause (benchmarks, a private SMSC). */
  readonly enabled: boolean;
  readonly perMinute: number;
  readonly perHour: number;
  readonly perDay: number;
  readonly pauseMinMs: number;
  readonly pauseMaxMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Priority from which a message skips the pause between messages (never the caps). */
export const URGENT_PRIORITY = 100;

export class SendThrottle {
  /** When parts were handed to the modem within the last day, oldest first. */
  private readonly sends: number[];
  private pauseUntil = 0;

  constructor(
    readonly limits: ThrottleLimits,
    /** Send times recorded before (the store's history), so a restart keeps the caps. */
    earlierSends: readonly number[] = [],
  ) {
    this.sends = [...earlierSends].sort((a, b) => a - b);
  }

  /** A part goes out now. */
  record(at: number): void {
    this.sends.push(at);
    this.prune(at);
  }

  /** A message is done: the next one waits a random pause (`random` in [0, 1)). */
  rest(at: number, random: number): void {
    if (!this.limits.enabled) return;
    const span = this.limits.pauseMaxMs - this.limits.pauseMinMs;
    this.pauseUntil = at + this.limits.pauseMinMs + Math.floor(random * (span + 1));
  }

  /** Parts sent in the window ending at `at`. */
  sentWithin(at: number, windowMs: number): number {
    return this.sends.length - this.firstAfter(at - windowMs);
  }

  /**
   * The earliest time from `at` when one more part may go out: `at` itself when nothing holds
   * it back. An urgent message (priority ≥ 100) does not wait for the pause.
   */
  nextAllowedAt(at: number, options: { readonly urgent?: boolean } = {}): number {
    if (!this.limits.enabled) return at;
    this.prune(at);
    let next = options.urgent === true ? at : Math.max(at, this.pauseUntil);
    for (const [windowMs, cap] of [
      [MINUTE, this.limits.perMinute],
      [HOUR, this.limits.perHour],
      [DAY, this.limits.perDay],
    ] as const) {
      const start = this.firstAfter(at - windowMs);
      const inWindow = this.sends.length - start;
      if (inWindow >= cap) {
        // The window frees a slot when the oldest send that keeps it full leaves it.
        const leaving = this.sends[this.sends.length - cap];
        if (leaving !== undefined) next = Math.max(next, leaving + windowMs);
      }
    }
    return next;
  }

  /** Index of the first send strictly after `time` (binary search). */
  private firstAfter(time: number): number {
    let low = 0;
    let high = this.sends.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.sends[mid]! <= time) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private prune(at: number): void {
    const keepFrom = this.firstAfter(at - DAY);
    if (keepFrom > 0) this.sends.splice(0, keepFrom);
  }
}

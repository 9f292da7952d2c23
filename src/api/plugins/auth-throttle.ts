/**
 * Brute force: failed authentications per client address. After `maxFailures` failures within
 * `windowMs` the address is refused (REST 429, legacy ERROR_LIMIT, WebSocket 4429) before its
 * credential is even looked at, until the oldest of those failures leaves the window. Refusals
 * are not failures, so the block always ends: nobody, the right credential included, is locked
 * out for longer than one window. A success does not clear the count: an attacker holding one
 * valid key must not be able to reset it between guesses.
 */
import type { Clock, Logger } from '../../shared/index.js';

/** Where the credential was presented (the metrics' `door` label). */
export type AuthDoor = 'rest' | 'legacy' | 'ws' | 'admin_login';

export interface AuthThrottleOptions {
  /** Failures within the window after which an address is refused. */
  readonly maxFailures: number;
  readonly windowMs: number;
}

export const DEFAULT_AUTH_THROTTLE: AuthThrottleOptions = { maxFailures: 10, windowMs: 300_000 };

/** What the throttle reports (the /metrics counters). */
export interface AuthThrottleEvents {
  failed(door: AuthDoor): void;
  refused(door: AuthDoor): void;
}

/** Addresses remembered at most (a spray from many addresses must not grow memory unbounded). */
const MAX_ADDRESSES = 10_000;

export class AuthThrottle {
  /** Per address: the times of its last `maxFailures` failures, oldest first. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly logger: Logger,
    readonly options: AuthThrottleOptions = DEFAULT_AUTH_THROTTLE,
    private readonly events?: AuthThrottleEvents,
  ) {}

  /**
   * Whole seconds until `address` may try again, 0 when it may now. A refused attempt is
   * counted (metrics) and logged at debug.
   */
  refusal(address: string, door: AuthDoor): number {
    const now = this.clock.now();
    const times = this.recent(address, now);
    if (times.length < this.options.maxFailures) return 0;
    this.events?.refused(door);
    this.logger.debug({ address, door }, 'authentication refused: too many failures');
    const oldest = times[times.length - this.options.maxFailures] ?? now;
    return Math.max(1, Math.ceil((oldest + this.options.windowMs - now) / 1000));
  }

  /** A wrong credential from `address`. */
  failed(address: string, door: AuthDoor): void {
    const now = this.clock.now();
    const times = this.recent(address, now);
    times.push(now);
    if (times.length > this.options.maxFailures) times.shift();
    this.failures.delete(address);
    this.failures.set(address, times);
    this.forgetOldest();
    this.events?.failed(door);
    if (times.length === this.options.maxFailures) {
      this.logger.warn(
        { address, door, failures: times.length, windowMs: this.options.windowMs },
        'too many failed authentications: refusing this address for a while',
      );
    }
  }

  /** The failures of `address` still within the window. */
  private recent(address: string, now: number): number[] {
    const times = this.failures.get(address);
    if (!times) return [];
    const kept = times.filter((at) => now - at < this.options.windowMs);
    if (kept.length === 0) this.failures.delete(address);
    return kept;
  }

  private forgetOldest(): void {
    while (this.failures.size > MAX_ADDRESSES) {
      const oldest = this.failures.keys().next();
      if (oldest.done) return;
      this.failures.delete(oldest.value);
    }
  }
}

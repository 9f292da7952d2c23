import { describeError, type Clock, type Logger, type TimerHandle } from '../shared/index.js';
import type { OutboundRepository, RoutableMessage } from './ports.js';
import { SendThrottle, URGENT_PRIORITY, type ThrottleLimits } from './send-throttle.js';
import type { SendWorker } from './send-worker.js';

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;

/** Throttles off: the default of a bare pool (tests, benchmarks); the daemon passes its config. */
export const NO_THROTTLE: ThrottleLimits = {
  enabled: false,
  perMinute: 1,
  perHour: 1,
  perDay: 1,
  pauseMinMs: 0,
  pauseMaxMs: 0,
};

export interface SendRouterOptions {
  readonly outbound: OutboundRepository;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limitsFor?: (iccid: string) => ThrottleLimits;
  /** SIMs in an open rental order may send messages that did not ask for them. */
  readonly sendFromRentedSims?: boolean;
}

interface Candidate {
  readonly worker: SendWorker;
  readonly iccid: string;
  readonly throttle: SendThrottle;
  /** When its throttle lets the next part out (≤ now: at once). */
  readonly nextAt: number;
  readonly urgentNextAt: number;
}

type Choice = { readonly worker: SendWorker } | { readonly retryAt: number };

const NONE: Choice = { retryAt: Number.POSITIVE_INFINITY };

/**
 * Hands queued messages to free modems. A message asked for a SIM (or bound to one because some
 * parts already went out) waits for that SIM; any other goes to a free SIM that is under its
 * throttles, preferring one in the recipient's country, avoiding for a while the SIM that just
 * failed it, and then the least loaded (fewest parts in the last hour). Routing runs whenever
 * something may have changed: work queued, a modem became free or ready, a throttle window
 * opened, the pool's periodic check. One routing pass runs at a time (its store reads are
 * awaited): a wake during a pass runs one more pass after it, so a message listed by one pass is
 * never handed out again by another before its claim is committed.
 */
export class SendRouter {
  private readonly workers = new Set<SendWorker>();
  private readonly throttles = new Map<string, Promise<SendThrottle>>();
  private routeQueued = false;
  private routing: Promise<void> | null = null;
  private routeAgain = false;
  private timer: { handle: TimerHandle; at: number } | undefined;
  private stopped = false;

  constructor(private readonly options: SendRouterOptions) {}

  add(worker: SendWorker): void {
    this.workers.add(worker);
  }

  remove(worker: SendWorker): void {
    this.workers.delete(worker);
  }

  /**
   * One throttle per SIM, seeded from the sends the store remembers (restarts keep caps). Loaded
   * once: callers at the same time share the load; a failed load is tried again next time.
   */
  throttleFor = (iccid: string): Promise<SendThrottle> => {
    let throttle = this.throttles.get(iccid);
    if (!throttle) {
      throttle = this.loadThrottle(iccid);
      this.throttles.set(iccid, throttle);
    }
    return throttle;
  };

  private async loadThrottle(iccid: string): Promise<SendThrottle> {
    const limits = this.options.limitsFor?.(iccid) ?? NO_THROTTLE;
    if (!limits.enabled) return new SendThrottle(limits);
    try {
      const since = this.options.clock.now() - DAY;
      return new SendThrottle(limits, await this.options.outbound.sendTimes(iccid, since));
    } catch (error) {
      this.throttles.delete(iccid);
      throw error;
    }
  }

  /** Something changed: route at the end of this turn (many wakes, one routing pass). */
  wake = (): void => {
    if (this.routeQueued || this.stopped) return;
    this.routeQueued = true;
    queueMicrotask(() => {
      this.routeQueued = false;
      this.startRouting();
    });
  };

  start(): void {
    this.stopped = false;
  }

  /** Routes no more; resolves once a pass in progress is done (the store stays open till then). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.options.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
    await this.routing;
  }

  private startRouting(): void {
    if (this.stopped) return;
    if (this.routing) {
      this.routeAgain = true;
      return;
    }
    this.routing = this.route()
      .catch((error: unknown) => {
        this.options.logger.error({ err: describeError(error) }, 'routing outbound SMS failed');
      })
      .finally(() => {
        this.routing = null;
        if (this.routeAgain) {
          this.routeAgain = false;
          this.wake();
        }
      });
  }

  private async route(): Promise<void> {
    const at = this.options.clock.now();
    let free = await this.freeCandidates(at);
    if (free.length === 0) return;
    const offLimits = await this.options.outbound.simsOffLimits();
    free = free.filter((c) => !offLimits.disabled.has(c.iccid));
    if (free.length === 0) return;
    const rented = this.options.sendFromRentedSims ? null : offLimits.rented;
    let earliest = Number.POSITIVE_INFINITY;
    // Messages bound to a SIM are listed only when that SIM may send now: a backlog for one
    // resting SIM must not hide the work another free SIM could take.
    const senders = {
      ready: free.filter((c) => c.nextAt <= at).map((c) => c.iccid),
      urgentReady: free.filter((c) => c.urgentNextAt <= at).map((c) => c.iccid),
    };
    // A few more than free workers: some wait for a throttle or avoid the SIM that failed them.
    const messages = await this.options.outbound.listRoutable(at, free.length * 4 + 16, senders);
    if (this.stopped) return;
    // Still free after the reads (a modem may have gone offline or stopped meanwhile).
    free = free.filter((c) => c.worker.available && c.worker.modem.sendingIccid === c.iccid);
    for (const message of messages) {
      const choice = this.choose(message, free, rented, at);
      if ('worker' in choice) {
        free = free.filter((c) => c.worker !== choice.worker);
        choice.worker.take(message);
        if (free.length === 0) return;
      } else {
        earliest = Math.min(earliest, choice.retryAt);
      }
    }
    // A resting SIM may have bound work the query left out: look again when it may send.
    for (const c of free) if (c.nextAt > at) earliest = Math.min(earliest, c.nextAt);
    if (earliest !== Number.POSITIVE_INFINITY) this.wakeAt(earliest);
  }

  private async freeCandidates(at: number): Promise<Candidate[]> {
    const out: Candidate[] = [];
    for (const worker of [...this.workers]) {
      const iccid = worker.modem.sendingIccid;
      if (!worker.available || iccid === null) continue;
      const throttle = await this.throttleFor(iccid);
      // Loading the throttle may have taken a while: still free, still that SIM?
      if (!worker.available || worker.modem.sendingIccid !== iccid) continue;
      out.push({
        worker,
        iccid,
        throttle,
        nextAt: throttle.nextAllowedAt(at),
        urgentNextAt: throttle.nextAllowedAt(at, { urgent: true }),
      });
    }
    return out;
  }

  private choose(
    message: RoutableMessage,
    free: readonly Candidate[],
    rented: ReadonlySet<string> | null,
    at: number,
  ): Choice {
    const urgent = message.priority >= URGENT_PRIORITY;
    const readyAt = (c: Candidate) => (urgent ? c.urgentNextAt : c.nextAt);
    if (message.senderIccid !== null) {
      // Its SIM was asked for (or sent its first parts): only that SIM, whatever its rentals.
      const own = free.find((c) => c.iccid === message.senderIccid);
      if (!own) return NONE;
      return readyAt(own) <= at ? { worker: own.worker } : { retryAt: readyAt(own) };
    }
    const allowed = rented ? free.filter((c) => !rented.has(c.iccid)) : free;
    const avoiding = message.avoidUntil !== null && message.avoidUntil > at;
    const usable = allowed.filter(
      (c) => readyAt(c) <= at && !(avoiding && c.iccid === message.avoidIccid),
    );
    if (usable.length === 0) {
      const waits = allowed.map((c) =>
        avoiding && c.iccid === message.avoidIccid
          ? Math.max(readyAt(c), message.avoidUntil)
          : readyAt(c),
      );
      return waits.length === 0 ? NONE : { retryAt: Math.min(...waits) };
    }
    const local = usable.filter(
      (c) => message.toCountry !== null && c.worker.modem.country === message.toCountry,
    );
    return { worker: leastLoaded(local.length > 0 ? local : usable, at) };
  }

  /** Routes again at `at` (a throttle window opens, an avoidance ends), unless sooner planned. */
  private wakeAt(at: number): void {
    if (this.timer && this.timer.at <= at) return;
    if (this.timer) this.options.clock.clearTimeout(this.timer.handle);
    const delay = Math.max(0, at - this.options.clock.now());
    const handle = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.wake();
    }, delay);
    this.timer = { handle, at };
  }
}

function leastLoaded(candidates: readonly Candidate[], at: number): SendWorker {
  let best = candidates[0]!;
  let bestLoad = best.throttle.sentWithin(at, HOUR);
  for (const candidate of candidates.slice(1)) {
    const load = candidate.throttle.sentWithin(at, HOUR);
    if (load < bestLoad || (load === bestLoad && candidate.iccid < best.iccid)) {
      best = candidate;
      bestLoad = load;
    }
  }
  return best.worker;
}

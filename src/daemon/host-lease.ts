/**
 * This host's hold on its id while the daemon runs (src/domain/hosts.ts): the session taken at
 * start, renewed every third of the lease, and the reaper of other hosts run right after each
 * renewal. A renewal that cannot reach the database is retried every second (the lease still
 * holds until its end); one that finds this host fenced stops the timers and calls `onFenced`,
 * once: another process has the host id now, and this one must stop driving its modems.
 */
import type { HostRegistryPort, HostSession, ReapedHost } from '../domain/index.js';
import { describeError, type Clock, type Logger, type TimerHandle } from '../shared/index.js';

export interface HostLeaseOptions {
  readonly hosts: HostRegistryPort;
  readonly hostId: string;
  readonly version: string;
  readonly leaseTtlMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Another process took this host id over: stop the modems' work. Called at most once. */
  readonly onFenced: () => void;
  /** This host has just reaped these dead hosts (called only when there were some). */
  readonly onReaped?: (hosts: readonly ReapedHost[]) => void;
}

export interface HostLease {
  readonly session: HostSession;
  /** One renewal (and, when it succeeded, one reaper pass) now; what the timer runs. */
  tick(): Promise<void>;
  /** Stops the timers, then ends the lease cleanly (its SIMs offline for the others at once). */
  stop(): Promise<void>;
}

/** Pause before renewing again after a failed renewal (capped by the renewal period). */
const RETRY_MS = 1000;

/** Takes the host id (refused with `host_id_in_use` while another process holds it) and keeps it. */
export async function startHostLease(options: HostLeaseOptions): Promise<HostLease> {
  const { hosts, clock, logger } = options;
  const session = await hosts.start({
    hostId: options.hostId,
    version: options.version,
    apiUrl: null,
    leaseTtlMs: options.leaseTtlMs,
  });
  const adopted = session.adopted;
  if (adopted.modems + adopted.sims + adopted.slots + adopted.simPlacements > 0) {
    logger.info({ hostId: session.hostId, ...adopted }, 'adopted the rows recorded before hosts');
  }
  logger.info(
    { hostId: session.hostId, epoch: session.epoch, leaseTtlMs: options.leaseTtlMs },
    'host lease taken',
  );

  const period = Math.max(1, Math.floor(options.leaseTtlMs / 3));
  let timer: TimerHandle | undefined;
  let running: Promise<void> = Promise.resolve();
  let over = false;
  let lapseReported = false;

  const reportReaped = (reaped: readonly ReapedHost[]): void => {
    for (const host of reaped) {
      logger.warn(
        { ...host, sandboxFailure: `host ${host.hostId} stopped answering` },
        'host lease ended: its SIMs and modems are offline, its unsent parts and webhook ' +
          'deliveries queued again, its sandbox SMS and the modem actions asked of it failed',
      );
    }
  };

  let failing = false;
  let lockHeld = true;
  /** Renews; true when the next tick should come after a full period. */
  const renewAndReap = async (): Promise<boolean> => {
    let renewal;
    try {
      renewal = await session.renew();
    } catch (error) {
      // One warning per outage, and one error once the lease may have run out meanwhile.
      if (!failing)
        logger.warn({ err: describeError(error) }, 'host lease renewal failed; retrying');
      failing = true;
      if (clock.now() >= session.leaseUntil && !lapseReported) {
        lapseReported = true;
        logger.error(
          { err: describeError(error), leaseUntil: session.leaseUntil },
          'host lease may have expired: other hosts may take this host offline and hand its ' +
            'work to others; still retrying',
        );
      }
      return false;
    }
    if (!renewal.ok) {
      over = true;
      logger.error(
        { hostId: session.hostId, epoch: session.epoch },
        'this host was fenced: another process took its host id over after its lease ' +
          'expired; stopping its modem work',
      );
      options.onFenced();
      return true;
    }
    if (failing) logger.info({ leaseUntil: renewal.leaseUntil }, 'host lease renewed again');
    failing = false;
    if (lockHeld && !renewal.lockHeld) {
      logger.warn(
        'the host lock connection was lost: until it is taken again, only the lease keeps ' +
          'another process from starting with this host id',
      );
    } else if (!lockHeld && renewal.lockHeld) {
      logger.info('host lock taken again');
    }
    lockHeld = renewal.lockHeld;
    lapseReported = false;
    try {
      const reaped = await session.reapDeadHosts();
      reportReaped(reaped);
      if (reaped.length > 0) options.onReaped?.(reaped);
    } catch (error) {
      logger.warn({ err: describeError(error) }, 'reaping dead hosts failed');
    }
    return true;
  };

  const schedule = (ms: number): void => {
    if (over) return;
    timer = clock.setTimeout(() => {
      running = renewAndReap().then((onTime) =>
        schedule(onTime ? period : Math.min(RETRY_MS, period)),
      );
    }, ms);
  };
  schedule(period);

  return {
    session,
    async tick() {
      await running;
      await renewAndReap();
    },
    async stop() {
      over = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      await running;
      await session.stop();
    },
  };
}

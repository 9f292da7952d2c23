/**
 * ModemDriver: one modem, from opening its port to giving up on it.
 *
 *   start ─► open link ─► init ─► ready/degraded ─► (work queue: reads > sweeps > health > sends)
 *              │            │            │
 *              └────────────┴────────────┴─► recovering (ladder) ─► ready/degraded | offline
 *
 * Everything the modem does goes through the work queue (one item at a time), except the
 * recovery ladder, which runs while the queue is paused. Modem problems never throw out of the
 * public methods and the driver never emits 'error': they become states, events and outcomes.
 */
import { EventEmitter } from 'node:events';
import type { AtEngine } from '../at/index.js';
import { SimpoolError, describeError, silentLogger, systemClock } from '../shared/index.js';
import type { Clock, Logger } from '../shared/index.js';
import type { LinkFactory } from '../transport/index.js';
import type {
  ModemDriverEvents,
  ModemDriverOptions,
  ModemHealth,
  ModemInfo,
  ModemState,
  ModemTiming,
  RecoveryStep,
  SendJournal,
  SendOutcome,
  SimInfo,
  SimStatus,
  StateChangeReason,
  SubmitPdu,
} from './contract.js';
import { CallTracker } from './calls.js';
import { Lifetime } from './helpers.js';
import { DEFAULT_MODEM_TIMING } from './timing.js';
import { StorageTracker, sweepStorage } from './inbound.js';
import { initializeModem, type InitContext, type InitResult, type SimSetup } from './init.js';
import { DriverMonitor } from './monitor.js';
import type { VendorProfile } from './profiles.js';
import { runRecoveryLadder, type RecoveryHost } from './recovery.js';
import { failure, submitPart } from './send.js';
import { StoredSubmits } from './stored-submits.js';
import { Session } from './session.js';
import { ModemStateMachine } from './state-machine.js';
import { requestUssd } from './ussd.js';
import { WorkPriority, WorkQueue } from './work-queue.js';

export interface ModemDriverDeps {
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export type ModemDriverConfig = ModemDriverOptions & ModemDriverDeps;

export class ModemDriver extends EventEmitter<ModemDriverEvents> {
  readonly address: string;
  info: ModemInfo | null = null;
  sim: SimInfo | null = null;
  health: ModemHealth | null = null;
  simStatus: SimStatus = 'unknown';

  /** Internals shared with DriverMonitor (URCs, health, timers); not part of the API. */
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timing: ModemTiming;
  readonly queue = new WorkQueue();
  readonly lifetime: Lifetime;
  readonly machine: ModemStateMachine;
  /** Incoming voice calls: tracked from URCs, rejected or ignored per `options.calls`. */
  readonly calls: CallTracker;
  storage: StorageTracker | null = null;
  vendor: VendorProfile | null = null;
  session: Session | null = null;
  stopping = false;
  /** Outgoing messages in modem storage (AT+CMGW/CMSS): sending, and settling after a crash. */
  readonly stored: StoredSubmits = new StoredSubmits(this);

  private readonly monitor: DriverMonitor;
  private factory: LinkFactory;
  private readonly refusedPins = new Set<string>();
  private recovery: Promise<void> | null = null;
  private startPromise: Promise<void> | null = null;
  private stopPromise: Promise<void> | null = null;
  private pendingSweep: Promise<number> | null = null;

  constructor(readonly options: ModemDriverConfig) {
    super();
    this.address = options.address;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ modem: options.address });
    this.timing = { ...DEFAULT_MODEM_TIMING, ...options.timing };
    this.factory = options.linkFactory;
    this.lifetime = new Lifetime(this.clock);
    this.machine = new ModemStateMachine((change) => {
      this.logger.info(change, 'modem state');
      this.safeEmit('state', change);
    });
    this.monitor = new DriverMonitor(this);
    this.calls = new CallTracker(this, options.calls ?? { onIncoming: 'reject' });
  }

  get state(): ModemState {
    return this.machine.state;
  }

  /** Resolves once ready/degraded (after the first sweep) or offline. Never rejects. */
  start(): Promise<void> {
    this.startPromise ??= this.run().catch((error: unknown) => {
      this.logger.error({ error: describeError(error) }, 'start failed unexpectedly');
    });
    return this.startPromise;
  }

  /**
   * Finishes the work item in flight, rejects the queued ones, closes the link, offline.
   * `portGone`: the port vanished (unplugged): nothing in flight can finish on it, so the link is
   * closed first instead of waiting out its command timeouts (a sweep's AT+CMGL allows 60 s).
   */
  stop(options: { portGone?: boolean } = {}): Promise<void> {
    if (options.portGone === true && this.session) {
      this.stopping = true;
      this.session.engine.close().catch((error: unknown) => {
        this.logger.debug({ error: describeError(error) }, 'closing a vanished port failed');
      });
    }
    this.stopPromise ??= this.shutdown();
    return this.stopPromise;
  }

  /**
   * Queues one part (lowest priority). Always resolves with an outcome. `journal` is told (and
   * awaited) before the modem can transmit: see SendJournal.
   */
  async send(part: SubmitPdu, journal?: SendJournal): Promise<SendOutcome> {
    if (this.stopping) return failure('modem_stopped');
    if (this.state === 'offline') return failure('modem_offline');
    try {
      return await this.runItem(WorkPriority.send, (engine) =>
        submitPart(this.stored.sendContext(engine), part, journal),
      );
    } catch {
      return failure(this.stopping ? 'modem_stopped' : 'modem_offline');
    }
  }

  /** Commits and deletes everything in modem storage; resolves with how many were committed. */
  sweep(): Promise<number> {
    if (this.pendingSweep) return this.pendingSweep;
    if (this.stopping || this.state === 'offline') return Promise.resolve(0);
    let started = false;
    // A queued sweep is shared by every request; once it runs, a new request queues a new one
    // (SMS may have arrived since its listing). p-queue may start the task synchronously.
    const sweep = this.runItem(WorkPriority.sweep, async (engine) => {
      started = true;
      this.pendingSweep = null;
      const ctx = this.monitor.inboundContext(engine);
      if (!ctx) return 0;
      const result = await sweepStorage(ctx);
      return result.committed;
    }).catch((error: unknown) => {
      if (!started) this.pendingSweep = null;
      this.logger.warn({ error: describeError(error) }, 'sweep failed');
      return 0;
    });
    if (!started) this.pendingSweep = sweep;
    return sweep;
  }

  /** Runs `task` as one work item on the current engine; failures are noted, then rethrown. */
  runItem<T>(priority: number, task: (engine: AtEngine) => Promise<T>): Promise<T> {
    return this.queue.run(priority, async () => {
      const engine = this.session?.isOpen === true ? this.session.engine : null;
      if (!engine) throw new SimpoolError('modem_offline', 'no open link to the modem');
      try {
        return await task(engine);
      } catch (error) {
        this.monitor.noteFailure(error);
        throw error;
      }
    });
  }

  initContext(engine: AtEngine): InitContext {
    return {
      engine,
      logger: this.logger,
      timing: this.timing,
      lifetime: this.lifetime,
      pins: this.options.pins ?? {},
      numbers: this.options.numbers ?? {},
      refusedPins: this.refusedPins,
    };
  }

  /** Takes over what an init (or a later SIM setup) found, and tells listeners. */
  applySim(setup: SimSetup): void {
    this.simStatus = setup.status;
    this.sim = setup.sim;
    this.storage = setup.sms ? new StorageTracker(setup.sms.storage) : null;
    if (this.info) this.safeEmit('identity', { info: this.info, sim: this.sim });
  }

  applyInit(result: InitResult): void {
    if (this.info && this.info.imei !== result.info.imei) {
      this.logger.warn({ was: this.info.imei, now: result.info.imei }, 'a different modem answers');
    }
    this.info = result.info;
    this.vendor = result.vendor;
    this.applySim(result);
  }

  /** Never lets a listener's exception escape into AT handling. */
  safeEmit<K extends keyof ModemDriverEvents>(event: K, ...args: ModemDriverEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: ModemDriverEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      this.logger.error({ event, error: describeError(error) }, 'modem event listener threw');
    }
  }

  private async run(): Promise<void> {
    if (!(await this.reopen())) {
      if (this.stopping) return;
      this.machine.transition('recovering', 'link_open_failed');
      return this.recover();
    }
    if (this.stopping) return;
    this.machine.transition('initializing', 'link_opened');
    if (!(await this.reinit())) {
      if (this.stopping) return;
      this.machine.transition('recovering', 'init_failed');
      return this.recover();
    }
    await this.becomeOperational();
  }

  /** After a successful init: health, state, queue, timers, first sweep. */
  private async becomeOperational(): Promise<void> {
    if (this.stopping) return;
    await this.monitor.checkHealthNow();
    if (this.stopping) return;
    this.monitor.evaluate(true);
    this.queue.resume();
    this.monitor.armTimers();
    if (this.simStatus === 'ready') await this.sweep();
  }

  /** Leaves ready/degraded for the recovery ladder (no-op while starting or recovering). */
  triggerRecovery(reason: StateChangeReason): void {
    if (this.stopping || this.recovery) return;
    if (this.state !== 'ready' && this.state !== 'degraded') return;
    this.logger.warn({ reason }, 'modem needs recovery');
    this.machine.transition('recovering', reason);
    // An operator's reset means a reset: the gentler rungs would "succeed" on a healthy modem.
    const from = reason === 'operator_reset' ? 'modem_reset' : 'resync';
    this.recovery = this.recover(from).catch((error: unknown) => {
      this.logger.error({ error: describeError(error) }, 'recovery failed unexpectedly');
    });
  }

  /**
   * The operator's reset (admin API): AT+CFUN=1,1, the modem found again and initialised, then
   * the rest of the ladder if it does not come back. False when the modem is not running
   * (starting, already recovering, offline, stopping).
   */
  reset(): boolean {
    if (this.stopping || this.recovery) return false;
    if (this.state !== 'ready' && this.state !== 'degraded') return false;
    this.triggerRecovery('operator_reset');
    return true;
  }

  /** Sends a USSD code as one work item; resolves with the network's answer. */
  ussd(code: string): Promise<string> {
    if (this.stopping || this.state === 'offline') {
      return Promise.reject(new SimpoolError('modem_offline', `modem ${this.address} is offline`));
    }
    return this.runItem(WorkPriority.health, (engine) => requestUssd(engine, code, this.clock));
  }

  private async recover(from: RecoveryStep = 'resync'): Promise<void> {
    this.monitor.clearTimers();
    this.queue.pause();
    let ok = false;
    try {
      ok = await runRecoveryLadder(this.recoveryHost(), from);
    } catch (error) {
      if (!this.stopping) throw error;
    } finally {
      this.recovery = null;
    }
    if (this.stopping) return;
    if (ok) return this.becomeOperational();
    await this.release();
    this.machine.transition('offline', 'recovery_exhausted');
  }

  private recoveryHost(): RecoveryHost {
    return {
      logger: this.logger,
      clock: this.clock,
      timing: this.timing,
      lifetime: this.lifetime,
      imei: this.info?.imei ?? null,
      relocate: this.options.relocate,
      powerCycle: this.options.powerCycle,
      engine: () => (this.session?.isOpen === true ? this.session.engine : null),
      reopen: (factory) => this.reopen(factory),
      closeLink: () => this.closeSession(),
      reinit: () => this.reinit(),
      report: (step, ok, detail) => {
        this.logger[ok ? 'info' : 'warn']({ step, ok, detail }, 'recovery step');
        this.safeEmit('recovery', { step, ok, detail });
      },
    };
  }

  /** Closes any session and opens a new one; remembers `factory` when it worked. */
  private async reopen(factory: LinkFactory = this.factory): Promise<boolean> {
    await this.closeSession();
    if (this.stopping) return false;
    try {
      this.session = await Session.open(
        factory,
        {
          clock: this.clock,
          logger: this.logger,
          engine: {
            defaultTimeoutMs: this.timing.commandTimeoutMs,
            resyncAttempts: this.timing.resyncAttempts,
            resyncTimeoutMs: this.timing.resyncTimeoutMs,
          },
        },
        this.monitor.sessionHandlers(),
      );
      this.factory = factory;
      if (this.stopping) await this.closeSession();
      return !this.stopping;
    } catch (error) {
      this.logger.warn({ error: describeError(error) }, 'cannot open the modem port');
      return false;
    }
  }

  private async closeSession(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.close(this.logger);
  }

  /** Runs the init sequence on the open session; false when the modem did not get through it. */
  private async reinit(): Promise<boolean> {
    const engine = this.session?.isOpen === true ? this.session.engine : null;
    if (!engine) return false;
    try {
      this.applyInit(await initializeModem(this.initContext(engine)));
      return true;
    } catch (error) {
      if (this.stopping) return false;
      this.logger.warn({ error: describeError(error) }, 'init failed');
      return false;
    }
  }

  /** Timers, queue, link: nothing of an offline driver stays alive. */
  private async release(): Promise<void> {
    this.monitor.clearTimers();
    this.queue.close(
      new SimpoolError(
        this.stopping ? 'modem_stopped' : 'modem_offline',
        `modem ${this.address} is offline`,
      ),
    );
    this.lifetime.end();
    this.calls.reset();
    await this.closeSession();
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.monitor.clearTimers();
    this.queue.pause();
    // The item in flight finishes (its command completes or times out): no half-sent prompt.
    await this.queue.settled();
    await this.release();
    await this.monitor.settled();
    await Promise.allSettled([this.recovery, this.startPromise]);
    this.machine.tryTransition('offline', 'stopped');
  }
}

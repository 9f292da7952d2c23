/**
 * What the driver watches while the modem runs: URCs (new SMS, registration, SIM, reboots),
 * periodic health and sweeps, command timeouts; and the state it derives from them
 * (ready ⇄ degraded, or recovering).
 */
import { isCmsError, type AtEngine, type AtUrc } from '../at/index.js';
import { describeError, isSimpoolError, type TimerHandle } from '../shared/index.js';
import type { ModemHealth, ModemState, RegistrationStatus, StateChangeReason } from './contract.js';
import type { ModemDriver } from './driver.js';
import { isSimMissing } from './helpers.js';
import { pollHealth, registrationOf, sameHealth, type RegistrationView } from './health.js';
import { registrationFromStat } from './identity.js';
import { commitDirect, readNotified, type InboundContext } from './inbound.js';
import { initializeModem, setupSim } from './init.js';
import type { SessionHandlers } from './session.js';
import { WorkPriority } from './work-queue.js';

/** Registration states that make the modem degraded; 'unknown' does not (no evidence). */
const UNREGISTERED: ReadonlySet<RegistrationStatus> = new Set([
  'not_registered',
  'searching',
  'denied',
]);

export class DriverMonitor {
  private readonly view: RegistrationView = { cs: 'unknown', eps: null, epsSupported: true };
  private degradedReason: StateChangeReason | null = null;
  private healthTimer: TimerHandle | null = null;
  private sweepTimer: TimerHandle | null = null;
  private healthQueued = false;
  private timeouts: number[] = [];
  private readonly direct = new Set<Promise<unknown>>();

  constructor(private readonly driver: ModemDriver) {}

  sessionHandlers(): SessionHandlers {
    const d = this.driver;
    return {
      urc: (urc) => this.onUrc(urc),
      resyncFailed: () => d.triggerRecovery('resync_failed'),
      timeout: () => {
        const now = d.clock.now();
        this.timeouts = [...this.timeouts.filter((t) => now - t < d.timing.timeoutWindowMs), now];
        if (this.timeouts.length >= d.timing.timeoutBurst) {
          this.timeouts = [];
          d.triggerRecovery('command_timeout');
        }
      },
      // What was read while out of step stays on the SIM (inbound.ts): a sweep collects it.
      desync: () => {
        if (this.operational) void d.sweep();
      },
      disconnected: (event) => {
        d.logger.warn({ reason: event.reason }, 'modem link lost');
        d.triggerRecovery('disconnected');
      },
    };
  }

  /** What inbound handling needs; null while the SIM or storage is unknown. */
  inboundContext(engine: AtEngine): InboundContext | null {
    const d = this.driver;
    if (!d.info || !d.sim || !d.storage) return null;
    return {
      engine,
      sink: d.options.sink,
      logger: d.logger,
      clock: d.clock,
      imei: d.info.imei,
      iccid: d.sim.iccid,
      storage: d.storage,
      delivered: (read) => d.safeEmit('inbound', { read }),
    };
  }

  private get operational(): boolean {
    const state: ModemState = this.driver.state;
    return !this.driver.stopping && (state === 'ready' || state === 'degraded');
  }

  private onUrc(urc: AtUrc): void {
    const d = this.driver;
    if (d.calls.onUrc(urc)) return;
    if (urc.type === 'stored_message') {
      const storage = urc.storage.toUpperCase();
      d.storage?.seen.add(storage);
      d.runItem(WorkPriority.inbound, async (engine) => {
        const ctx = this.inboundContext(engine);
        if (ctx) await readNotified(ctx, storage, urc.index);
      }).catch((error: unknown) => {
        // Left on the SIM: the next sweep finds it.
        d.logger.warn({ storage, index: urc.index, error: describeError(error) }, 'read failed');
      });
    } else if (urc.type === 'pdu' && urc.pdu !== null) {
      const engine = d.session?.engine;
      const ctx = engine ? this.inboundContext(engine) : null;
      if (!ctx) return d.logger.error({ urc: urc.lines }, 'direct PDU before identity: lost');
      const pending = commitDirect(ctx, urc.pdu).catch(() => false);
      this.direct.add(pending);
      void pending.finally(() => this.direct.delete(pending));
    } else if (urc.type === 'registration') {
      if (urc.name === '+CREG') this.view.cs = registrationFromStat(urc.stat);
      else if (urc.name === '+CEREG') this.view.eps = registrationFromStat(urc.stat);
      else return;
      if (d.health) this.updateHealth({ ...d.health, registration: registrationOf(this.view) });
      this.evaluate();
    } else if (urc.type === 'generic' && this.operational) {
      const value = urc.value?.toUpperCase() ?? '';
      if (urc.name === '+CPIN' && value !== 'READY' && d.simStatus === 'ready') this.simLost();
      else if (urc.name === '+CPIN' && value === 'READY' && d.simStatus !== 'ready') {
        this.queueHealth();
      } else if (urc.name === 'RDY') this.queueReinit();
      else if (urc.name === '^SMMEMFULL') void d.sweep();
    }
  }

  /** Called with every failed work item's error. */
  noteFailure(error: unknown): void {
    if (isSimMissing(error) && this.driver.simStatus === 'ready') this.simLost();
    // Memory full: the network stops delivering until storage is drained. Out of step with the
    // modem: what a read got was not trusted, so the SMS is still stored; sweep it up.
    if (isCmsError(error, 322) || isSimpoolError(error, 'at_desync')) void this.driver.sweep();
  }

  private simLost(): void {
    const d = this.driver;
    d.logger.warn('SIM lost');
    d.applySim({ status: 'absent', sim: null, sms: null });
    this.evaluate();
  }

  /**
   * Ready or degraded, from SIM and registration; the reason names what changed. While an init
   * runs (start, recovery) only the driver's final call (`settle`) may leave that state.
   */
  evaluate(settle = false): void {
    const d = this.driver;
    const state = d.state;
    if (d.stopping || state === 'offline' || state === 'connecting') return;
    if ((state === 'initializing' || state === 'recovering') && !settle) return;
    let to: ModemState = 'ready';
    let reason: StateChangeReason;
    if (d.simStatus !== 'ready') [to, reason] = ['degraded', 'sim_not_ready'];
    else if (UNREGISTERED.has(registrationOf(this.view))) {
      [to, reason] = ['degraded', 'not_registered'];
    } else if (state === 'initializing') reason = 'initialized';
    else if (state === 'recovering') reason = 'recovered';
    else reason = this.degradedReason === 'sim_not_ready' ? 'sim_ready' : 'registered';
    if (to === state && (to === 'ready' || reason === this.degradedReason)) return;
    d.machine.transition(to, reason);
    this.degradedReason = to === 'degraded' ? reason : null;
  }

  /** Health right after an init, outside the (still paused) queue. */
  async checkHealthNow(): Promise<void> {
    const engine = this.driver.session?.isOpen === true ? this.driver.session.engine : null;
    if (!engine) return;
    await this.healthOnce(engine).catch((error: unknown) => {
      this.driver.logger.warn({ error: describeError(error) }, 'health check after init failed');
    });
  }

  private async healthOnce(engine: AtEngine): Promise<void> {
    const d = this.driver;
    const poll = await pollHealth(engine, this.view);
    if (poll.sim === 'ABSENT' && d.simStatus === 'ready') this.simLost();
    else if (poll.sim !== null && poll.sim !== 'ABSENT' && d.simStatus !== 'ready') {
      // A SIM appeared or became ready: its part of init again (a refused PIN is not resent).
      if (d.vendor) d.applySim(await setupSim(d.initContext(engine), d.vendor));
    }
    this.updateHealth({
      signalDbm: poll.signalDbm,
      registration: registrationOf(this.view),
      operator: poll.operator,
      storageUsed: poll.storage?.used ?? null,
      storageTotal: poll.storage?.total ?? null,
      checkedAt: d.clock.now(),
    });
    if (poll.storage && poll.storage.total > 0 && poll.storage.used >= poll.storage.total) {
      void d.sweep();
    }
  }

  private updateHealth(next: ModemHealth): void {
    const d = this.driver;
    const changed = !sameHealth(d.health, next);
    d.health = next;
    if (changed) d.safeEmit('health', next);
  }

  private queueHealth(): void {
    if (this.healthQueued) return;
    this.healthQueued = true;
    const d = this.driver;
    d.runItem(WorkPriority.health, async (engine) => {
      this.healthQueued = false;
      const simWasReady = d.simStatus === 'ready';
      await this.healthOnce(engine);
      this.evaluate();
      // A SIM that just became usable may hold SMS that arrived before we could read them.
      if (!simWasReady && d.simStatus === 'ready') void d.sweep();
    }).catch((error: unknown) => {
      this.healthQueued = false;
      d.logger.warn({ error: describeError(error) }, 'health poll failed');
    });
  }

  /** `RDY` at runtime: the modem rebooted by itself and forgot CNMI, CMGF, CPMS. */
  private queueReinit(): void {
    const d = this.driver;
    d.logger.warn('the modem rebooted by itself: initialising again');
    d.runItem(WorkPriority.sweep, async (engine) => {
      d.applyInit(await initializeModem(d.initContext(engine)));
      await this.healthOnce(engine);
      this.evaluate();
    })
      .then(() => d.sweep())
      .catch((error: unknown) => d.logger.warn({ error: describeError(error) }, 're-init failed'));
  }

  armTimers(): void {
    const d = this.driver;
    if (!this.healthTimer) {
      this.healthTimer = d.clock.setTimeout(() => {
        this.healthTimer = null;
        this.queueHealth();
        if (this.operational) this.armTimers();
      }, d.options.healthIntervalMs ?? 30_000);
    }
    if (!this.sweepTimer) {
      this.sweepTimer = d.clock.setTimeout(() => {
        this.sweepTimer = null;
        if (d.simStatus === 'ready') void d.sweep();
        if (this.operational) this.armTimers();
      }, d.options.sweepIntervalMs ?? 60_000);
    }
  }

  clearTimers(): void {
    const { clock } = this.driver;
    if (this.healthTimer) clock.clearTimeout(this.healthTimer);
    if (this.sweepTimer) clock.clearTimeout(this.sweepTimer);
    this.healthTimer = null;
    this.sweepTimer = null;
  }

  /** Direct (+CDS) commits still running. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.direct]);
  }
}

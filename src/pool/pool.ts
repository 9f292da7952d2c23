import { EventEmitter } from 'node:events';
import type {
  CallPolicy,
  IncomingCall,
  ModemDriver,
  ModemState,
  ModemTiming,
  RecoveryStep,
} from '../modem/index.js';
import {
  describeError,
  silentLogger,
  systemClock,
  type Clock,
  type Logger,
  type TimerHandle,
} from '../shared/index.js';
import { DEFAULT_REASSEMBLY_TIMEOUT_MS } from '../sms/index.js';
import { linkFactoryFor, type LinkFactory } from '../transport/index.js';
import { AttachedModem } from './attached-modem.js';
import { InboundPipeline } from './inbound-pipeline.js';
import type {
  DeliveryGuarantee,
  InboundRepository,
  InventoryRepository,
  OutboundRepository,
  StoredInboundMessage,
} from './ports.js';
import { runPowerCycle } from './power-cycle.js';
import { SendRouter } from './send-router.js';
import { SilentPorts } from './silent-ports.js';
import type { ThrottleLimits } from './send-throttle.js';
import { WriteBatch } from './write-batch.js';
import { probePort } from './probe.js';
import { expandSources, type ModemSource } from './sources.js';

export interface FixedSlot {
  readonly address: string;
  readonly linkFactory: LinkFactory;
}

export interface ModemPoolOptions {
  /** Device paths, globs and tcp:// URLs, watched for modems coming and going. */
  readonly sources: readonly ModemSource[];
  /** Modems that are always there (the built-in simulated ones). */
  readonly fixedSlots?: readonly FixedSlot[];
  readonly inventory: InventoryRepository;
  readonly inbound: InboundRepository;
  readonly outbound: OutboundRepository;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly pins?: Readonly<Record<string, string>>;
  readonly numbers?: Readonly<Record<string, string>>;
  readonly healthIntervalMs?: number;
  readonly sweepIntervalMs?: number;
  /** How often device paths are rescanned for hotplug. Default 2 s. */
  readonly hotplugIntervalMs?: number;
  /** A shell command that power-cycles the modem at `{device}`; optional last rung of recovery. */
  readonly powerCycleCommand?: string;
  readonly reassemblyTimeoutMs?: number;
  readonly sendPollMs?: number;
  /** Per-SIM send limits; default none (the daemon passes its `messaging` config). */
  readonly throttleFor?: (iccid: string) => ThrottleLimits;
  /** SIMs in an open rental order may send messages routing picks a SIM for. Default false. */
  readonly sendFromRentedSims?: boolean;
  /** Attempts of a part (temporary failures) before its message fails. Default 5. */
  readonly maxSendAttempts?: number;
  /** A part that may have gone out when nothing can tell: `unknown` (default) or sent again. */
  readonly deliveryGuarantee?: DeliveryGuarantee;
  /** Delays and bounds of the drivers' init and recovery ladder (defaults: DEFAULT_MODEM_TIMING). */
  readonly timing?: Partial<ModemTiming>;
  /** Incoming voice calls: rejected (default) or left ringing. */
  readonly calls?: CallPolicy;
  /** How a device address becomes a link; the default opens serial ports and tcp://. */
  readonly linkFactoryFor?: (address: string) => LinkFactory;
}

export interface ModemStatus {
  readonly address: string;
  readonly state: ModemState;
  readonly imei: string | null;
  readonly iccid: string | null;
  /** From the last health poll; null before it or when the modem reports no signal. */
  readonly signalDbm: number | null;
}

export interface ModemPoolEvents {
  attached: [{ readonly address: string }];
  detached: [{ readonly address: string }];
  state: [
    {
      readonly address: string;
      readonly from: ModemState;
      readonly to: ModemState;
      readonly reason: string;
    },
  ];
  /** A rung of a modem's recovery ladder was tried (resync … power_cycle, give_up). */
  recovery: [
    {
      readonly address: string;
      readonly step: RecoveryStep;
      readonly ok: boolean;
      readonly detail: string;
    },
  ];
  message: [StoredInboundMessage];
  /** An incoming voice call on a modem ended (the store records it through the domain). */
  call: [IncomingCall & { readonly address: string }];
}

/** An offline modem at an address that is still there is started again after this long. */
const RESTART_BACKOFF_MS = 30_000;
const EXPIRY_CHECK_MS = 10 * 60_000;

/**
 * Every modem of the host: discovery (configured paths, globs, tcp://, simulated), probing for
 * the AT port, hotplug (a port that appears is probed and attached, one that vanishes is
 * detached and its SIM marked offline), inbound SMS into the store, and queued SMS out.
 */
export class ModemPool extends EventEmitter<ModemPoolEvents> {
  readonly pipeline: InboundPipeline;
  private readonly attached = new Map<string, AttachedModem>();
  /** Second AT ports of attached modems: skipped until gone. */
  private readonly ignored = new Set<string>();
  /** Ports that answered no AT: probed again now and then (silent-ports.ts). */
  private readonly silent = new SilentPorts();
  private readonly offlineSince = new Map<string, number>();
  private readonly probedImei = new Map<string, string>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly openLink: (address: string) => LinkFactory;
  private hotplugTimer: TimerHandle | undefined;
  private expiryTimer: TimerHandle | undefined;
  private sendPollTimer: TimerHandle | undefined;
  private readonly router: SendRouter;
  private readonly writes: WriteBatch;
  private scanning: Promise<void> | undefined;
  /** The send poll's or the expiry's store work in progress: awaited before the store closes. */
  private readonly ticks = new Set<Promise<void>>();
  private stopped = false;

  private get guarantee(): DeliveryGuarantee {
    return this.options.deliveryGuarantee ?? 'at-most-once';
  }

  constructor(private readonly options: ModemPoolOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.openLink =
      options.linkFactoryFor ?? ((address) => linkFactoryFor(address, { logger: this.logger }));
    this.writes = new WriteBatch((steps) => options.outbound.applySendSteps(steps));
    this.router = new SendRouter({
      outbound: options.outbound,
      clock: this.clock,
      logger: this.logger,
      ...(options.throttleFor ? { limitsFor: options.throttleFor } : {}),
      sendFromRentedSims: options.sendFromRentedSims ?? false,
    });
    this.pipeline = new InboundPipeline(options.inbound, {
      clock: this.clock,
      logger: this.logger,
    });
    this.pipeline.on('ingested', ({ result }) => {
      if (result.kind === 'message') this.emit('message', result.message);
    });
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.router.start();
    // Committed before the first modem is attached: no part is claimed before it.
    const interrupted = await this.options.outbound.requeueInterrupted(
      this.clock.now(),
      this.guarantee,
    );
    if (interrupted.requeued + interrupted.unknown + interrupted.awaitingSlot > 0) {
      this.logger.warn(
        { ...interrupted, guarantee: this.guarantee },
        'parts interrupted by a stop: unsent ones queued again, those in modem storage settled ' +
          'by their SIM, those sent with AT+CMGS by the delivery guarantee',
      );
    }
    for (const slot of this.options.fixedSlots ?? []) this.attach(slot.address, slot.linkFactory);
    await this.rescan();
    this.scheduleHotplug();
    this.scheduleExpiry();
    this.scheduleSendPoll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.hotplugTimer !== undefined) this.clock.clearTimeout(this.hotplugTimer);
    if (this.expiryTimer !== undefined) this.clock.clearTimeout(this.expiryTimer);
    if (this.sendPollTimer !== undefined) this.clock.clearTimeout(this.sendPollTimer);
    await this.router.stop();
    await this.scanning;
    await Promise.all([...this.attached.keys()].map((address) => this.detach(address)));
    await Promise.all(this.ticks);
    await this.writes.idle();
  }

  modems(): ModemStatus[] {
    return [...this.attached.values()].map((m) => ({
      address: m.address,
      state: m.driver.state,
      imei: m.imei,
      iccid: m.driver.sim?.iccid ?? null,
      signalDbm: m.driver.health?.signalDbm ?? null,
    }));
  }

  /** Outbound work was queued (or may have become due): route it to free modems now. */
  wakeSenders(): void {
    this.router.wake();
  }

  /** One hotplug pass; runs on a timer, callable directly (tests, a udev hook). */
  rescan(): Promise<void> {
    this.scanning ??= this.scanOnce().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    const present = new Set(await expandSources(this.options.sources));
    const fixed = new Set((this.options.fixedSlots ?? []).map((s) => s.address));
    for (const address of [...this.attached.keys()]) {
      if (!present.has(address) && !fixed.has(address)) {
        this.logger.warn({ modem: address }, 'modem port vanished');
        await this.detach(address, { portGone: true });
      }
    }
    for (const address of [...this.ignored])
      if (!present.has(address)) this.ignored.delete(address);
    this.silent.keepOnly(present);
    for (const address of present) {
      if (this.stopped) return;
      if (this.attached.has(address) || this.ignored.has(address)) continue;
      if (this.silent.waiting(address, this.clock.now())) continue;
      await this.probeAndAttach(address);
    }
    await this.restartOffline();
  }

  private async probeAndAttach(address: string): Promise<void> {
    const factory = this.openLink(address);
    const probe = await probePort(factory, { clock: this.clock, logger: this.logger });
    if (!probe.answers) {
      this.logger.info(
        { port: address, reason: probe.reason },
        'port does not answer AT; probed again later',
      );
      this.silent.failed(address, this.clock.now());
      return;
    }
    this.silent.forget(address);
    const twin = probe.imei ? this.findByImei(probe.imei) : undefined;
    if (twin) {
      this.logger.info(
        { port: address, modem: twin.address },
        'second AT port of an attached modem; ignored',
      );
      this.ignored.add(address);
      return;
    }
    this.attach(address, factory, probe.imei);
  }

  private findByImei(imei: string): AttachedModem | undefined {
    // The probe's IMEI counts before the driver has identified the modem: two AT ports of one
    // modem are probed back to back, long before the first one's init is done.
    return [...this.attached.values()].find(
      (m) => (m.imei ?? this.probedImei.get(m.address)) === imei && m.driver.state !== 'offline',
    );
  }

  private attach(
    address: string,
    linkFactory: LinkFactory,
    probedImei: string | null = null,
  ): void {
    if (probedImei) this.probedImei.set(address, probedImei);
    const command = this.options.powerCycleCommand;
    const modem = new AttachedModem(
      address,
      {
        linkFactory,
        sink: this.pipeline,
        ...(this.options.pins ? { pins: this.options.pins } : {}),
        ...(this.options.numbers ? { numbers: this.options.numbers } : {}),
        ...(this.options.healthIntervalMs
          ? { healthIntervalMs: this.options.healthIntervalMs }
          : {}),
        ...(this.options.sweepIntervalMs ? { sweepIntervalMs: this.options.sweepIntervalMs } : {}),
        ...(this.options.timing ? { timing: this.options.timing } : {}),
        ...(this.options.calls ? { calls: this.options.calls } : {}),
        relocate: (imei) => this.relocate(imei),
        ...(command ? { powerCycle: () => runPowerCycle(command, address) } : {}),
      },
      {
        inventory: this.options.inventory,
        outbound: this.options.outbound,
        router: this.router,
        writes: this.writes,
        guarantee: this.guarantee,
        ...(this.options.maxSendAttempts === undefined
          ? {}
          : { maxSendAttempts: this.options.maxSendAttempts }),
        clock: this.clock,
        logger: this.logger,
      },
    );
    modem.driver.on('state', ({ from, to, reason }) => {
      if (to === 'offline') this.offlineSince.set(address, this.clock.now());
      else this.offlineSince.delete(address);
      this.emit('state', { address, from, to, reason });
    });
    modem.driver.on('recovery', (event) => this.emit('recovery', { address, ...event }));
    modem.driver.on('call', (call) => this.emit('call', { address, ...call }));
    this.attached.set(address, modem);
    this.emit('attached', { address });
    this.logger.info({ modem: address }, 'modem attached');
    modem.start().catch((error: unknown) => {
      this.logger.error({ modem: address, err: describeError(error) }, 'modem start failed');
    });
  }

  private async detach(address: string, options: { portGone?: boolean } = {}): Promise<void> {
    const modem = this.attached.get(address);
    if (!modem) return;
    this.attached.delete(address);
    this.offlineSince.delete(address);
    this.probedImei.delete(address);
    await modem.stop(options).catch((error: unknown) => {
      this.logger.error({ modem: address, err: describeError(error) }, 'modem stop failed');
    });
    this.emit('detached', { address });
    this.logger.info({ modem: address }, 'modem detached');
  }

  /**
   * After AT+CFUN=1,1 a modem re-enumerates, perhaps under another name: the port not yet
   * attached that answers with this IMEI.
   */
  private async relocate(imei: string): Promise<LinkFactory | null> {
    const present = await expandSources(this.options.sources);
    for (const address of present) {
      if (this.attached.has(address)) continue;
      const factory = this.openLink(address);
      const probe = await probePort(factory, { clock: this.clock, logger: this.logger });
      if (probe.answers && probe.imei === imei) {
        this.logger.info({ imei, port: address }, 'modem found again after reset');
        return factory;
      }
    }
    return null;
  }

  /** Offline modems whose port is still there get a fresh start now and then. */
  private async restartOffline(): Promise<void> {
    const now = this.clock.now();
    for (const [address, since] of [...this.offlineSince]) {
      const modem = this.attached.get(address);
      if (!modem || now - since < RESTART_BACKOFF_MS) continue;
      const fixed = this.options.fixedSlots?.find((s) => s.address === address);
      await this.detach(address);
      if (fixed) this.attach(address, fixed.linkFactory);
      else await this.probeAndAttach(address);
    }
  }

  private scheduleHotplug(): void {
    if (this.stopped) return;
    this.hotplugTimer = this.clock.setTimeout(() => {
      this.rescan()
        .catch((error: unknown) =>
          this.logger.error({ err: describeError(error) }, 'hotplug scan failed'),
        )
        .finally(() => this.scheduleHotplug());
    }, this.options.hotplugIntervalMs ?? 2000);
  }

  /**
   * Queued SMS can come from another process (`simpool send`), fall due after a retry pause or
   * pass their `valid_until`: one cheap look at the queue for the whole pool, and routing runs
   * only when needed.
   */
  private scheduleSendPoll(): void {
    this.sendPollTimer = this.scheduleTick(this.options.sendPollMs ?? 1000, async () => {
      try {
        const now = this.clock.now();
        for (const id of await this.options.outbound.expireDue(now)) {
          this.logger.info({ messageId: id }, 'SMS expired before it could be sent');
        }
        if (await this.options.outbound.hasClaimable(now)) this.wakeSenders();
      } catch (error) {
        this.logger.error({ err: describeError(error) }, 'outbound queue check failed');
      }
      this.scheduleSendPoll();
    });
  }

  /** Multiparts whose missing parts never came are delivered flagged incomplete. */
  private scheduleExpiry(): void {
    this.expiryTimer = this.scheduleTick(EXPIRY_CHECK_MS, async () => {
      try {
        const now = this.clock.now();
        const timeout = this.options.reassemblyTimeoutMs ?? DEFAULT_REASSEMBLY_TIMEOUT_MS;
        for (const message of await this.options.inbound.expireIncomplete(now - timeout, now)) {
          this.emit('message', message);
        }
      } catch (error) {
        this.logger.error({ err: describeError(error) }, 'multipart expiry failed');
      }
      this.scheduleExpiry();
    });
  }

  /**
   * Runs `tick` after `delayMs` unless stopped. The tick schedules its successor when it is done,
   * so a slow store never has two ticks of one kind running at once; stop() awaits a tick in
   * progress before the store may close.
   */
  private scheduleTick(delayMs: number, tick: () => Promise<void>): TimerHandle | undefined {
    if (this.stopped) return undefined;
    return this.clock.setTimeout(() => {
      if (this.stopped) return;
      const running = tick().finally(() => this.ticks.delete(running));
      this.ticks.add(running);
    }, delayMs);
  }

  /**
   * The driver of the modem attached at `address` (admin views: identity, health, SIM; and the
   * operator's reset and USSD), undefined when nothing is attached there.
   */
  driverAt(address: string): ModemDriver | undefined {
    return this.attached.get(address)?.driver;
  }
}

import {
  ModemDriver,
  type ModemDriverOptions,
  type ModemHealth,
  type ModemInfo,
  type ModemState,
  type SimInfo,
} from '../modem/index.js';
import { describeError, type Clock, type Logger } from '../shared/index.js';
import type {
  DeliveryGuarantee,
  InventoryRepository,
  OutboundRepository,
  SimStatus,
} from './ports.js';
import type { SendRouter } from './send-router.js';
import { SendWorker } from './send-worker.js';
import type { WriteBatch } from './write-batch.js';

export interface AttachedModemDeps {
  readonly inventory: InventoryRepository;
  readonly outbound: OutboundRepository;
  readonly router: SendRouter;
  readonly writes: WriteBatch;
  readonly maxSendAttempts?: number;
  readonly guarantee: DeliveryGuarantee;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Where the network takes SMS from this SIM. */
const REGISTERED = new Set(['home', 'roaming']);

const SIM_STATUS: Record<ModemState, SimStatus> = {
  connecting: 'offline',
  initializing: 'offline',
  ready: 'ready',
  degraded: 'degraded',
  recovering: 'degraded',
  offline: 'offline',
};

/**
 * One modem in the pool: its driver, the inventory kept up to date from the driver's events,
 * and the worker that sends queued SMS through it.
 */
export class AttachedModem {
  readonly driver: ModemDriver;
  private readonly sender: SendWorker;
  private lastIccid: string | null = null;
  /** The inventory writes asked for so far, in order (see recordInventory). */
  private inventoryWrites: Promise<void> = Promise.resolve();

  constructor(
    readonly address: string,
    options: Omit<ModemDriverOptions, 'address'>,
    private readonly deps: AttachedModemDeps,
  ) {
    this.driver = new ModemDriver({
      ...options,
      address,
      clock: deps.clock,
      logger: deps.logger,
    });
    const driver = this.driver;
    this.sender = new SendWorker(
      {
        // Only a ready modem whose SIM is registered on a network takes work from the queue.
        get sendingIccid() {
          const registration = driver.health?.registration;
          if (driver.state !== 'ready' || (registration && !REGISTERED.has(registration))) {
            return null;
          }
          return driver.sim?.iccid ?? null;
        },
        get country() {
          return driver.sim?.country ?? null;
        },
        send: (part, journal) => driver.send(part, journal),
        stored: driver.stored,
      },
      {
        outbound: deps.outbound,
        writes: deps.writes,
        clock: deps.clock,
        logger: deps.logger.child({ modem: address }),
        throttleFor: deps.router.throttleFor,
        onIdle: deps.router.wake,
        guarantee: deps.guarantee,
        ...(deps.maxSendAttempts === undefined ? {} : { maxAttempts: deps.maxSendAttempts }),
      },
    );
    deps.router.add(this.sender);
    this.driver.on('identity', ({ info, sim }) => this.recordIdentity(info, sim));
    this.driver.on('state', ({ to }) => this.recordState(to));
    this.driver.on('health', (health) => this.recordHealth(health));
  }

  get imei(): string | null {
    return this.driver.info?.imei ?? null;
  }

  async start(): Promise<void> {
    this.sender.start();
    await this.driver.start();
  }

  async stop(options: { portGone?: boolean } = {}): Promise<void> {
    // A vanished port is closed at once: the part in flight ends in doubt (settled from modem
    // storage when the SIM is back) instead of after its timeouts.
    if (options.portGone === true) void this.driver.stop({ portGone: true });
    // The part in flight is sent and recorded before the link closes: a stop sends nothing twice.
    await this.sender.stop();
    this.deps.router.remove(this.sender);
    await this.driver.stop();
    const at = this.deps.clock.now();
    const imei = this.imei;
    // After the writes of the driver's last events: a late `ready` must not undo this.
    if (imei) this.recordInventory((inventory) => inventory.markModemSimsOffline(imei, at));
    await this.inventoryWrites;
  }

  private recordIdentity(info: ModemInfo, sim: SimInfo | null): void {
    const at = this.deps.clock.now();
    const modem = {
      imei: info.imei,
      manufacturer: info.manufacturer,
      model: info.model,
      revision: info.revision,
      path: this.address,
      state: this.driver.state,
      at,
    };
    const previous = this.lastIccid && this.lastIccid !== sim?.iccid ? this.lastIccid : null;
    const status = SIM_STATUS[this.driver.state];
    this.recordInventory(async (inventory) => {
      await inventory.recordModem(modem);
      if (previous) await inventory.setSimStatus(previous, 'offline', at);
      if (sim) {
        await inventory.recordSim({
          iccid: sim.iccid,
          imsi: sim.imsi,
          msisdn: sim.msisdn,
          country: sim.country,
          operator: sim.operator,
          imei: info.imei,
          path: this.address,
          at,
        });
        await inventory.setSimStatus(sim.iccid, status, at);
      }
    });
    this.lastIccid = sim?.iccid ?? null;
  }

  private recordState(state: ModemState): void {
    const at = this.deps.clock.now();
    const imei = this.imei;
    const iccid = this.driver.sim?.iccid;
    this.recordInventory(async (inventory) => {
      if (imei) await inventory.setModemState(imei, state, at);
      if (iccid) await inventory.setSimStatus(iccid, SIM_STATUS[state], at);
    });
    if (state === 'ready') {
      this.sender.settleIfNeeded();
      this.deps.router.wake();
    }
  }

  private recordHealth(health: ModemHealth): void {
    // Registration may have changed whether this SIM can send.
    this.sender.settleIfNeeded();
    this.deps.router.wake();
    const iccid = this.driver.sim?.iccid;
    if (!iccid) return;
    const record = {
      signalDbm: health.signalDbm,
      registration: health.registration,
      operator: health.operator,
    };
    this.recordInventory((inventory) => inventory.recordSimHealth(iccid, record, health.checkedAt));
  }

  /**
   * Inventory writes are bookkeeping: a failing one is logged, never fatal to the modem. They
   * run one after the other in the order of the driver's events: a store across a network could
   * otherwise commit a SIM's `ready` after the `offline` that followed it.
   */
  private recordInventory(write: (inventory: InventoryRepository) => Promise<void>): void {
    this.inventoryWrites = this.inventoryWrites
      .then(() => write(this.deps.inventory))
      .catch((error: unknown) => {
        this.deps.logger.error(
          { err: describeError(error), modem: this.address },
          'inventory update failed',
        );
      });
  }
}

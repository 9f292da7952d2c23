/**
 * The admin API's view of the modems (ModemControlPort) over the pool: each modem as its driver
 * knows it now, a bounded timeline per modem (state changes, recovery steps, SMS, operator
 * actions), the recent errors, the operator's reset / USSD / test SMS, and a change signal for
 * the live feed. Timelines live in memory: a restart starts them afresh.
 */
import type { EventEmitter } from 'node:events';
import type { ModemControlPort, ModemEvent, ModemView, RecentError } from '../domain/index.js';
import type { ModemDriver } from '../modem/index.js';
import type { ModemPool, ModemPoolEvents, StoredInboundMessage } from '../pool/index.js';
import { SimpoolError, describeError, isSimpoolError, type Clock } from '../shared/index.js';

const EVENTS_PER_MODEM = 100;
const RECENT_ERRORS = 50;

export interface PoolModemsDeps {
  readonly pool: ModemPool;
  /** Queues an SMS from this SIM through the Messaging API's service (validation, routing,
   * history, events as for any message); resolves with its id. */
  readonly sendSms: (iccid: string, to: string, body: string) => Promise<string>;
  readonly clock: Clock;
}

export class PoolModems implements ModemControlPort {
  private readonly timelines = new Map<string, ModemEvent[]>();
  private readonly errors: RecentError[] = [];
  /** The rung being tried, per modem, while it is recovering. */
  private readonly steps = new Map<string, string>();
  private readonly listeners = new Set<(id: string) => void>();
  private readonly hooked = new WeakSet<ModemDriver>();
  private readonly offs: (() => void)[] = [];

  constructor(private readonly deps: PoolModemsDeps) {
    const { pool } = deps;
    this.on('attached', ({ address }) => {
      this.hook(address);
      this.note(address, 'attached', 'modem attached');
    });
    this.on('detached', ({ address }) => this.note(address, 'detached', 'modem detached'));
    this.on('state', ({ address, from, to, reason }) => {
      if (to !== 'recovering') this.steps.delete(address);
      this.note(address, 'state', `${from} → ${to} (${reason})`);
      if (to === 'offline' && reason !== 'stopped') this.error(address, `offline (${reason})`);
    });
    this.on('recovery', ({ address, step, ok, detail }) => {
      if (ok) this.steps.delete(address);
      else this.steps.set(address, step);
      this.note(address, 'recovery', `${step} ${ok ? 'succeeded' : 'failed'}: ${detail}`);
      if (!ok) this.error(address, `recovery ${step} failed: ${detail}`);
    });
    this.on('message', (message) => this.onMessage(message));
    for (const { address } of pool.modems()) this.hook(address);
  }

  /** Stops listening to the pool (daemon stop). */
  close(): void {
    for (const off of this.offs.splice(0)) off();
    this.listeners.clear();
  }

  list(): ModemView[] {
    return this.deps.pool
      .modems()
      .map((m) => this.get(m.address))
      .filter((v) => v !== undefined);
  }

  get(id: string): ModemView | undefined {
    const driver = this.deps.pool.driverAt(id);
    if (!driver) return undefined;
    const { info, sim, health } = driver;
    return {
      id,
      imei: info?.imei ?? null,
      manufacturer: info?.manufacturer ?? null,
      model: info?.model ?? null,
      state: driver.state,
      signalDbm: health?.signalDbm ?? null,
      registration: health?.registration ?? null,
      operator: health?.operator ?? sim?.operator ?? null,
      iccid: sim?.iccid ?? null,
      number: sim?.msisdn ?? null,
      country: sim?.country ?? null,
      recoveryStep: driver.state === 'recovering' ? (this.steps.get(id) ?? 'starting') : null,
    };
  }

  events(id: string): ModemEvent[] {
    return [...(this.timelines.get(id) ?? [])].reverse();
  }

  recentErrors(): RecentError[] {
    return [...this.errors].reverse();
  }

  reset(id: string): Promise<void> {
    const driver = this.driver(id);
    if (!driver.reset()) {
      throw new SimpoolError(
        'bad_status',
        `modem ${id} is ${driver.state}: it cannot be reset now`,
      );
    }
    this.note(id, 'reset', 'reset requested by the operator');
    return Promise.resolve();
  }

  async ussd(id: string, code: string): Promise<string> {
    try {
      const answer = await this.driver(id).ussd(code);
      this.note(id, 'ussd', `${code} → ${answer}`);
      return answer;
    } catch (error) {
      this.note(id, 'ussd', `${code} failed: ${describeError(error)}`);
      // The modem's refusal is not a server fault: a 409 with the reason.
      if (isSimpoolError(error) && error.code !== 'invalid_argument') {
        throw new SimpoolError('bad_status', `USSD failed: ${error.message}`);
      }
      throw error;
    }
  }

  async sendTestSms(id: string, to: string, body: string): Promise<string> {
    const iccid = this.driver(id).sim?.iccid;
    if (!iccid) throw new SimpoolError('bad_status', `modem ${id} has no SIM`);
    const messageId = await this.deps.sendSms(iccid, to, body);
    this.note(id, 'test_sms', `test SMS ${messageId} to ${to} queued`);
    return messageId;
  }

  subscribe(listener: (id: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private driver(id: string): ModemDriver {
    const driver = this.deps.pool.driverAt(id);
    if (!driver) throw new SimpoolError('not_found', `no modem ${id}`);
    return driver;
  }

  private on<K extends keyof ModemPoolEvents>(
    event: K,
    listener: (...args: ModemPoolEvents[K]) => void,
  ): void {
    // The typed emitter's conditional listener type does not survive a generic K.
    const pool = this.deps.pool as unknown as EventEmitter;
    const untyped = listener as (...args: unknown[]) => void;
    pool.on(event, untyped);
    this.offs.push(() => pool.off(event, untyped));
  }

  /** Health and SIM changes come from the driver itself (the pool does not forward them). */
  private hook(address: string): void {
    const driver = this.deps.pool.driverAt(address);
    if (!driver || this.hooked.has(driver)) return;
    this.hooked.add(driver);
    driver.on('health', () => this.changed(address));
    driver.on('identity', ({ sim }) => {
      this.note(address, 'sim', sim ? `SIM ${sim.iccid}` : 'no SIM');
    });
  }

  private onMessage(message: StoredInboundMessage): void {
    const address = this.deps.pool
      .modems()
      .find((m) => m.iccid === message.iccid && m.iccid !== null)?.address;
    if (address) this.note(address, 'sms', `SMS from ${message.sender}`);
  }

  private note(id: string, type: string, detail: string): void {
    let timeline = this.timelines.get(id);
    if (!timeline) this.timelines.set(id, (timeline = []));
    timeline.push({ at: this.deps.clock.now(), type, detail });
    if (timeline.length > EVENTS_PER_MODEM) timeline.splice(0, timeline.length - EVENTS_PER_MODEM);
    this.changed(id);
  }

  private error(id: string, message: string): void {
    this.errors.push({ at: this.deps.clock.now(), source: `modem:${id}`, message });
    if (this.errors.length > RECENT_ERRORS)
      this.errors.splice(0, this.errors.length - RECENT_ERRORS);
  }

  private changed(id: string): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(id);
      } catch {
        // A feed's bug must not break the pool's event delivery.
      }
    }
  }
}

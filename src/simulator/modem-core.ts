import type { Clock, TimerHandle } from '../shared/index.js';
import { CallLine } from './calls.js';
import type { Flavour } from './flavours.js';
import type { ModemIdentity } from './identity.js';
import type { Output } from './output.js';
import { encodeStatusReport } from './pdu.js';
import { randomInt, type Random } from './prng.js';
import {
  defaultSettings,
  Storage,
  type PendingDelivery,
  type SentMessage,
  type Settings,
  type StorageName,
} from './state.js';

/** Every delay the simulated modem has, in milliseconds of the injected clock. */
export interface SimulatorTiming {
  /** From `+CMGS` to the status report (when TP-SRR was set). */
  readonly statusReportDelayMs: number;
  /** From `AT+CUSD=1,...` OK to the `+CUSD` URC. */
  readonly ussdDelayMs: number;
  /** Silence after `AT+CFUN=1,1` or a power cycle before the boot URCs. */
  readonly resetDelayMs: number;
  /** Gap between consecutive boot URCs. */
  readonly bootUrcGapMs: number;
  /** Time the network takes to accept a submitted SMS. */
  readonly sendDelayMs: number;
  /** `AT+COPS=?` scan time. */
  readonly copsScanDelayMs: number;
  /** Gap between the RINGs of an incoming call. */
  readonly ringIntervalMs: number;
}

export const DEFAULT_TIMING: SimulatorTiming = {
  statusReportDelayMs: 3000,
  ussdDelayMs: 1500,
  resetDelayMs: 3000,
  bootUrcGapMs: 100,
  sendDelayMs: 0,
  copsScanDelayMs: 3000,
  ringIntervalMs: 4000,
};

export interface FaultState {
  hung: boolean;
  unplugged: boolean;
  slowMs: number;
  /** Submits refused with this +CMS ERROR while `remaining` > 0 (the `send_error` fault). */
  sendErrors: { cms: number; remaining: number } | undefined;
  /** Noise before every response while set. */
  garbage: boolean;
  simRemoved: boolean;
  /** Registration state forced by the `no_network` fault (0 or 2). */
  noNetworkStat: number | undefined;
}

/**
 * The state of one modem and its SIM, and the behaviour that is not tied to a single command:
 * registration and its URCs, delivery from the network into storage, status reports, reboot.
 */
export class ModemCore {
  /** Told of every reboot (the modem may re-enumerate on USB). */
  readonly rebootListeners = new Set<() => void>();
  settings: Settings = defaultSettings();
  readonly storages: Record<StorageName, Storage>;
  /** Held "in the network" until the modem is registered and has room. */
  readonly pending: PendingDelivery[] = [];
  readonly sent: SentMessage[] = [];
  readonly faults: FaultState = {
    hung: false,
    unplugged: false,
    slowMs: 0,
    sendErrors: undefined,
    garbage: false,
    simRemoved: false,
    noNetworkStat: undefined,
  };
  /** True while `AT+CPIN=<pin>` has not been given (only when a PIN is configured). */
  pinLocked: boolean;
  /** Between a reset and its boot URCs the modem ignores input. */
  resetting = false;
  /** Service centre number stored on the SIM (`AT+CSCA`). */
  smsc: string;
  /** Incoming voice calls (RING, +CLIP, NO CARRIER; ATA/ATH). */
  readonly calls: CallLine = new CallLine(this);
  private mr: number;
  private lastStat: number;
  private readonly timers = new Set<TimerHandle>();

  constructor(
    readonly identity: ModemIdentity,
    readonly flavour: Flavour,
    readonly clock: Clock,
    readonly timing: SimulatorTiming,
    readonly random: Random,
    readonly output: Output,
    readonly pin: string | undefined,
    readonly ussdReplies: Readonly<Record<string, string>>,
  ) {
    const first = flavour.name === 'ec25' ? 0 : 1;
    this.storages = {
      SM: new Storage('SM', flavour.smCapacity, first),
      ME: new Storage('ME', flavour.meCapacity, first),
    };
    this.pinLocked = pin !== undefined;
    this.smsc = identity.smsc;
    this.mr = randomInt(random, 0, 200);
    this.lastStat = this.regStat();
  }

  /** Runs `callback` after `ms`; cancelled by `cancelTimers` (power loss). */
  after(ms: number, callback: () => void): void {
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(handle);
      callback();
    }, ms);
    this.timers.add(handle);
  }

  cancelTimers(): void {
    for (const handle of this.timers) this.clock.clearTimeout(handle);
    this.timers.clear();
  }

  /** One URC (possibly several lines, like `+CDS`), in the verbose `\r\n...\r\n` framing. */
  urc(...lines: string[]): void {
    if (this.faults.hung || this.resetting) return;
    this.output.write(`\r\n${lines.join('\r\n')}\r\n`, 'urc');
  }

  simState(): 'ready' | 'absent' | 'pin' {
    if (this.faults.simRemoved) return 'absent';
    return this.pinLocked ? 'pin' : 'ready';
  }

  /** <stat> of +CREG: 0 not registered, 1 home, 2 searching. */
  regStat(): number {
    if (this.settings.cfun !== 1 || this.simState() !== 'ready') return 0;
    return this.faults.noNetworkStat ?? 1;
  }

  registered(): boolean {
    const stat = this.regStat();
    return stat === 1 || stat === 5;
  }

  /** The location part of `+CREG` in mode 2 (only while registered). */
  location(n: number, stat: number): string {
    if (n < 2 || (stat !== 1 && stat !== 5)) return '';
    const act = this.flavour.accessTechnology;
    return `,"${this.identity.lac}","${this.identity.cellId}"${act === undefined ? '' : `,${act}`}`;
  }

  /** Emits +CREG/+CGREG/+CEREG URCs when the registration changed, then tries deliveries. */
  refreshRegistration(): void {
    const stat = this.regStat();
    if (stat !== this.lastStat) {
      this.lastStat = stat;
      const s = this.settings;
      if (s.cregN > 0) this.urc(`+CREG: ${stat}${this.location(s.cregN, stat)}`);
      if (s.cgregN > 0) this.urc(`+CGREG: ${stat}${this.location(s.cgregN, stat)}`);
      if (s.ceregN > 0 && this.flavour.hasCereg) {
        this.urc(`+CEREG: ${stat}${this.location(s.ceregN, stat)}`);
      }
    }
    this.deliverPending();
  }

  nextMr(): number {
    this.mr = (this.mr + 1) % 256;
    return this.mr;
  }

  canReceive(): boolean {
    return !this.faults.unplugged && !this.resetting && this.registered();
  }

  /** Hands held messages to the modem while it can take them, in arrival order. */
  deliverPending(): void {
    while (this.pending.length > 0 && this.canReceive()) {
      const next = this.pending[0];
      if (!next || !this.accept(next)) break;
      this.pending.shift();
    }
  }

  /** Queues a message in the network and delivers it if the modem can take it now. */
  fromNetwork(delivery: PendingDelivery): void {
    this.pending.push(delivery);
    this.deliverPending();
  }

  /** Routes one message per AT+CNMI; false when it must stay in the network (storage full). */
  private accept(delivery: PendingDelivery): boolean {
    const [mode, mt, , ds] = this.settings.cnmi;
    const signal = mode !== 0;
    if (delivery.kind === 'status-report') {
      if (ds === 0) return true; // not routed to the TE: the report is dropped
      if (ds === 1) {
        if (signal) this.urc(`+CDS: ${delivery.tpduLength}`, delivery.pdu);
        return true;
      }
    } else if (mt === 2 || mt === 3) {
      // Direct delivery: shown once, never stored (lost if nobody listens).
      if (signal) this.urc(`+CMT: ,${delivery.tpduLength}`, delivery.pdu);
      return true;
    }
    const storageName = this.settings.cpms[2];
    const stored = this.storages[storageName].add({
      stat: 0,
      pdu: delivery.pdu,
      tpduLength: delivery.tpduLength,
      kind: delivery.kind,
      from: delivery.from,
      text: delivery.text,
      timestampMs: delivery.timestampMs,
    });
    if (!stored) return false;
    if (signal) {
      if (delivery.kind === 'status-report') this.urc(`+CDSI: "${storageName}",${stored.index}`);
      else if (mt === 1) this.urc(`+CMTI: "${storageName}",${stored.index}`);
    }
    return true;
  }

  recordSent(message: SentMessage): void {
    this.sent.push(message);
    if (!message.statusReportRequested) return;
    this.after(this.timing.statusReportDelayMs, () => {
      const report = encodeStatusReport({
        smsc: this.identity.smsc,
        recipient: message.to,
        mr: message.mr,
        submittedMs: message.timestampMs,
        dischargedMs: this.clock.now(),
        status: 0,
      });
      this.fromNetwork({
        kind: 'status-report',
        pdu: report.hex,
        tpduLength: report.tpduLength,
        from: message.to,
        text: '',
        timestampMs: this.clock.now(),
      });
    });
  }

  /**
   * A reboot (`AT+CFUN=1,1`, power cycle): silent for `resetDelayMs`, settings back to defaults,
   * then the flavour's boot URCs one by one.
   */
  reboot(): void {
    for (const listener of this.rebootListeners) listener();
    this.cancelTimers();
    this.calls.drop();
    this.resetting = true;
    this.output.clear();
    this.output.muted = true;
    this.after(this.timing.resetDelayMs, () => {
      this.settings = defaultSettings();
      this.pinLocked = this.pin !== undefined;
      this.resetting = false;
      this.output.muted = false;
      this.flavour.bootUrcs.forEach((line, i) => {
        this.after(i * this.timing.bootUrcGapMs, () => {
          if (line === '+CPIN: READY' && this.simState() !== 'ready') {
            this.urc(this.simState() === 'pin' ? '+CPIN: SIM PIN' : '+CPIN: NOT READY');
          } else this.urc(line);
          if (i === this.flavour.bootUrcs.length - 1) this.refreshRegistration();
        });
      });
    });
  }

  /** Power loss without the boot sequence (unplug): settings gone, timers gone. */
  powerOff(): void {
    this.cancelTimers();
    this.calls.drop();
    this.settings = defaultSettings();
    this.pinLocked = this.pin !== undefined;
    this.resetting = false;
    this.output.clear();
  }

  /** Random bytes with plenty of NULs, like a DIAG port or line noise. */
  garbage(count: number): string {
    let text = '';
    for (let i = 0; i < count; i++) {
      text += String.fromCharCode(this.random() < 0.3 ? 0 : randomInt(this.random, 1, 255));
    }
    return text;
  }
}

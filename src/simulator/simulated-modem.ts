import { SimpoolError, systemClock, type Clock } from '../shared/index.js';
import { createMemoryPair, type ByteLink } from '../transport/index.js';
import type { CallNoise, CallRecord, IncomingCallRequest } from './calls.js';
import { callCommands } from './commands-call.js';
import { smsSendCommands } from './commands-sms-send.js';
import { smsStorageCommands } from './commands-sms-storage.js';
import { smsStoredSendCommands } from './commands-sms-stored-send.js';
import { identityCommands } from './commands-identity.js';
import { networkCommands } from './commands-network.js';
import { ussdCfunCommands } from './commands-ussd-cfun.js';
import { applyStateFault, clearStateFaults, type Fault } from './faults.js';
import { FLAVOURS, type Flavour, type FlavourName } from './flavours.js';
import type { CommandTable } from './handler.js';
import { identityFor, type ModemIdentity } from './identity.js';
import { buildInbound, type InboundPart, type InboundSms } from './inbound.js';
import { Interpreter } from './interpreter.js';
import { DEFAULT_TIMING, ModemCore, type SimulatorTiming } from './modem-core.js';
import { Output } from './output.js';
import { seededRandom } from './prng.js';
import type { SentMessage, Settings, StorageName, StoredMessage } from './state.js';

const COMMANDS: CommandTable = {
  ...identityCommands,
  ...networkCommands,
  ...smsStorageCommands,
  ...smsSendCommands,
  ...smsStoredSendCommands,
  ...ussdCfunCommands,
  ...callCommands,
};

export interface SimulatedModemOptions {
  /** Position in a bank; picks the deterministic identity. Default 0. */
  readonly index?: number;
  /**
   * The host this modem belongs to (simpool's `hostId`): hosts get different identities for the
   * same index. Default none: the identities of a lone bank.
   */
  readonly hostId?: string;
  readonly flavour?: FlavourName;
  /** Overrides of the generated identity (IMEI, ICCID, MSISDN, CNUM visibility …). */
  readonly identity?: Partial<ModemIdentity>;
  readonly clock?: Clock;
  /** Seed of the PRNG behind fragment sizes, garbage, references. Default: index + 1. */
  readonly seed?: number;
  /** Largest write of the modem; random sizes in [1, maxChunk]; 0 (default) = whole items. */
  readonly maxChunk?: number;
  /** Pause before each response line (lets URCs land between lines). Default 0. */
  readonly lineDelayMs?: number;
  readonly timing?: Partial<SimulatorTiming>;
  /** SIM PIN; when set the SIM starts locked (`+CPIN: SIM PIN`). */
  readonly pin?: string;
  /** USSD code → network answer. */
  readonly ussdReplies?: Readonly<Record<string, string>>;
  /** Re-enumerate (vanish, come back under a new name) on every `AT+CFUN=1,1` or power cycle. */
  readonly reenumerateOnReset?: boolean;
  /** Seeded random incoming calls from the start (see `setCallNoise`). */
  readonly callNoise?: CallNoise;
}

export interface InjectResult {
  readonly parts: readonly InboundPart[];
  /** Messages the network still holds for this modem (storage full, not registered …). */
  readonly pendingInNetwork: number;
}

/**
 * One simulated GSM modem: an AT port reachable over an in-memory link (`connect`) or any
 * ByteLink given to `attach` (the PTY bridge), plus the control surface tests and the HTTP API
 * use: inject SMS, read what was sent, inject faults.
 */
export class SimulatedModem {
  readonly index: number;
  readonly flavour: Flavour;
  readonly identity: ModemIdentity;
  private readonly core: ModemCore;
  private readonly interpreter: Interpreter;
  private readonly clock: Clock;
  private link: ByteLink | undefined;
  private unsubscribe: (() => void)[] = [];
  private readonly plugListeners = new Set<(plugged: boolean) => void>();
  private enumerations = 0;

  constructor(options: SimulatedModemOptions = {}) {
    this.index = options.index ?? 0;
    this.flavour = FLAVOURS[options.flavour ?? 'sim800c'];
    this.identity = {
      ...identityFor(this.index, this.flavour.name, options.hostId),
      ...options.identity,
    };
    this.clock = options.clock ?? systemClock;
    const random = seededRandom(options.seed ?? this.index + 1);
    const output = new Output(this.clock, random, {
      maxChunk: options.maxChunk ?? 0,
      lineDelayMs: options.lineDelayMs ?? 0,
    });
    const ussd = options.ussdReplies ?? {
      '*100#': 'Your balance is 12.34. Thank you.',
      '*#100#': `Your number is ${this.identity.msisdn}`,
    };
    this.core = new ModemCore(
      this.identity,
      this.flavour,
      this.clock,
      { ...DEFAULT_TIMING, ...options.timing },
      random,
      output,
      options.pin,
      ussd,
    );
    this.interpreter = new Interpreter(this.core, COMMANDS);
    if (options.reenumerateOnReset) this.core.rebootListeners.add(() => this.reenumerate());
    if (options.callNoise) this.setCallNoise(options.callNoise);
  }

  /** How often the modem re-enumerated: its PTY name carries it (`ttySIM0-2`). */
  get enumeration(): number {
    return this.enumerations;
  }

  /** Gone now, back under a new name once the reset delay is over (modem still rebooting). */
  private reenumerate(): void {
    if (this.core.faults.unplugged) return;
    this.fault({ kind: 'unplug' });
    this.enumerations++;
    this.clock.setTimeout(() => this.fault({ kind: 'replug' }), this.core.timing.resetDelayMs);
  }

  get plugged(): boolean {
    return !this.core.faults.unplugged;
  }

  get connected(): boolean {
    return this.link !== undefined;
  }

  /**
   * A fresh in-memory link to the AT port (a `LinkFactory`). Replaces any current link, as
   * reopening a serial port does. Rejects with `transport_open_failed` while unplugged.
   */
  connect = (): Promise<ByteLink> => {
    if (this.core.faults.unplugged) {
      return Promise.reject(
        new SimpoolError('transport_open_failed', `simulated modem ${this.index} is unplugged`),
      );
    }
    const [modemEnd, clientEnd] = createMemoryPair(`sim${this.index}`);
    this.attach(modemEnd);
    return Promise.resolve(clientEnd);
  };

  /**
   * Serves the AT port over `link` (the modem's end) until it disconnects. Like a real modem, the
   * AT interpreter does not notice that the host closed and reopened the port: a `> ` prompt or
   * half a command line a client that died left behind is still there for the next one (which
   * must send ESC, as simpool's probe and init do). Only power (unplug, reset, hang) clears it.
   */
  attach(link: ByteLink): void {
    this.detach(true);
    this.link = link;
    this.core.output.setSink((bytes) => link.write(bytes));
    this.unsubscribe = [
      link.onData((chunk) => this.interpreter.receive(chunk)),
      link.onDisconnect(() => {
        if (this.link === link) this.detach(false);
      }),
    ];
  }

  private detach(close: boolean): void {
    const link = this.link;
    if (!link) return;
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.link = undefined;
    this.core.output.setSink(undefined);
    if (close) void link.close().catch(() => undefined);
  }

  /** Called with false on unplug and true on replug (the PTY bridge follows it). */
  onPlugChange(listener: (plugged: boolean) => void): () => void {
    this.plugListeners.add(listener);
    return () => this.plugListeners.delete(listener);
  }

  /** An SMS from the network: stored and signalled per AT+CNMI, or held while it cannot be. */
  injectSms(sms: InboundSms): InjectResult {
    const parts = buildInbound(sms, this.core.smsc, this.clock.now(), this.core.random);
    for (const part of parts) {
      this.core.fromNetwork({
        kind: 'deliver',
        pdu: part.pdu,
        tpduLength: part.tpduLength,
        from: sms.from,
        text: part.text,
        timestampMs: sms.timestampMs ?? this.clock.now(),
      });
    }
    return { parts, pendingInNetwork: this.core.pending.length };
  }

  /**
   * A raw PDU from the network, hex with its SMSC field (`00` for none). SMS-STATUS-REPORTs
   * (MTI 10) are routed as status reports, anything else as a deliver.
   */
  injectPdu(hex: string): InjectResult {
    if (!/^([0-9A-Fa-f]{2}){2,}$/.test(hex)) {
      throw new SimpoolError('invalid_argument', 'pdu must be hex octets');
    }
    const smscLength = parseInt(hex.slice(0, 2), 16);
    const tpduLength = hex.length / 2 - 1 - smscLength;
    const first = parseInt(hex.slice(2 + smscLength * 2, 4 + smscLength * 2), 16);
    if (tpduLength < 1 || Number.isNaN(first)) {
      throw new SimpoolError('invalid_argument', 'pdu is shorter than its SMSC field');
    }
    const pdu = hex.toUpperCase();
    this.core.fromNetwork({
      kind: (first & 0x03) === 0x02 ? 'status-report' : 'deliver',
      pdu,
      tpduLength,
      from: '',
      text: '',
      timestampMs: this.clock.now(),
    });
    return {
      parts: [{ seq: 1, text: '', pdu, tpduLength }],
      pendingInNetwork: this.core.pending.length,
    };
  }

  /**
   * A voice call from `from`: RING every `ringIntervalMs` (with `+CLIP` after AT+CLIP=1) until
   * the caller hangs up after `rings` RINGs (`NO CARRIER`), or the host sends ATH (OK, no NO
   * CARRIER) or ATA. Throws `simulator_invalid_request` while a call is in progress or the
   * modem is off the network (a real caller would hear a busy tone).
   */
  incomingCall(request: IncomingCallRequest): Readonly<CallRecord> {
    if (!/^\+?[0-9]{3,20}$/.test(request.from)) {
      throw new SimpoolError('simulator_invalid_request', `invalid caller number: ${request.from}`);
    }
    return this.core.calls.incoming(request);
  }

  /** The call ringing or in progress, if any. */
  get activeCall(): Readonly<CallRecord> | undefined {
    return this.core.calls.active;
  }

  /** Every call this modem got, oldest first, with how it ended. */
  get calls(): readonly Readonly<CallRecord>[] {
    return this.core.calls.log;
  }

  /**
   * Seeded random incoming calls (the modem's PRNG): RING/+CLIP/NO CARRIER at random moments,
   * some held back to land inside the next command's response. `undefined` switches it off.
   */
  setCallNoise(noise: CallNoise | undefined): void {
    this.core.calls.setNoise(noise);
  }

  /** Everything the modem submitted, oldest first. */
  get sent(): readonly SentMessage[] {
    return this.core.sent;
  }

  /** Messages in a storage, by index. */
  stored(storage: StorageName = 'SM'): readonly StoredMessage[] {
    return this.core.storages[storage].list();
  }

  get pendingInNetwork(): number {
    return this.core.pending.length;
  }

  /** A copy of the port settings (echo, CMEE, CNMI …), for assertions. */
  get settings(): Readonly<Settings> {
    return structuredClone(this.core.settings);
  }

  fault(fault: Fault): void {
    const { core } = this;
    switch (fault.kind) {
      case 'hang':
        core.faults.hung = true;
        core.output.muted = true;
        core.output.clear();
        this.interpreter.reset();
        return;
      case 'unplug':
        if (core.faults.unplugged) return;
        core.faults.unplugged = true;
        core.powerOff();
        this.interpreter.reset();
        this.detach(true);
        for (const listener of this.plugListeners) listener(false);
        return;
      case 'replug':
        if (!core.faults.unplugged) return;
        core.faults.unplugged = false;
        core.faults.hung = false;
        core.output.muted = false;
        core.refreshRegistration();
        for (const listener of this.plugListeners) listener(true);
        return;
      case 'reset':
        this.powerCycle();
        return;
      case 'reenumerate':
        this.reenumerate();
        return;
      case 'clear':
        if (core.faults.unplugged) this.fault({ kind: 'replug' });
        if (core.faults.hung) this.powerCycle();
        clearStateFaults(core);
        return;
      default:
        applyStateFault(core, fault);
    }
  }

  /** Power off and on: ends a hang, prints the boot URCs after `resetDelayMs`. */
  powerCycle(): void {
    this.core.faults.hung = false;
    this.interpreter.reset();
    this.core.reboot();
  }

  /** Detaches from any link and stops timers (end of a test or of the bank). */
  close(): void {
    this.detach(true);
    this.core.calls.stopNoise();
    this.core.cancelTimers();
  }
}

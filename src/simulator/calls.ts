import { SimpoolError, type TimerHandle } from '../shared/index.js';
import type { ModemCore } from './modem-core.js';
import { randomInt } from './prng.js';

/** A voice call from the network, as the control API describes it. */
export interface IncomingCallRequest {
  /** The caller's number as `+CLIP` shows it (`+447700900123`), digits with an optional `+`. */
  readonly from: string;
  /** RINGs before the caller gives up and hangs up (then `NO CARRIER`). Default 3. */
  readonly rings?: number;
  /** Once answered (`ATA`), how long the caller talks before hanging up. Default 5 s. */
  readonly talkMs?: number;
  /** From the last RING to the caller's hang-up. Default one ring interval. */
  readonly hangupAfterMs?: number;
}

/** How a call ended: the caller hung up (`NO CARRIER`), the host hung up (`ATH`), power loss. */
export type CallEnd = 'caller_hung_up' | 'host_hung_up' | 'power_lost';

export interface CallRecord {
  readonly from: string;
  readonly startedAt: number;
  /** RINGs the modem printed. */
  rings: number;
  answered: boolean;
  endedAt: number | null;
  endedBy: CallEnd | null;
}

/**
 * Seeded random calls ("call noise", like a SIM whose number is public): calls arrive at random
 * moments, ring 1..maxRings times and are abandoned at a random point, and each of their lines
 * may be held back until the next response line so it lands inside another command's answer.
 */
export interface CallNoise {
  /** Mean time between calls (uniform in [0.5, 1.5] × mean). */
  readonly meanIntervalMs: number;
  /** Default 3. */
  readonly maxRings?: number;
  /** Share (0..1) of RING/+CLIP/NO CARRIER lines held back to land inside a response. Default 0.5. */
  readonly insideResponses?: number;
}

interface CurrentCall {
  readonly record: CallRecord;
  readonly request: IncomingCallRequest;
  /** RINGs scheduled so far (a held-back one is placed before it is printed). */
  ringsPlaced: number;
}

/** How long a held-back line waits for a response before it is printed anyway. */
const MAX_HOLD_MS = 2000;
const NOISE_CALLERS = ['+447700900', '+15550100', '+4915110000', '+3361234'];

/**
 * The modem's voice line: at most one incoming call at a time, RING (or `+CRING: VOICE` with
 * AT+CRC=1) every `ringIntervalMs`, each followed by `+CLIP` when AT+CLIP=1, until the caller
 * gives up (`NO CARRIER`), the host hangs up (`ATH`, no NO CARRIER) or answers (`ATA`).
 */
export class CallLine {
  readonly log: CallRecord[] = [];
  private current: CurrentCall | undefined;
  private noise: CallNoise | undefined;
  private noiseTimer: TimerHandle | undefined;
  private noiseCount = 0;

  constructor(private readonly core: ModemCore) {}

  get active(): Readonly<CallRecord> | undefined {
    return this.current?.record;
  }

  /** Starts ringing now; throws when the modem cannot take a call (busy, off the network). */
  incoming(request: IncomingCallRequest): Readonly<CallRecord> {
    const { core } = this;
    if (this.current) {
      throw new SimpoolError('simulator_invalid_request', 'a call is already in progress');
    }
    if (!core.canReceive() || core.faults.hung) {
      throw new SimpoolError('simulator_invalid_request', 'the modem is not on the network');
    }
    const record: CallRecord = {
      from: request.from,
      startedAt: core.clock.now(),
      rings: 0,
      answered: false,
      endedAt: null,
      endedBy: null,
    };
    const call: CurrentCall = { record, request, ringsPlaced: 0 };
    this.current = call;
    this.log.push(record);
    this.ring(call);
    return record;
  }

  private ring(call: CurrentCall): void {
    if (this.current !== call || call.record.answered) return;
    const { core } = this;
    const { record, request } = call;
    call.ringsPlaced++;
    this.line(() => {
      if (this.current !== call || record.answered) return;
      record.rings++;
      core.urc(core.settings.crc ? '+CRING: VOICE' : 'RING');
      if (core.settings.clip) {
        const type = record.from.startsWith('+') ? 145 : 129;
        core.urc(`+CLIP: "${record.from}",${type},"",0,"",0`);
      }
    });
    const interval = core.timing.ringIntervalMs;
    if (call.ringsPlaced < (request.rings ?? 3)) core.after(interval, () => this.ring(call));
    else core.after(request.hangupAfterMs ?? interval, () => this.callerHangsUp(call));
  }

  private callerHangsUp(call: CurrentCall): void {
    if (this.current !== call) return;
    this.line(() => {
      if (this.current !== call) return;
      this.end('caller_hung_up');
      this.core.urc('NO CARRIER');
    });
  }

  /** `ATA`: false when nothing rings (the command then answers NO CARRIER). */
  answer(): boolean {
    const call = this.current;
    if (!call || call.record.answered) return false;
    call.record.answered = true;
    this.core.after(call.request.talkMs ?? 5000, () => this.callerHangsUp(call));
    return true;
  }

  /** `ATH`: ends any call; the modem says OK and no NO CARRIER follows. */
  hangUp(): void {
    if (this.current) this.end('host_hung_up');
  }

  /** Power loss or reboot: the call is gone without a word. */
  drop(): void {
    if (this.current) this.end('power_lost');
  }

  private end(by: CallEnd): void {
    const record = this.current?.record;
    if (!record) return;
    record.endedAt = this.core.clock.now();
    record.endedBy = by;
    this.current = undefined;
  }

  /** Prints now, or (call noise) at the next response line so it lands inside an answer. */
  private line(print: () => void): void {
    const share = this.noise?.insideResponses ?? 0.5;
    if (!this.noise || this.core.random() >= share) return print();
    let done = false;
    const once = (): void => {
      if (done) return;
      done = true;
      print();
    };
    // Ahead of the line or after it: before a lone OK (AT+CMGD) or after +CMGS: <mr>.
    this.core.output.onNextResponseLine(once, this.core.random() < 0.5 ? 'before' : 'after');
    this.core.after(MAX_HOLD_MS, once);
  }

  /** Switches call noise on (or off with undefined); replaces any earlier setting. */
  setNoise(noise: CallNoise | undefined): void {
    if (noise && !(noise.meanIntervalMs > 0)) {
      throw new SimpoolError('simulator_invalid_request', 'meanIntervalMs must be positive');
    }
    this.stopNoise();
    this.noise = noise;
    if (noise) this.scheduleNoise();
  }

  stopNoise(): void {
    if (this.noiseTimer !== undefined) this.core.clock.clearTimeout(this.noiseTimer);
    this.noiseTimer = undefined;
  }

  private scheduleNoise(): void {
    const noise = this.noise;
    if (!noise) return;
    const { core } = this;
    const wait = noise.meanIntervalMs * (0.5 + core.random());
    this.noiseTimer = core.clock.setTimeout(() => {
      this.noiseTimer = undefined;
      this.noiseCall(noise);
      this.scheduleNoise();
    }, wait);
  }

  private noiseCall(noise: CallNoise): void {
    const { core } = this;
    // A busy line or a modem off the network: the network gives this caller a busy tone.
    if (this.current || !core.canReceive() || core.faults.hung) return;
    this.noiseCount++;
    const prefix = NOISE_CALLERS[randomInt(core.random, 0, NOISE_CALLERS.length - 1)] ?? '+1555';
    const from = `${prefix}${String(randomInt(core.random, 0, 999)).padStart(3, '0')}`;
    this.incoming({
      from,
      rings: randomInt(core.random, 1, noise.maxRings ?? 3),
      hangupAfterMs: randomInt(core.random, 1, core.timing.ringIntervalMs),
      talkMs: randomInt(core.random, 100, 3000),
    });
  }

  /** Calls the noise generator placed (for test figures). */
  get noiseCalls(): number {
    return this.noiseCount;
  }
}

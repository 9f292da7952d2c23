import { SimpoolError, systemClock, type Clock } from '../shared/index.js';
import type { LinkFactory } from '../transport/index.js';
import type { CallNoise } from './calls.js';
import type { FlavourName } from './flavours.js';
import type { SimulatorTiming } from './modem-core.js';
import { SimulatedModem } from './simulated-modem.js';

/** One flavour for all, `mixed`, or a list used in turn (modem i gets list[i % length]). */
export type BankFlavour = FlavourName | 'mixed' | readonly FlavourName[];

export interface ModemBankOptions {
  readonly count: number;
  /** `mixed`: even indexes SIM800C, odd EC25. Default `sim800c`. */
  readonly flavour?: BankFlavour;
  readonly clock?: Clock;
  /**
   * The host the bank belongs to: its modems' identities differ from every other host's (see
   * `identityFor`). Default none: the identities of a lone bank.
   */
  readonly hostId?: string;
  /** Base seed; modem i uses seed + i. Default 1. */
  readonly seed?: number;
  readonly maxChunk?: number;
  readonly lineDelayMs?: number;
  readonly timing?: Partial<SimulatorTiming>;
  /** Every modem re-enumerates under a new PTY name on a reset (see SimulatedModemOptions). */
  readonly reenumerateOnReset?: boolean;
  /** Seeded random incoming calls on every modem (each with its own PRNG). */
  readonly callNoise?: CallNoise;
}

export function flavourFor(bank: BankFlavour, index: number): FlavourName {
  if (typeof bank !== 'string') return bank[index % bank.length] ?? 'sim800c';
  if (bank !== 'mixed') return bank;
  return index % 2 === 0 ? 'sim800c' : 'ec25';
}

/** N simulated modems with deterministic identities per (host id, index). */
export class ModemBank {
  readonly modems: readonly SimulatedModem[];

  constructor(options: ModemBankOptions) {
    if (!Number.isInteger(options.count) || options.count < 1 || options.count > 256) {
      throw new SimpoolError('invalid_argument', 'count must be an integer from 1 to 256');
    }
    const clock = options.clock ?? systemClock;
    const seed = options.seed ?? 1;
    this.modems = Array.from(
      { length: options.count },
      (_, index) =>
        new SimulatedModem({
          index,
          ...(options.hostId === undefined ? {} : { hostId: options.hostId }),
          flavour: flavourFor(options.flavour ?? 'sim800c', index),
          clock,
          seed: seed + index,
          ...(options.maxChunk === undefined ? {} : { maxChunk: options.maxChunk }),
          ...(options.lineDelayMs === undefined ? {} : { lineDelayMs: options.lineDelayMs }),
          ...(options.timing === undefined ? {} : { timing: options.timing }),
          ...(options.reenumerateOnReset ? { reenumerateOnReset: true } : {}),
          ...(options.callNoise ? { callNoise: options.callNoise } : {}),
        }),
    );
  }

  /** The modem at `index`; `simulator_unknown_modem` when there is none. */
  modem(index: number): SimulatedModem {
    const modem = Number.isInteger(index) ? this.modems[index] : undefined;
    if (!modem) {
      throw new SimpoolError('simulator_unknown_modem', `no simulated modem ${index}`, {
        details: { index, count: this.modems.length },
      });
    }
    return modem;
  }

  /** A LinkFactory for modem `index` over an in-memory pair. */
  linkFactory(index: number): LinkFactory {
    return this.modem(index).connect;
  }

  close(): void {
    for (const modem of this.modems) modem.close();
  }
}

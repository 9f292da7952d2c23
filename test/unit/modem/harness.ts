/** A ModemDriver against a real SimulatedModem over in-memory links, on a ManualClock. */
import { afterEach } from 'vitest';
import {
  ModemDriver,
  type InboundPduRead,
  type InboundSink,
  type ModemDriverConfig,
  type ModemHealth,
  type RecoveryStep,
  type StateChangeReason,
  type ModemState,
} from '../../../src/modem/index.js';
import { ManualClock } from '../../../src/shared/index.js';
import { advanceBy, advanceUntil, whileAdvancing } from '../../helpers/advance.js';

export { advanceBy, advanceUntil, whileAdvancing };
import type { ByteLink, LinkFactory } from '../../../src/transport/index.js';
import { SimulatedModem, type SimulatedModemOptions } from '../../../src/simulator/index.js';

/** A sink that records every call, and can be told to reject or to hold commits. */
export class RecordingSink implements InboundSink {
  readonly committed: InboundPduRead[] = [];
  readonly attempts: InboundPduRead[] = [];
  /** How many SMS were still in modem storage when each commit was called. */
  readonly storedAtCommit: number[] = [];
  rejecting = false;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  constructor(private readonly storedNow: () => number = () => 0) {}

  async commit(read: InboundPduRead): Promise<void> {
    this.attempts.push(read);
    this.storedAtCommit.push(this.storedNow());
    if (this.gate) await this.gate;
    if (this.rejecting) throw new Error('database is down');
    this.committed.push(read);
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
  }
}

export interface Harness {
  readonly clock: ManualClock;
  readonly modem: SimulatedModem;
  readonly sink: RecordingSink;
  readonly driver: ModemDriver;
  readonly states: { from: ModemState; to: ModemState; reason: StateChangeReason }[];
  readonly recoveries: { step: RecoveryStep; ok: boolean; detail: string }[];
  readonly healths: ModemHealth[];
  readonly inbound: InboundPduRead[];
}

export function setup(
  options: {
    modem?: Omit<SimulatedModemOptions, 'clock'>;
    driver?: Partial<ModemDriverConfig>;
  } = {},
): Harness {
  const clock = new ManualClock();
  const modem = new SimulatedModem({ clock, ...options.modem });
  const sink = new RecordingSink(() => modem.stored('SM').length + modem.stored('ME').length);
  const driver = new ModemDriver({
    address: `memory:sim${modem.index}`,
    linkFactory: modem.connect,
    sink,
    clock,
    ...options.driver,
  });
  const h: Harness = {
    clock,
    modem,
    sink,
    driver,
    states: [],
    recoveries: [],
    healths: [],
    inbound: [],
  };
  driver.on('state', (change) => h.states.push(change));
  driver.on('recovery', (event) => h.recoveries.push(event));
  driver.on('health', (health) => h.healths.push(health));
  driver.on('inbound', ({ read }) => h.inbound.push(read));
  return h;
}

/** Starts the driver, advancing the clock until start() resolved. */
export async function started(h: Harness): Promise<void> {
  await whileAdvancing(h.clock, h.driver.start());
}

/** Stops the driver and the simulator; returns the clock's pending timers afterwards. */
export async function teardown(h: Harness): Promise<void> {
  await whileAdvancing(h.clock, h.driver.stop());
  h.modem.close();
}

/** Wraps a link factory so every line written to the modem is recorded (commands, PDUs, ESC). */
export function recordWrites(factory: LinkFactory, written: string[]): LinkFactory {
  return async () => {
    const link = await factory();
    const write = link.write.bind(link);
    return Object.assign(Object.create(link) as ByteLink, {
      write: (bytes: Uint8Array | string) => {
        written.push(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1'));
        return write(bytes);
      },
    });
  };
}

/** Tears down, after each test, every harness handed to the returned `track`. */
export function trackHarnesses(): (h: Harness) => Harness {
  const open: Harness[] = [];
  afterEach(async () => {
    for (const h of open.splice(0)) await teardown(h);
  });
  return (h) => {
    open.push(h);
    return h;
  };
}

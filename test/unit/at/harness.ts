/** Engine on one end of a memory pair, a scripted modem on the other, a manual clock. */
import {
  AtEngine,
  type AtEngineOptions,
  type AtNoise,
  type AtResyncEvent,
  type AtTimeoutEvent,
  type AtUrc,
} from '../../../src/at/index.js';
import { ManualClock } from '../../../src/shared/index.js';
import { createMemoryPair, type ByteLink } from '../../../src/transport/index.js';
import { ScriptedModem, type ScriptedModemOptions } from '../../helpers/scripted-modem.js';

export interface Harness {
  readonly engine: AtEngine;
  readonly modem: ScriptedModem;
  readonly clock: ManualClock;
  readonly urcs: AtUrc[];
  readonly noise: AtNoise[];
  readonly timeouts: AtTimeoutEvent[];
  readonly resyncs: AtResyncEvent[];
}

export function setup(
  options: {
    modem?: ScriptedModemOptions;
    engine?: AtEngineOptions;
    wrap?: (link: ByteLink) => ByteLink;
  } = {},
): Harness {
  const [ours, theirs] = createMemoryPair('at-test');
  const clock = new ManualClock();
  const modem = new ScriptedModem(theirs, options.modem);
  const link = options.wrap ? options.wrap(ours) : ours;
  // No quiet window after resync by default: tests of that window set it themselves.
  const engine = new AtEngine(link, { clock, resyncQuietMs: 0, ...options.engine });
  const harness: Harness = { engine, modem, clock, urcs: [], noise: [], timeouts: [], resyncs: [] };
  engine.on('urc', (urc) => harness.urcs.push(urc));
  engine.on('noise', (noise) => harness.noise.push(noise));
  engine.on('timeout', (event) => harness.timeouts.push(event));
  engine.on('resync', (event) => harness.resyncs.push(event));
  return harness;
}

/** Captures a promise's rejection so it is never unhandled while the test advances time. */
export function settle<T>(
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

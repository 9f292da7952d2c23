import type { ManualClock } from '../../src/shared/index.js';

/** Advances the clock in steps until `promise` settles (the simulator's delays use it too). */
export async function whileAdvancing<T>(
  clock: ManualClock,
  promise: Promise<T>,
  stepMs = 100,
  maxSteps = 10_000,
): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => (settled = true));
  watched.catch(() => undefined);
  for (let step = 0; step < maxSteps && !settled; step++) await clock.advance(stepMs);
  if (!settled) throw new Error('the promise did not settle while advancing the clock');
  return watched;
}

/** Advances until `condition` holds (it may read the store); fails the test when it never does. */
export async function advanceUntil(
  clock: ManualClock,
  condition: () => boolean | Promise<boolean>,
  stepMs = 100,
  maxSteps = 10_000,
): Promise<void> {
  for (let step = 0; step < maxSteps && !(await condition()); step++) await clock.advance(stepMs);
  if (!(await condition()))
    throw new Error('condition never became true while advancing the clock');
}

/**
 * Advances `ms` in small steps: ManualClock runs one I/O turn between timers, and an AT answer
 * needs several, so one big jump would fire command timeouts before the answers arrive.
 */
export async function advanceBy(clock: ManualClock, ms: number, stepMs = 100): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) await clock.advance(Math.min(stepMs, ms - done));
}

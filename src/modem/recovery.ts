/**
 * The recovery ladder of MODEMS.md, each rung harsher than the last, each logged and reported:
 *
 *   resync (ESC + AT) → reopen the port → radio cycle (AT+CFUN=0/1) → modem reset (AT+CFUN=1,1;
 *   the device re-enumerates, maybe on another path: relocate by IMEI) → configured power cycle
 *   → give up.
 *
 * A rung succeeds when the full init sequence runs again afterwards. The host (the driver) owns
 * the link and the init; this file only decides the order and the waiting.
 */
import type { AtEngine } from '../at/index.js';
import { describeError, type Clock, type Logger } from '../shared/index.js';
import type { LinkFactory } from '../transport/index.js';
import type { ModemTiming, RecoveryStep } from './contract.js';
import type { Lifetime } from './helpers.js';

export interface RecoveryHost {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly timing: ModemTiming;
  readonly lifetime: Lifetime;
  /** The modem's IMEI once known: what relocate looks for. */
  readonly imei: string | null;
  readonly relocate: ((imei: string) => Promise<LinkFactory | null>) | undefined;
  readonly powerCycle: (() => Promise<void>) | undefined;
  /** The engine of the open link, or null when there is none (unplugged, closed). */
  engine(): AtEngine | null;
  /** Closes any link and opens one (from `factory`, else the last factory used). */
  reopen(factory?: LinkFactory): Promise<boolean>;
  closeLink(): Promise<void>;
  /** Runs the init sequence on the open link; true when it completed. */
  reinit(): Promise<boolean>;
  report(step: RecoveryStep, ok: boolean, detail: string): void;
}

async function quietly(action: () => Promise<unknown>): Promise<boolean> {
  try {
    await action();
    return true;
  } catch {
    return false;
  }
}

async function resyncStep(host: RecoveryHost): Promise<boolean> {
  const engine = host.engine();
  if (!engine) {
    host.report('resync', false, 'no link');
    return false;
  }
  const answered = await engine.resync().catch(() => false);
  if (answered && (await host.reinit())) {
    host.report('resync', true, 'the modem answers again');
    return true;
  }
  host.report('resync', false, answered ? 'init failed after resync' : 'no answer to AT');
  return false;
}

async function reopenStep(host: RecoveryHost): Promise<boolean> {
  const { reopenAttempts, reopenDelayMs } = host.timing;
  for (let attempt = 1; attempt <= reopenAttempts; attempt++) {
    if (attempt > 1) await host.lifetime.sleep(reopenDelayMs);
    if ((await host.reopen()) && (await host.reinit())) {
      host.report('reopen', true, `port reopened (attempt ${attempt})`);
      return true;
    }
  }
  host.report('reopen', false, `${reopenAttempts} attempts failed`);
  return false;
}

async function radioCycleStep(host: RecoveryHost): Promise<boolean> {
  const engine = host.engine();
  if (!engine) {
    host.report('radio_cycle', false, 'no link');
    return false;
  }
  const off = await quietly(() =>
    engine.send('AT+CFUN=0', { timeoutMs: host.timing.cfunTimeoutMs }),
  );
  if (off) await host.lifetime.sleep(host.timing.radioOffMs);
  const on =
    off &&
    (await quietly(() => engine.send('AT+CFUN=1', { timeoutMs: host.timing.cfunTimeoutMs })));
  if (on && (await host.reinit())) {
    host.report('radio_cycle', true, 'radio off and on');
    return true;
  }
  host.report('radio_cycle', false, on ? 'init failed after radio cycle' : 'AT+CFUN refused');
  return false;
}

/**
 * After a reset or power cycle: the device drops off and comes back, maybe under another path.
 * With `relocate` the pool finds it by IMEI on another port; when it finds none, the modem may
 * be back where it was (a UART, a hub port that keeps its name): the same port is tried too.
 * Bounded.
 */
async function waitForModem(host: RecoveryHost): Promise<boolean> {
  const { bootDelayMs, reappearTimeoutMs, reappearPollMs } = host.timing;
  await host.lifetime.sleep(bootDelayMs);
  const deadline = host.clock.now() + reappearTimeoutMs;
  for (;;) {
    let factory: LinkFactory | undefined;
    if (host.relocate && host.imei !== null) {
      const imei = host.imei;
      factory = (await host.relocate(imei).catch(() => null)) ?? undefined;
    }
    if ((await host.reopen(factory)) && (await host.reinit())) return true;
    host.lifetime.check();
    if (host.clock.now() >= deadline) return false;
    await host.lifetime.sleep(reappearPollMs);
  }
}

async function modemResetStep(host: RecoveryHost): Promise<boolean> {
  const engine = host.engine();
  // Sent even to a modem that looks dead: some answer AT+CFUN and nothing else.
  const sent = engine
    ? await quietly(() => engine.send('AT+CFUN=1,1', { timeoutMs: host.timing.cfunTimeoutMs }))
    : false;
  // The device re-enumerates: our handle is stale whether or not the command got through.
  await host.closeLink();
  if (await waitForModem(host)) {
    host.report('modem_reset', true, sent ? 'modem reset and found again' : 'modem found again');
    return true;
  }
  host.report('modem_reset', false, sent ? 'modem did not come back' : 'modem not found');
  return false;
}

async function powerCycleStep(host: RecoveryHost): Promise<boolean> {
  if (!host.powerCycle) {
    host.report('power_cycle', false, 'not_configured');
    return false;
  }
  await host.closeLink();
  try {
    await host.powerCycle();
  } catch (error) {
    host.report('power_cycle', false, `power-cycle command failed: ${describeError(error)}`);
    return false;
  }
  if (await waitForModem(host)) {
    host.report('power_cycle', true, 'power cycled and found again');
    return true;
  }
  host.report('power_cycle', false, 'modem did not come back after the power cycle');
  return false;
}

const STEPS: readonly (readonly [RecoveryStep, (host: RecoveryHost) => Promise<boolean>])[] = [
  ['resync', resyncStep],
  ['reopen', reopenStep],
  ['radio_cycle', radioCycleStep],
  ['modem_reset', modemResetStep],
  ['power_cycle', powerCycleStep],
];

/**
 * Climbs the ladder from rung `from` (default: the first); true when a rung brought the modem
 * back (initialised). An operator's reset starts at `modem_reset`.
 */
export async function runRecoveryLadder(
  host: RecoveryHost,
  from: RecoveryStep = 'resync',
): Promise<boolean> {
  const start = Math.max(
    0,
    STEPS.findIndex(([name]) => name === from),
  );
  for (const [, step] of STEPS.slice(start)) {
    host.lifetime.check();
    if (await step(host)) return true;
  }
  host.lifetime.check();
  host.report('give_up', false, 'recovery_exhausted');
  return false;
}

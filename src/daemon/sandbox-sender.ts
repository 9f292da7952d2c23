/**
 * Delivers sandbox orders' synthetic verification SMS: picks due `sandbox_deliveries` rows and
 * injects the generated text into the simulated modem holding the order's SIM, so it travels the
 * real pipeline (simulated network → AT → PDU codec → store → matching) like a real SMS. Rows
 * are written by the purchase/retry/swap transactions, so a restart only delays them. Injection
 * comes before the row is marked: a crash in between repeats the SMS, which is harmless.
 */
import {
  SIMULATED_SLOT_PREFIX,
  decideSandboxDelivery,
  sandboxSms,
  type DueSandboxDelivery,
  type SandboxDeliveryPort,
} from '../domain/index.js';
import { describeError, type Clock, type Logger, type TimerHandle } from '../shared/index.js';

/** What the sender needs of a simulated modem (src/simulator SimulatedModem). */
export interface InjectableModem {
  readonly index: number;
  readonly identity: { readonly iccid: string };
  injectSms(sms: { readonly from: string; readonly text: string }): unknown;
}

export interface SandboxSenderOptions {
  readonly deliveries: SandboxDeliveryPort;
  /** The built-in simulated modems (empty when none are configured). */
  readonly modems: readonly InjectableModem[];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random?: () => number;
  readonly pollMs?: number;
}

export interface SandboxSender {
  /** Delivers what is due now; returns how many rows were handled. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

const POLL_MS = 500;
const BATCH = 100;
/** A modem that is gone (config changed, SIM moved) is retried a few times, then given up. */
const MAX_ATTEMPTS = 5;
const RETRY_MS = 5_000;

/** The modem holding the SIM: by its `simulated:<index>` slot, else by ICCID. */
function modemFor(
  modems: readonly InjectableModem[],
  delivery: DueSandboxDelivery,
): InjectableModem | undefined {
  const slot = delivery.slotPath?.startsWith(SIMULATED_SLOT_PREFIX)
    ? Number(delivery.slotPath.slice(SIMULATED_SLOT_PREFIX.length))
    : NaN;
  const bySlot = modems.find((m) => m.index === slot);
  if (bySlot && bySlot.identity.iccid === delivery.simIccid) return bySlot;
  return modems.find((m) => m.identity.iccid === delivery.simIccid);
}

export function startSandboxSender(options: SandboxSenderOptions): SandboxSender {
  const { deliveries, modems, clock, logger } = options;
  const random = options.random ?? Math.random;
  const pollMs = options.pollMs ?? POLL_MS;

  const deliver = async (delivery: DueSandboxDelivery): Promise<void> => {
    const now = clock.now();
    if (decideSandboxDelivery(delivery.order, delivery.simIccid) === 'skip') {
      await deliveries.complete(delivery.id, 'skipped', now);
      return;
    }
    const modem = modemFor(modems, delivery);
    try {
      if (!modem) throw new Error(`no simulated modem holds SIM ${delivery.simIccid}`);
      const sms = sandboxSms(delivery.service, random);
      modem.injectSms({ from: sms.sender, text: sms.text });
      await deliveries.complete(delivery.id, 'injected', now);
      logger.info(
        { order: delivery.orderId, kind: delivery.kind, modem: modem.index },
        'sandbox SMS injected',
      );
    } catch (error) {
      const giveUp = delivery.attempts + 1 >= MAX_ATTEMPTS;
      logger.warn(
        { err: describeError(error), order: delivery.orderId, attempts: delivery.attempts + 1 },
        giveUp ? 'sandbox SMS abandoned' : 'sandbox SMS postponed',
      );
      if (giveUp) await deliveries.complete(delivery.id, 'failed', now);
      else await deliveries.postpone(delivery.id, now + RETRY_MS);
    }
  };

  const runOnce = async (): Promise<number> => {
    let handled = 0;
    for (;;) {
      const due = await deliveries.due(clock.now(), BATCH);
      for (const delivery of due) await deliver(delivery);
      handled += due.length;
      if (due.length < BATCH) return handled;
    }
  };

  let timer: TimerHandle | undefined;
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = async (): Promise<void> => {
    try {
      await runOnce();
    } catch (error) {
      logger.error({ err: describeError(error) }, 'sandbox SMS delivery failed');
    }
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      running = tick().finally(schedule);
    }, pollMs);
  };
  // Rows that fell due while the daemon was down go out at once.
  running = tick().finally(schedule);

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      await running;
    },
  };
}

import { AtEngine } from '../at/index.js';
import { silentLogger, systemClock, type Clock, type Logger } from '../shared/index.js';
import type { LinkFactory } from '../transport/index.js';
import type { ModemHealth, ModemInfo, ModemTiming, SimInfo, SimStatus } from './contract.js';
import { registrationOf, pollHealth, type RegistrationView } from './health.js';
import { Lifetime } from './helpers.js';
import { initializeModem } from './init.js';
import { DEFAULT_MODEM_TIMING } from './timing.js';

export interface IdentifyOptions {
  readonly pins?: Readonly<Record<string, string>>;
  readonly numbers?: Readonly<Record<string, string>>;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly timing?: Partial<ModemTiming>;
}

export interface ModemReport {
  readonly info: ModemInfo;
  readonly simStatus: SimStatus;
  readonly sim: SimInfo | null;
  readonly health: ModemHealth;
  /** Where SMS are kept (`SM`, `MT` …) and the `AT+CNMI` setting the modem accepted. */
  readonly smsStorage: string | null;
  readonly cnmi: string | null;
}

/**
 * Opens a port, runs the init and identity sequence and one health poll, and closes it again:
 * what `simpool probe` shows an operator about new hardware. It reads and deletes no SMS.
 */
export async function identifyModem(
  factory: LinkFactory,
  options: IdentifyOptions = {},
): Promise<ModemReport> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const engine = new AtEngine(await factory(), { clock, logger });
  const lifetime = new Lifetime(clock);
  try {
    const init = await initializeModem({
      engine,
      logger,
      timing: { ...DEFAULT_MODEM_TIMING, ...options.timing },
      lifetime,
      pins: options.pins ?? {},
      numbers: options.numbers ?? {},
      refusedPins: new Set(),
    });
    const view: RegistrationView = { cs: 'unknown', eps: null, epsSupported: true };
    const poll = await pollHealth(engine, view);
    return {
      info: init.info,
      simStatus: init.status,
      sim: init.sim,
      health: {
        signalDbm: poll.signalDbm,
        registration: registrationOf(view),
        operator: poll.operator ?? init.sim?.operator ?? null,
        storageUsed: poll.storage?.used ?? null,
        storageTotal: poll.storage?.total ?? null,
        checkedAt: clock.now(),
      },
      smsStorage: init.sms?.storage ?? null,
      cnmi: init.sms?.cnmi ?? null,
    };
  } finally {
    lifetime.end();
    await engine.close();
  }
}

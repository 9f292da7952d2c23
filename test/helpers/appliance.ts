import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { loadConfig, startDaemon, type Config, type Daemon } from '../../src/daemon/index.js';
import { ManualClock, silentLogger, type Logger } from '../../src/shared/index.js';
import { advanceUntil } from './advance.js';

export interface Appliance {
  readonly daemon: Daemon;
  readonly clock: ManualClock;
  readonly dir: string;
}

export interface ApplianceOptions {
  /** Temp folder name prefix, for finding leftovers. */
  readonly prefix?: string;
  readonly modems?: number;
  /** Where the clock starts; default 2026-11-22T12:00Z. */
  readonly startMs?: number;
  /** Changes to the loaded configuration (e.g. webhooks.allowPrivate). */
  readonly configure?: (config: Config) => Config;
  /** The daemon's logger (default: silent), e.g. a pino writing to a stream the test reads. */
  readonly logger?: Logger;
}

/**
 * The whole appliance for a test: built-in simulated modems, the pool, a real SQLite file, the
 * rental engine and the API listening on 127.0.0.1 (port 0), all on one ManualClock, started
 * with every modem ready. Returns a starter; everything started is stopped (and its folder
 * removed) after each test, in reverse order.
 */
export function useAppliance(): {
  start(options?: ApplianceOptions): Promise<Appliance>;
  /** Registers extra clean-up (receivers, clients) to run with the appliance's. */
  defer(cleanup: () => Promise<unknown>): void;
} {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    defer: (cleanup) => void cleanups.push(cleanup),
    async start(options = {}) {
      const dir = await mkdtemp(path.join(os.tmpdir(), options.prefix ?? 'simpool-appliance-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const clock = new ManualClock(options.startMs ?? Date.UTC(2026, 10, 22, 12));
      const loaded = loadConfig(
        undefined,
        {
          dataDir: dir,
          // Pinned, not the hostname: the simulated SIMs' identities are the same on every machine.
          hostId: 'appliance-test',
          modems: [`simulated:${options.modems ?? 5}`],
          port: 0,
          host: '127.0.0.1',
          logLevel: 'silent',
        },
        {},
      );
      const config = { ...loaded, simulatorControlPort: 0 };
      const daemon = await startDaemon(options.configure ? options.configure(config) : config, {
        clock,
        logger: options.logger ?? silentLogger,
      });
      cleanups.push(() => daemon.stop());
      await advanceUntil(clock, () => daemon.pool.modems().every((m) => m.state === 'ready'));
      return { daemon, clock, dir };
    },
  };
}

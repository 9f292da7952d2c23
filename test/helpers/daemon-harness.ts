import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  loadConfig,
  openConfiguredSqlite,
  startDaemon,
  type Config,
  type Daemon,
} from '../../src/daemon/index.js';
import { silentLogger } from '../../src/shared/index.js';
import { createRepositories, type SqliteStore } from '../../src/store/index.js';
import { requireTool } from './require-tool.js';
import { pollUntil, startSimulatorProcess, type SimulatorProcess } from './sim-process.js';

/** Fast intervals so hotplug, health and sweeps happen within a test's patience. */
export const FAST_INTERVALS = {
  healthIntervalMs: 1000,
  sweepIntervalMs: 1000,
  hotplugIntervalMs: 200,
};

/**
 * A recovery ladder that climbs in seconds: short AT and resync timeouts, one reopen, short
 * pauses. Pair it with a simulator started with a short `--reset-delay`.
 */
export const FAST_LADDER = {
  wakeRounds: 1,
  commandTimeoutMs: 1000,
  resyncAttempts: 2,
  resyncTimeoutMs: 300,
  reopenAttempts: 1,
  reopenDelayMs: 100,
  radioOffMs: 100,
  cfunTimeoutMs: 1000,
  bootDelayMs: 300,
  reappearTimeoutMs: 3000,
  reappearPollMs: 200,
};

export interface SimulatorControl {
  readonly url: string;
  injectSms(index: number, body: Record<string, unknown>): Promise<void>;
  fault(index: number, body: Record<string, unknown>): Promise<void>;
  sent(index: number): Promise<SentPart[]>;
  modems(): Promise<SimulatedModemInfo[]>;
  modem(index: number): Promise<SimulatedModemInfo>;
}

export interface SentPart {
  readonly to: string;
  readonly text: string;
  readonly encoding: string;
  readonly concat?: { ref: number; total: number; seq: number };
  readonly mr: number;
  /** When the simulated network took it (the simulator's clock). */
  readonly timestampMs: number;
  readonly statusReportRequested: boolean;
}

export interface SimulatedModemInfo {
  readonly index: number;
  readonly link: string;
  readonly imei: string;
  readonly iccid: string;
  readonly plugged: boolean;
  readonly pendingInNetwork: number;
}

/** What `simpool simulate` reports as sent, joined back into messages (parts by reference). */
export function sentMessages(parts: readonly SentPart[]): { to: string; text: string }[] {
  const messages: { to: string; text: string; key: string | null; parts: SentPart[] }[] = [];
  for (const part of parts) {
    const key = part.concat ? `${part.to}/${part.concat.ref}/${part.concat.total}` : null;
    // As a phone does: a part joins the message of its (recipient, reference, total) that is
    // still incomplete. References are random bytes, so two messages in turn may share one.
    const open =
      key === null
        ? undefined
        : messages.find((m) => m.key === key && m.parts.length < part.concat!.total);
    if (open) open.parts.push(part);
    else messages.push({ to: part.to, text: '', key, parts: [part] });
  }
  return messages.map((m) => ({
    to: m.to,
    text: [...m.parts]
      .sort((a, b) => (a.concat?.seq ?? 0) - (b.concat?.seq ?? 0))
      .map((p) => p.text)
      .join(''),
  }));
}

export function simulatorControl(url: string): SimulatorControl {
  const call = async (method: string, route: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${url}${route}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!response.ok)
      throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  return {
    url,
    injectSms: async (i, body) => void (await call('POST', `/modems/${i}/sms`, body)),
    fault: async (i, body) => void (await call('POST', `/modems/${i}/fault`, body)),
    sent: async (i) => (await call('GET', `/modems/${i}/sent`)) as never,
    modems: async () => (await call('GET', '/modems')) as never,
    modem: async (i) => (await call('GET', `/modems/${i}`)) as never,
  };
}

/**
 * A test bench for the daemon against simulated modems on real pseudo-terminals: `simpool
 * simulate` runs as a child process (its SIM storage survives the daemon), the daemon runs
 * in-process against `DIR/ttySIM*` with a real SQLite file.
 */
export class DaemonBench {
  daemon: Daemon | undefined;
  private constructor(
    readonly dir: string,
    readonly simulator: SimulatorProcess,
    readonly control: SimulatorControl,
    readonly config: Config,
    /** The config file, for `simpool … --config FILE` child processes. */
    readonly configFile: string,
    /** Where the simulator's PTY links are (`ttySIM0` …). */
    readonly links: string,
  ) {}

  /**
   * `config` is merged into the config file; as a function it gets the simulator's control URL
   * and link directory (e.g. for a power-cycle command that talks to the simulator).
   */
  static async create(
    options: {
      count?: number;
      simulateArgs?: string[];
      config?:
        | Record<string, unknown>
        | ((simulator: {
            controlUrl: string;
            links: string;
            dir: string;
          }) => Record<string, unknown>);
    } = {},
  ): Promise<DaemonBench> {
    requireTool('socat');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-daemon-'));
    const links = path.join(dir, 'links');
    const simulator = await startSimulatorProcess([
      '--count',
      String(options.count ?? 2),
      '--link-dir',
      links,
      '--control-port',
      '0',
      '--flavour',
      'mixed',
      '--send-delay',
      '50',
      ...(options.simulateArgs ?? []),
    ]);
    const file = path.join(dir, 'simpool.json');
    const extra =
      typeof options.config === 'function'
        ? options.config({ controlUrl: simulator.controlUrl, links, dir })
        : options.config;
    await writeFile(
      file,
      JSON.stringify({
        dataDir: path.join(dir, 'data'),
        modems: [`${links}/ttySIM*`],
        port: 0,
        logLevel: 'silent',
        ...FAST_INTERVALS,
        ...extra,
      }),
    );
    return new DaemonBench(
      dir,
      simulator,
      simulatorControl(simulator.controlUrl),
      loadConfig(file, {}, {}),
      file,
      links,
    );
  }

  async startDaemon(): Promise<Daemon> {
    this.daemon = await startDaemon(this.config, { logger: silentLogger });
    return this.daemon;
  }

  async stopDaemon(): Promise<void> {
    await this.daemon?.stop();
    this.daemon = undefined;
  }

  /** Reads the database with a connection of its own, as another process would. */
  async read<T>(use: (repos: SqliteStore) => T | Promise<T>): Promise<T> {
    const db = openConfiguredSqlite(this.config);
    try {
      return await use(createRepositories(db));
    } finally {
      db.close();
    }
  }

  async waitForReadyModems(count: number, timeoutMs = 20_000): Promise<void> {
    await pollUntil(
      () => {
        const ready = this.daemon?.pool.modems().filter((m) => m.state === 'ready') ?? [];
        return ready.length >= count ? true : undefined;
      },
      timeoutMs,
      `${count} ready modems`,
    );
  }

  async dispose(): Promise<void> {
    await this.stopDaemon();
    await this.simulator.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

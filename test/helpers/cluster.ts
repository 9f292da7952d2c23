/**
 * Several `simpool start` processes on one PostgreSQL database: a cluster as an operator runs it,
 * one host per process, each with its own host id, data directory, API port, simulated modems and
 * their control API. For the cluster test and `npm run bench:cluster` (so: no vitest imports).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pollUntil, startSimpoolProcess, type SimpoolProcess } from './sim-process.js';

export interface ClusterOptions {
  /** The shared database (a postgres:// URL; a SQLite file works for a one-host run too). */
  readonly database: string;
  /** One host per id, started together. */
  readonly hostIds: readonly string[];
  /** `simulated:N` on every host. */
  readonly modemsPerHost: number;
  /** Merged into every host's config file (e.g. `hostLeaseTtlMs`, `api`, `orders`). */
  readonly config?: Record<string, unknown>;
  /** Patience for one host to print `simpool started` (a loaded machine needs tens of seconds). */
  readonly startTimeoutMs?: number;
}

export interface ClusterHost {
  readonly hostId: string;
  /** `http://127.0.0.1:PORT` (the REST API is under /api/v1, WebSocket feeds under /ws). */
  readonly apiUrl: string;
  /** `http://127.0.0.1:PORT`: the simulated modems' control API (`/modems/…`). */
  readonly controlUrl: string;
  readonly dataDir: string;
  readonly process: SimpoolProcess;
  /** Sends `signal`; resolves once the process has exited. SIGKILL: a crash or power cut. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface Cluster {
  readonly database: string;
  readonly dir: string;
  readonly hosts: ClusterHost[];
  /**
   * The first host's admin credential (scopes admin, messages, orders): every host accepts it,
   * since keys live in the shared database.
   */
  readonly adminKey: string;
  /** Each host's exit code (if it ended) and the end of its output, for a failing test. */
  describe(lines?: number): string;
  /** Starts (again) the host with this id on its own data directory; replaces it in `hosts`. */
  startHost(hostId: string): Promise<ClusterHost>;
  /** Every host stopped (SIGTERM, then SIGKILL after 10 s) and the folder removed. */
  stop(): Promise<void>;
}

/** Printed by `simpool start` once everything listens; the control API line comes last. */
const STARTED = /simpool started[\s\S]*simulated modems' control API: (http:\/\/\S+)\/modems/;

/** Starts every host at once (they migrate once, under an advisory lock) and waits for them. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-cluster-'));
  const hosts: ClusterHost[] = [];
  const configFile = path.join(dir, 'simpool.json');
  await writeFile(
    configFile,
    JSON.stringify({ logLevel: 'warn', ...options.config, database: options.database }),
  );
  let adminKey: string | undefined;

  const startHost = async (hostId: string): Promise<ClusterHost> => {
    const dataDir = path.join(dir, hostId);
    await mkdir(dataDir, { recursive: true });
    const child = await startSimpoolProcess(
      [
        'start',
        ...['--config', configFile, '--data-dir', dataDir, '--host-id', hostId],
        ...['--modems', `simulated:${options.modemsPerHost}`],
        ...['--port', '0', '--simulator-port', '0'],
      ],
      STARTED,
      options.startTimeoutMs ?? 90_000,
      environmentWithoutSimpool(),
    );
    const output = child.output();
    const api = /API: (http:\/\/\S+)\/api\/v1/.exec(output);
    if (!api) throw new Error(`no API URL in the output of ${hostId}:\n${output}`);
    const credential = /admin credential \(new\): (\S+)/.exec(output);
    adminKey ??= credential?.[1];
    const host: ClusterHost = {
      hostId,
      apiUrl: api[1]!,
      controlUrl: child.ready[1]!,
      dataDir,
      process: child,
      kill: async (signal = 'SIGKILL') => {
        if (signal === 'SIGKILL') return child.kill();
        await child.stop();
      },
    };
    const index = hosts.findIndex((h) => h.hostId === hostId);
    if (index >= 0) hosts[index] = host;
    else hosts.push(host);
    return host;
  };

  const stop = async (): Promise<void> => {
    await Promise.all(hosts.map((h) => h.process.stop()));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const started = await Promise.allSettled(options.hostIds.map((id) => startHost(id)));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    // Keep the order of hostIds whatever order they came up in.
    hosts.sort((a, b) => options.hostIds.indexOf(a.hostId) - options.hostIds.indexOf(b.hostId));
  } catch (error) {
    await stop();
    throw error;
  }
  if (adminKey === undefined) {
    await stop();
    throw new Error('no host printed a new admin credential (was the database empty?)');
  }
  const describe = (lines = 40): string =>
    hosts
      .map((h) => {
        const code = h.process.child.exitCode ?? h.process.child.signalCode ?? 'running';
        const tail = h.process.output().trimEnd().split('\n').slice(-lines).join('\n');
        return `--- ${h.hostId} (${code}):\n${tail}`;
      })
      .join('\n');
  return { database: options.database, dir, hosts, adminKey, describe, startHost, stop };
}

/** The test runner's SIMPOOL_* settings must not leak into the hosts (their flags decide). */
function environmentWithoutSimpool(): Record<string, undefined> {
  return Object.fromEntries(
    Object.keys(process.env)
      .filter((name) => name.startsWith('SIMPOOL_'))
      .map((name) => [name, undefined]),
  );
}

/** An admin API row of GET /api/v1/admin/sims. */
export interface AdminSim {
  readonly iccid: string;
  readonly number: string | null;
  readonly country: string | null;
  readonly status: string;
  readonly host: string | null;
  readonly host_state: string | null;
}

/** Every host's SIMs as one host's admin API shows them. */
export async function adminSims(apiUrl: string, adminKey: string): Promise<AdminSim[]> {
  const response = await fetch(`${apiUrl}/api/v1/admin/sims`, {
    headers: { 'x-api-key': adminKey },
  });
  if (!response.ok) throw new Error(`GET /admin/sims: ${response.status}`);
  return ((await response.json()) as { data: AdminSim[] }).data;
}

/**
 * Waits until `apiUrl`'s admin API shows `count` ready SIMs (every host's modems initialised and
 * registered): purchases before that would find fewer SIMs than the test counts on.
 */
export async function waitForReadySims(
  apiUrl: string,
  adminKey: string,
  count: number,
  timeoutMs = 60_000,
): Promise<AdminSim[]> {
  return pollUntil(
    async () => {
      const sims = await adminSims(apiUrl, adminKey);
      const ready = sims.filter((s) => s.status === 'ready');
      return ready.length >= count ? sims : undefined;
    },
    timeoutMs,
    `${count} ready SIMs`,
    200,
  );
}

/** A simulated modem as its host's control API lists it. */
export interface ControlModem {
  readonly index: number;
  readonly iccid: string;
  readonly msisdn: string;
  readonly cnumVisible: boolean;
}

export async function controlModems(controlUrl: string): Promise<ControlModem[]> {
  const response = await fetch(`${controlUrl}/modems`);
  if (!response.ok) throw new Error(`GET /modems: ${response.status}`);
  return (await response.json()) as ControlModem[];
}

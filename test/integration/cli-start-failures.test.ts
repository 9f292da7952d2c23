import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/sim-process.js';

/**
 * `simpool start` that cannot serve (a port taken, an address not of this machine, a database
 * that cannot be opened, a bad config) exits non-zero by itself, after closing the modems it
 * had opened, with a message naming the setting and every way to change it. The real CLI runs
 * as a child process; a run that has not ended after EXIT_PATIENCE_MS is killed and fails.
 */
const EXIT_PATIENCE_MS = 60_000;

interface Run {
  /** false: still running after EXIT_PATIENCE_MS (then killed). */
  readonly exited: boolean;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `simpool start ARGS…` until it ends. `onOutput` sees stdout as it grows (to send a
 * signal at a chosen moment).
 */
function start(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  onOutput?: (stdout: string, send: (signal: NodeJS.Signals) => void) => void,
): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start', ...args], {
    cwd: repoRoot,
    env: { ...process.env, SIMPOOL_CONFIG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exited = true;
  const send = (signal: NodeJS.Signals): void => void child.kill(signal);
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onOutput?.(stdout, send);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const patience = setTimeout(() => {
    exited = false;
    child.kill('SIGKILL');
  }, EXIT_PATIENCE_MS);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(patience);
      resolve({ exited, code, signal, stdout, stderr });
    });
  });
}

/** A real listener on 127.0.0.1 holding a port, as another program would. */
async function occupyPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Slots whose modem was attached, and whether each was detached again. */
function modemsOpenedAndClosed(stdout: string): { attached: string[]; detached: string[] } {
  const lines = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; modem?: string });
  const slots = (msg: string) =>
    lines.filter((l) => l.msg === msg && l.modem !== undefined).map((l) => l.modem!);
  return { attached: slots('modem attached').sort(), detached: slots('modem detached').sort() };
}

describe('simpool start that cannot serve', { timeout: 90_000 }, () => {
  let dir: string;
  /** The simulated modems' control API on any free port: runs in parallel never collide. */
  let anyControlPort: string;
  let runs = 0;
  const dataDir = () => path.join(dir, `data-${++runs}`);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-start-failures-'));
    anyControlPort = path.join(dir, 'control-port-0.json');
    await writeFile(anyControlPort, JSON.stringify({ simulatorControlPort: 0 }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 1 when the API port is in use, naming --port and SIMPOOL_PORT, modems closed', async () => {
    const taken = await occupyPort();
    try {
      const run = await start([
        '--data-dir',
        dataDir(),
        '--modems',
        'simulated:2',
        '--port',
        String(taken.port),
        '--config',
        anyControlPort,
      ]);
      expect(run.exited, run.stdout).toBe(true);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`api port ${taken.port} (--port, SIMPOOL_PORT) is in use`);
      expect(run.stderr).not.toContain('EADDRINUSE');
      // The modems were opened before the API listened: they are closed again.
      const modems = modemsOpenedAndClosed(run.stdout);
      expect(modems.attached).toEqual(['simulated:0', 'simulated:1']);
      expect(modems.detached).toEqual(modems.attached);
    } finally {
      await taken.close();
    }
  });

  it('names the simulator control port (--simulator-port, SIMPOOL_SIMULATOR_PORT) when it is taken', async () => {
    const taken = await occupyPort();
    try {
      const run = await start(['--data-dir', dataDir(), '--modems', 'simulated:1', '--port', '0'], {
        SIMPOOL_SIMULATOR_PORT: String(taken.port),
      });
      expect(run.exited, run.stdout).toBe(true);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `simulator control port ${taken.port} (--simulator-port, SIMPOOL_SIMULATOR_PORT) is in use`,
      );
    } finally {
      await taken.close();
    }
  });

  it('exits 1 when the host is not an address of this machine, naming --host and SIMPOOL_HOST', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never configured on a host.
    const run = await start(
      [
        '--config',
        anyControlPort,
        '--data-dir',
        dataDir(),
        '--modems',
        'simulated:1',
        '--port',
        '0',
      ],
      { SIMPOOL_HOST: '192.0.2.1' },
    );
    expect(run.exited, run.stdout).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'api host 192.0.2.1 (--host, SIMPOOL_HOST) is not an address of this machine',
    );
    const modems = modemsOpenedAndClosed(run.stdout);
    expect(modems.attached).toEqual(['simulated:0']);
    expect(modems.detached).toEqual(['simulated:0']);
  });

  it('exits 1 when the data directory or the database cannot be used, naming why and where', async () => {
    // A data directory under a regular file cannot be created, whoever runs the test (root too).
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'not a directory');
    const unwritable = await start(['--data-dir', path.join(file, 'data'), '--port', '0']);
    expect(unwritable.exited, unwritable.stdout).toBe(true);
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toContain(
      `cannot open the database ${path.join(file, 'data', 'simpool.db')}: ENOTDIR`,
    );
    expect(unwritable.stderr).toContain('data directory: --data-dir, SIMPOOL_DATA_DIR');
    expect(modemsOpenedAndClosed(unwritable.stdout).attached).toEqual([]);

    const garbage = path.join(dir, 'garbage.db');
    await writeFile(garbage, Buffer.alloc(8192, 0x5a));
    const notDatabase = await start(['--data-dir', dataDir(), '--port', '0'], {
      SIMPOOL_DATABASE: garbage,
    });
    expect(notDatabase.exited, notDatabase.stdout).toBe(true);
    expect(notDatabase.code).toBe(1);
    expect(notDatabase.stderr).toContain(
      `cannot open the database ${garbage}: file is not a database`,
    );
    expect(notDatabase.stderr).toContain('database file: --database, SIMPOOL_DATABASE');
  });

  it('exits 1 on a PostgreSQL database it cannot reach, password masked, no modem opened', async () => {
    const secret = 'pg-S3cret';
    const run = await start(
      ['--config', anyControlPort, '--data-dir', dataDir(), '--modems', 'simulated:1'],
      { SIMPOOL_DATABASE: `postgres://simpool:${secret}@127.0.0.1:1/simpool?sslmode=require` },
    );
    expect(run.exited, run.stdout).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'simpool: cannot open PostgreSQL database postgres://simpool:***@127.0.0.1:1/simpool?sslmode=require: ',
    );
    expect(run.stderr).toContain('(database: --database, SIMPOOL_DATABASE; password file: ');
    expect(run.stderr).toContain('(store_open_failed)');
    expect(run.stdout + run.stderr).not.toContain(secret);
    expect(modemsOpenedAndClosed(run.stdout).attached).toEqual([]);
  });

  it('exits 1 on a bad config before opening any modem, naming the field and its variable', async () => {
    const config = path.join(dir, 'bad.json');
    await writeFile(config, JSON.stringify({ port: 80_000, modems: ['simulated:1'] }));
    const run = await start(['--config', config, '--data-dir', dataDir()], {
      SIMPOOL_LOG_LEVEL: 'loud',
    });
    expect(run.exited, run.stdout).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`invalid configuration (${config})`);
    expect(run.stderr).toMatch(/port: must be .*80000/);
    expect(run.stderr).toContain('logLevel (from SIMPOOL_LOG_LEVEL)');
    expect(modemsOpenedAndClosed(run.stdout).attached).toEqual([]);
  });

  it('stops on SIGTERM during start-up and after it, closing the modems', async () => {
    const args = () => [
      '--data-dir',
      dataDir(),
      '--modems',
      'simulated:2',
      '--port',
      '0',
      '--config',
      anyControlPort,
    ];
    let sent = false;
    const during = await start(args(), {}, (stdout, send) => {
      if (!sent && stdout.includes('"modem attached"')) {
        sent = true;
        send('SIGTERM');
      }
    });
    expect(sent).toBe(true);
    expect(during.exited, during.stdout).toBe(true);
    // Not Node's default (killed by the signal, modems mid-command): a stop, modems closed.
    expect(during.signal).toBeNull();
    expect(during.code).toBe(0);
    const opened = modemsOpenedAndClosed(during.stdout);
    expect(opened.detached).toEqual(opened.attached);

    sent = false;
    const after = await start(args(), {}, (stdout, send) => {
      if (!sent && stdout.includes('simpool started')) {
        sent = true;
        send('SIGTERM');
      }
    });
    expect(after.exited, after.stdout).toBe(true);
    expect(after.code).toBe(0);
    const modems = modemsOpenedAndClosed(after.stdout);
    expect(modems.detached).toEqual(modems.attached);
    expect(after.stdout).toContain('"stopped"');
  });
});

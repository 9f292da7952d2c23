import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRepositories, openDatabase } from '../../src/store/index.js';
import { repoRoot } from '../helpers/sim-process.js';

const run = promisify(execFile);

/**
 * `simpool hosts` on a SQLite file, and `simpool start` as real processes: a second daemon with
 * the same host id on the same database is refused before it opens a modem; after the first is
 * killed with SIGKILL, a new one takes the host id over at once with the next epoch.
 */
const PATIENCE_MS = 60_000;

interface Daemon {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text`; rejects if the process ends first. */
  waitFor(text: string): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function launch(args: string[]): Daemon {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start', ...args], {
    cwd: repoRoot,
    env: { ...process.env, SIMPOOL_CONFIG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const w of watchers.splice(0)) {
      if (stdout.includes(w.text)) w.resolve();
      else watchers.push(w);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const patience = setTimeout(() => child.kill('SIGKILL'), PATIENCE_MS);
  void exited.then(() => clearTimeout(patience));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.includes(text)) return resolve();
        watchers.push({ text, resolve });
        void exited.then(() =>
          reject(new Error(`exited before printing ${text}:\n${stdout}\n${stderr}`)),
        );
      }),
  };
}

describe('simpool hosts and one daemon per host id', { timeout: 240_000 }, () => {
  let dir: string;
  const running: Daemon[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-cli-hosts-'));
  });
  afterEach(async () => {
    for (const daemon of running.splice(0)) {
      daemon.child.kill('SIGKILL');
      await daemon.exited;
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const simpool = async (dataDir: string, ...args: string[]): Promise<string> =>
    (
      await run(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', ...args, '--data-dir', dataDir],
        { cwd: repoRoot, timeout: 30_000, env: { ...process.env, SIMPOOL_CONFIG: '' } },
      )
    ).stdout;

  it('lists the hosts with their lease, epoch, modems and SIMs', async () => {
    const dataDir = path.join(dir, 'listing');
    expect(await simpool(dataDir, 'hosts')).toContain('no host has started on this database yet');
    const db = openDatabase(path.join(dataDir, 'simpool.db'));
    try {
      const { hosts } = createRepositories(db);
      const start = (hostId: string) =>
        hosts.start({ hostId, version: '0.1.0', apiUrl: null, leaseTtlMs: 60_000 });
      const rack1 = await start('rack-1');
      await rack1.setApiUrl('http://10.0.0.1:8080');
      const rack2 = await start('rack-2');
      await rack2.stop();
      const again = await start('rack-2');
      await again.stop();
      const at = 1_700_000_000_000;
      db.prepare(
        `INSERT INTO modems (imei, state, state_changed_at, first_seen_at, last_seen_at, host_id)
         VALUES ('356938035643809', 'ready', ?, ?, ?, 'rack-1')`,
      ).run(at, at, at);
      for (const [iccid, status] of [
        ['8944100000000000011', 'ready'],
        ['8944100000000000012', 'offline'],
      ]) {
        db.prepare(
          `INSERT INTO sims (iccid, status, status_changed_at, first_seen_at, last_seen_at, host_id)
           VALUES (?, ?, ?, ?, ?, 'rack-1')`,
        ).run(iccid, status, at, at, at);
      }
      const table = (await simpool(dataDir, 'hosts')).trimEnd().split('\n');
      expect(table[0]).toMatch(
        /^HOST\s+LEASE\s+EPOCH\s+LEASE UNTIL\s+RENEWED\s+STARTED\s+VERSION\s+MODEMS\s+SIMS READY\s+API$/,
      );
      expect(table[1]).toMatch(
        /^rack-1\s+alive\s+1\s+\S+Z\s+\S+Z\s+\S+Z\s+0\.1\.0\s+1\s+1\/2\s+http:\/\/10\.0\.0\.1:8080$/,
      );
      expect(table[2]).toMatch(/^rack-2\s+stopped\s+2\s.*\s0\s+0\/0\s+-$/);

      const listed = JSON.parse(await simpool(dataDir, 'hosts', '--json')) as Record<
        string,
        unknown
      >[];
      expect(listed).toEqual([
        {
          id: 'rack-1',
          epoch: 1,
          state: 'alive',
          leaseUntil: new Date(rack1.leaseUntil).toISOString(),
          renewedAt: new Date(rack1.startedAt).toISOString(),
          startedAt: new Date(rack1.startedAt).toISOString(),
          stoppedAt: null,
          version: '0.1.0',
          apiUrl: 'http://10.0.0.1:8080',
          modems: 1,
          sims: { ready: 1, total: 2 },
        },
        expect.objectContaining({ id: 'rack-2', epoch: 2, state: 'stopped', modems: 0 }),
      ]);
      await rack1.stop();
    } finally {
      db.close();
    }
  });

  it('refuses a second daemon with the same host id on the same file; after kill -9 the next start takes over', async () => {
    const dataDir = path.join(dir, 'twice');
    const args = [
      '--data-dir',
      dataDir,
      '--host-id',
      'rack-1',
      '--modems',
      'simulated:1',
      '--port',
      '0',
      '--simulator-port',
      '0',
    ];
    const first = launch(args);
    running.push(first);
    await first.waitFor('simpool started');

    const second = launch(args);
    running.push(second);
    const refused = await second.exited;
    expect(refused.code, second.stderr()).toBe(1);
    expect(second.stderr()).toContain(
      'simpool: host id "rack-1" is in use by another simpool process',
    );
    expect(second.stderr()).toContain('--host-id, SIMPOOL_HOST_ID');
    expect(second.stderr()).toContain('(host_id_in_use)');
    // Refused before any modem was opened.
    expect(second.stdout()).not.toContain('modem attached');

    first.child.kill('SIGKILL');
    await first.exited;
    const third = launch(args);
    running.push(third);
    await third.waitFor('simpool started');
    third.child.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);

    const [host] = JSON.parse(await simpool(dataDir, 'hosts', '--json')) as {
      epoch: number;
      state: string;
      modems: number;
    }[];
    expect(host).toMatchObject({ epoch: 2, state: 'stopped', modems: 1 });
  });
});

import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerService } from '../../src/domain/index.js';
import { systemClock } from '../../src/shared/index.js';
import { createRepositories, openDatabase } from '../../src/store/index.js';
import { repoRoot } from '../helpers/sim-process.js';

const run = promisify(execFile);

/**
 * The admin credential from the operator's side, as child processes on one data dir: printed by
 * the first `simpool start` only, by `simpool admin credential` on request, rotated; and keys of
 * the operator account from `simpool key create` without --customer.
 */
describe('simpool start, admin credential and operator keys', () => {
  let dir: string;
  let config: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-cli-admin-'));
    config = path.join(dir, 'config.json');
    await writeFile(
      config,
      JSON.stringify({
        host: '127.0.0.1',
        port: 0,
        modems: ['simulated:1'],
        simulatorControlPort: 0,
        logLevel: 'silent',
      }),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const args = (...rest: string[]) => [
    '--import',
    'tsx',
    'src/cli/main.ts',
    ...rest,
    '--config',
    config,
    '--data-dir',
    dir,
  ];
  const simpool = (...rest: string[]) =>
    run(process.execPath, args(...rest), { cwd: repoRoot, timeout: 30_000 });

  /** Runs `simpool start` until it printed its admin credential line, then stops it. */
  async function startOnce(): Promise<string> {
    const child = spawn(process.execPath, args('start'), { cwd: repoRoot });
    let out = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no credential line in: ${out}`)), 30_000);
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          if (/admin credential.*\n/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`simpool start exited: ${out}`)));
      });
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    return out;
  }

  async function scopesOf(plainKey: string) {
    const db = openDatabase(path.join(dir, 'simpool.db'));
    try {
      const service = new CustomerService(createRepositories(db).customers, systemClock);
      const auth = await service.authenticate(plainKey);
      return auth && { email: auth.customer.email, scopes: [...auth.key.scopes].sort() };
    } finally {
      db.close();
    }
  }

  it('prints the credential on the first start only, then on request; rotates it', async () => {
    const first = await startOnce();
    const credential = /admin credential \(new\): (sp_live_[0-9A-Za-z]{32})/.exec(first)?.[1];
    expect(credential).toBeDefined();
    const second = await startOnce();
    expect(second).not.toContain(credential);
    expect(second).toContain(path.join(dir, 'admin-credential'));

    expect((await simpool('admin', 'credential')).stdout.trim()).toBe(credential);
    expect(await scopesOf(credential!)).toEqual({
      email: 'operator@simpool.local',
      scopes: ['admin', 'messages', 'orders'],
    });
    const rotated = (await simpool('admin', 'credential', '--rotate')).stdout.trim();
    expect(rotated).toMatch(/^sp_live_/);
    expect(rotated).not.toBe(credential);
    expect(await scopesOf(credential!)).toBeNull();
    expect((await simpool('admin', 'credential', '--json')).stdout).toContain(rotated);
  }, 120_000);

  it('creates a key of the operator account without --customer', async () => {
    const { stdout } = await simpool('key', 'create', '--scope', 'messages', '--json');
    const created = JSON.parse(stdout) as { key_id: string; api_key: string; scopes: string[] };
    expect(created).toMatchObject({ scopes: ['messages'] });
    expect(await scopesOf(created.api_key)).toEqual({
      email: 'operator@simpool.local',
      scopes: ['messages'],
    });
    await simpool('key', 'revoke', created.key_id);
    expect(await scopesOf(created.api_key)).toBeNull();
  }, 60_000);
});

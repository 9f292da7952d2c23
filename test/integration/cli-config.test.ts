import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/sim-process.js';

const run = promisify(execFile);

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real CLI as a child process; never throws, so exit codes can be asserted. */
async function simpool(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: repoRoot, timeout: 30_000, env: { ...process.env, SIMPOOL_CONFIG: '', ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('simpool config check and migrate', { timeout: 60_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-cli-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the effective settings of a good file, PINs masked', async () => {
    const file = path.join(dir, 'good.json');
    await writeFile(
      file,
      JSON.stringify({
        port: 9090,
        modems: ['/dev/serial/by-path/*-port2'],
        pins: { '8944100000000000017': '4321' },
        orders: { holdSeconds: 60 },
      }),
    );
    const text = await simpool(['config', 'check', '--config', file], {
      SIMPOOL_LOG_LEVEL: 'warn',
    });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/listen\s+http:\/\/127\.0\.0\.1:9090/);
    expect(text.stdout).toMatch(/environment\s+SIMPOOL_LOG_LEVEL/);
    expect(text.stdout).toMatch(/orders\s+hold 60 s, lifetime 20 min/);
    expect(text.stdout).toContain('configuration OK');
    expect(text.stdout).not.toContain('4321');

    const json = await simpool(['config', 'check', '--json'], { SIMPOOL_CONFIG: file });
    const parsed = JSON.parse(json.stdout) as {
      ok: boolean;
      file: string;
      config: { port: number; logLevel: string; pins: Record<string, string> };
    };
    expect(parsed).toMatchObject({ ok: true, file, config: { port: 9090, logLevel: 'info' } });
    expect(parsed.config.pins).toEqual({ '8944100000000000017': '****' });
  });

  it('lists every problem of a bad file with its field and exits with 1', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ port: 'http', logLevel: 'loud', colour: 'red' }));
    const text = await simpool(['config', 'check', '--config', file]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`${file}: 3 problem(s)`);
    expect(text.stdout).toContain('port: must be a whole number, got "http"');
    expect(text.stdout).toContain('logLevel: must be one of');
    expect(text.stdout).toContain('colour: unknown field "colour"');

    const json = await simpool(['config', 'check', '--config', file, '--json']);
    expect(json.code).toBe(1);
    const refused = JSON.parse(json.stdout) as { ok: boolean; problems: string[] };
    expect(refused.ok).toBe(false);
    expect(refused.problems).toHaveLength(3);

    const start = await simpool(['start', '--config', file]);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain('port: must be a whole number');
    expect(start.stderr).toContain('(config_invalid)');
  });

  it('migrates a fresh database, then says it is up to date', async () => {
    const data = path.join(dir, 'data');
    const first = await simpool(['migrate', '--data-dir', data]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /simpool\.db migrated to schema version \d+ \(\d+ migrations applied\)/,
    );
    const again = await simpool(['migrate', '--data-dir', data, '--json']);
    const report = JSON.parse(again.stdout) as { applied: unknown[]; version: number };
    expect(report.applied).toEqual([]);
    expect(report.version).toBeGreaterThan(0);
    const text = await simpool(['migrate', '--data-dir', data]);
    expect(text.stdout).toContain(`is up to date (schema version ${report.version})`);
  });
});

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresDatabase } from '../helpers/postgres.js';
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

  it('shows the host id and the database, the PostgreSQL password masked', async () => {
    const secret = 'pg-S3cret';
    const url = `postgres://simpool:${secret}@db.example:5433/simpool?sslmode=require`;
    const env = { SIMPOOL_DATABASE: url, SIMPOOL_HOST_ID: 'rack-2' };
    const text = await simpool(['config', 'check'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/host id\s+rack-2\n/);
    expect(text.stdout).toMatch(
      /database\s+PostgreSQL postgres:\/\/simpool:\*\*\*@db\.example:5433\/simpool\?sslmode=require; password in the URL \(masked\)\n/,
    );
    expect(text.stdout).toMatch(/environment\s+SIMPOOL_DATABASE, SIMPOOL_HOST_ID/);
    expect(text.stdout).not.toContain(secret);

    const json = await simpool(['config', 'check', '--json'], env);
    expect(json.stdout).not.toContain(secret);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      config: {
        hostId: 'rack-2',
        database: {
          engine: 'postgres',
          url: 'postgres://simpool:***@db.example:5433/simpool?sslmode=require',
          passwordFile: null,
        },
      },
    });

    // The flags of every store command, a password file instead of a password in the URL.
    const passwordFile = path.join(dir, 'pg-password');
    await writeFile(passwordFile, `${secret}\n`, { mode: 0o600 });
    const flags = await simpool([
      'config',
      'check',
      '--database',
      'postgresql://simpool@db.example/simpool',
      '--database-password-file',
      passwordFile,
    ]);
    expect(flags.stdout).toMatch(
      new RegExp(
        `database\\s+PostgreSQL postgresql://simpool@db\\.example/simpool; password from ${passwordFile}\n`,
      ),
    );
    expect(flags.stdout).not.toContain(secret);

    const sqlite = await simpool(['config', 'check', '--data-dir', dir]);
    expect(sqlite.stdout).toContain(`SQLite ${path.join(dir, 'simpool.db')}`);
  });

  it('refuses an unknown database scheme in config check, naming the field and the variable', async () => {
    const refused = await simpool(['config', 'check'], {
      SIMPOOL_DATABASE: 'mysql://root:pg-S3cret@db/simpool',
    });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      'database (from SIMPOOL_DATABASE): unknown URL scheme "mysql:"',
    );
    expect(refused.stdout).not.toContain('pg-S3cret');
  });

  it('stops every store command on an unreachable PostgreSQL server, password masked', async () => {
    const secret = 'pg-S3cret';
    // Port 1 on the loopback: nothing listens, the connection is refused at once.
    const database = `postgres://simpool:${secret}@127.0.0.1:1/simpool`;
    for (const args of [['customer', 'list'], ['migrate'], ['modems', '--json']]) {
      const run = await simpool([...args, '--database', database]);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr).toContain(
        'simpool: cannot open PostgreSQL database postgres://simpool:***@127.0.0.1:1/simpool: ',
      );
      expect(run.stderr).toContain('(store_open_failed)');
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
  });

  it('runs the store commands on a PostgreSQL database', async () => {
    const database = await freshPostgresDatabase('cli');
    const first = await simpool(['migrate', '--database', database, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const migrated = JSON.parse(first.stdout) as { applied: unknown[]; version: number };
    expect(migrated.applied.length).toBe(migrated.version);
    const again = await simpool(['migrate', '--database', database]);
    expect(again.stdout).toContain(`is up to date (schema version ${migrated.version})`);
    const customer = await simpool([
      ...['customer', 'add', '--email', 'pg@example.com', '--balance', '5', '--database', database],
    ]);
    expect(customer.code, customer.stderr).toBe(0);
    const listed = await simpool(['customer', 'list', '--json', '--database', database]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('pg@example.com');
    const modems = await simpool(['modems', '--json', '--database', database]);
    expect(JSON.parse(modems.stdout)).toEqual([]);
  });

  it('documents the database, password file, host id and simulator port flags in --help', async () => {
    const secret = 'pg-S3cret';
    const env = { SIMPOOL_DATABASE: `postgres://simpool:${secret}@db/simpool` };
    const help = await simpool(['start', '--help'], env);
    expect(help.code).toBe(0);
    for (const flag of [
      '--database <file|url>',
      '--database-password-file <file>',
      '--host-id <id>',
      '--simulator-port <port>',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).not.toContain(secret);
    const list = await simpool(['customer', 'list', '--help'], env);
    expect(list.stdout).toContain('--database <file|url>');
    expect(list.stdout).toContain('--database-password-file <file>');
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

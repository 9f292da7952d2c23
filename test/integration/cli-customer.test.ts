import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerService } from '../../src/domain/index.js';
import { systemClock } from '../../src/shared/index.js';
import { createRepositories, openDatabase } from '../../src/store/index.js';
import { repoRoot } from '../helpers/sim-process.js';

const run = promisify(execFile);
/** Patience for a test that runs several CLI commands in turn. */
const CLI_RUNS_MS = 90_000;

/** The operator's customer and key commands, run as a child process against a data dir. */
describe('simpool customer and key commands', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-cli-customer-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const simpool = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--data-dir', dir], {
      cwd: repoRoot,
      timeout: 30_000,
    });

  /** What the key authenticates as, checked through the domain service on the same file. */
  async function whoIs(plainKey: string) {
    const db = openDatabase(path.join(dir, 'simpool.db'));
    try {
      const service = new CustomerService(createRepositories(db).customers, systemClock);
      const auth = await service.authenticate(plainKey);
      return (
        auth && {
          id: auth.customer.id,
          sandbox: auth.key.sandbox,
          balance: await service.balance(auth.customer.id),
        }
      );
    } finally {
      db.close();
    }
  }

  // Several `simpool` processes one after the other: each starts Node and tsx (seconds on a
  // loaded machine).
  it(
    'creates a customer with a working key and a deposit, and refuses the same e-mail twice',
    async () => {
      const { stdout } = await simpool(
        'customer',
        'add',
        '--email',
        'ops@example.com',
        '--balance',
        '12.5',
        '--json',
      );
      const created = JSON.parse(stdout) as { customer_id: string; api_key: string };
      expect(created.api_key).toMatch(/^sp_live_[0-9A-Za-z]{32}$/);
      expect(await whoIs(created.api_key)).toEqual({
        id: created.customer_id,
        sandbox: false,
        balance: 125_000,
      });

      const again = await simpool('customer', 'add', '--email', 'ops@example.com').then(
        () => undefined,
        (error: { code?: number; stderr?: string }) => error,
      );
      expect(again?.code).toBe(1);
      expect(again?.stderr).toContain('validation_failed');

      const topup = await simpool(
        'customer',
        'topup',
        created.customer_id,
        '--amount',
        '2.5',
        '--json',
      );
      expect(JSON.parse(topup.stdout)).toEqual({ customer_id: created.customer_id, balance: 15 });
    },
    CLI_RUNS_MS,
  );

  it(
    'creates a sandbox key and revokes keys',
    async () => {
      const { stdout } = await simpool('customer', 'add', '--email', 'dev@example.com', '--json');
      const { customer_id: customerId } = JSON.parse(stdout) as { customer_id: string };
      const key = JSON.parse(
        (await simpool('key', 'create', '--customer', customerId, '--sandbox', '--json')).stdout,
      ) as { key_id: string; api_key: string };
      expect(key.api_key).toMatch(/^sp_test_/);
      expect(await whoIs(key.api_key)).toMatchObject({ id: customerId, sandbox: true });
      await simpool('key', 'revoke', key.key_id, '--customer', customerId);
      expect(await whoIs(key.api_key)).toBeNull();
    },
    CLI_RUNS_MS,
  );
});

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositories, openDatabase } from '../../src/store/index.js';
import { repoRoot } from '../helpers/sim-process.js';

const run = promisify(execFile);

/** `simpool modems` and `simpool customer list`: reads of what the daemon recorded. */
describe('simpool modems and customer list', { timeout: 60_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-cli-lists-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const simpool = async (...args: string[]): Promise<string> =>
    (
      await run(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', ...args, '--data-dir', dir],
        {
          cwd: repoRoot,
          timeout: 30_000,
        },
      )
    ).stdout;

  it('shows the modems, their state and the SIM in each slot as the daemon recorded them', async () => {
    expect(await simpool('modems')).toContain('no modems recorded yet');
    const at = Date.UTC(2026, 0, 1, 12);
    const db = openDatabase(path.join(dir, 'simpool.db'));
    try {
      const { inventory } = createRepositories(db);
      const modem = { manufacturer: 'Quectel', model: 'EC25', revision: 'EC25EFAR06A03M4G', at };
      await inventory.recordModem({
        ...modem,
        imei: '867000000000001',
        path: '/dev/ttyUSB2',
        state: 'ready',
      });
      await inventory.recordModem({
        ...modem,
        imei: '867000000000002',
        path: '/dev/ttyUSB6',
        state: 'offline',
      });
      await inventory.recordSim({
        iccid: '8944100000000000017',
        imsi: '234100000000001',
        msisdn: '+447700900001',
        country: 'GB',
        operator: null,
        imei: '867000000000001',
        path: '/dev/ttyUSB2',
        at,
      });
      await inventory.recordSimHealth(
        '8944100000000000017',
        { signalDbm: -71, registration: 'home', operator: 'EE' },
        at,
      );
      // The second modem is another host's, whose lease ran out long ago.
      db.prepare(
        `INSERT INTO hosts (id, epoch, lease_until, started_at, renewed_at, version)
         VALUES ('rack-b', 1, ?, ?, ?, 'test')`,
      ).run(at, at, at);
      db.prepare("UPDATE modems SET host_id = 'rack-b' WHERE imei = '867000000000002'").run();
    } finally {
      db.close();
    }

    const modems = JSON.parse(await simpool('modems', '--json')) as unknown[];
    expect(modems).toHaveLength(2);
    expect(modems[0]).toMatchObject({
      path: '/dev/ttyUSB2',
      imei: '867000000000001',
      model: 'EC25',
      state: 'ready',
      lastSeenAt: new Date(at).toISOString(),
      hostId: '',
      hostState: null,
      sim: {
        iccid: '8944100000000000017',
        msisdn: '+447700900001',
        operator: 'EE',
        signalDbm: -71,
        registration: 'home',
      },
    });
    expect(modems[1]).toMatchObject({
      path: '/dev/ttyUSB6',
      state: 'offline',
      sim: null,
      hostId: 'rack-b',
      hostState: 'expired',
    });
    const table = await simpool('modems');
    expect(table).toMatch(
      /^HOST\s+SLOT\s+IMEI\s+MODEL\s+STATE\s+SIGNAL\s+REGISTRATION\s+OPERATOR\s+NUMBER\s+ICCID/,
    );
    expect(table).toMatch(
      /\n-\s+\/dev\/ttyUSB2\s+867000000000001\s+Quectel EC25\s+ready\s+-71 dBm\s+home\s+EE\s+\+447700900001\s+8944100000000000017/,
    );
    expect(table).toMatch(/\nrack-b \(expired\)\s+\/dev\/ttyUSB6\s+867000000000002/);
  });

  it('lists customers with balance and keys, as JSON for scripts', async () => {
    const added = JSON.parse(
      await simpool(
        'customer',
        'add',
        '--email',
        'list@example.com',
        '--balance',
        '7.25',
        '--json',
      ),
    ) as { customer_id: string; key_id: string };
    await simpool('key', 'revoke', added.key_id, '--customer', added.customer_id);
    await simpool('customer', 'add', '--email', 'second@example.com');

    const listed = JSON.parse(await simpool('customer', 'list', '--json')) as Array<
      Record<string, unknown>
    >;
    expect(listed.map((c) => c.email)).toEqual(['second@example.com', 'list@example.com']);
    expect(listed[1]).toMatchObject({
      id: added.customer_id,
      balance: 7.25,
      active_keys: 0,
      keys: 1,
    });
    expect(listed[1]!.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await simpool('customer', 'list')).toMatch(
      /list@example\.com\s+7\.25 USD\s+0 \(\+1 revoked\)/,
    );
  });
});

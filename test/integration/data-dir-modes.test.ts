import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoCustomer } from '../../src/daemon/index.js';
import { useAppliance } from '../helpers/appliance.js';

/**
 * What `simpool start` leaves on disk is for simpool's user alone, whoever starts it and under
 * the common umask 022: the data directory 0700, the database and its -wal/-shm 0600, and the
 * secrets beside them (admin credential, demo key) 0600.
 */
let previousUmask: number;
beforeAll(() => {
  previousUmask = process.umask(0o022);
});
afterAll(() => {
  process.umask(previousUmask);
});

const appliance = useAppliance();

describe('the data directory of a started daemon', () => {
  it('is 0700 with every file in it 0600', async () => {
    let dataDir = '';
    const { daemon } = await appliance.start({
      modems: 1,
      configure: (config) => {
        dataDir = path.join(config.dataDir, 'data'); // not there yet: the daemon creates it
        const database = { engine: 'sqlite' as const, file: path.join(dataDir, 'simpool.db') };
        return { ...config, dataDir, database };
      },
    });
    await ensureDemoCustomer(dataDir, daemon.rental.customers);
    const files = readdirSync(dataDir).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'admin-credential',
        'demo-api-key',
        'simpool.db',
        'simpool.db-shm',
        'simpool.db-wal',
      ]),
    );
    const modes = Object.fromEntries(
      ['.', ...files].map((f) => [f, (statSync(path.join(dataDir, f)).mode & 0o777).toString(8)]),
    );
    expect(modes).toEqual(
      Object.fromEntries(['.', ...files].map((f) => [f, f === '.' ? '700' : '600'])),
    );
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openConfiguredStore, type Config } from '../../src/daemon/index.js';
import { flavourFor, identityFor } from '../../src/simulator/index.js';
import { useAppliance } from '../helpers/appliance.js';

const appliance = useAppliance();

/** The appliance's configuration with this host id and data directory. */
const host =
  (hostId: string, dataDir: string) =>
  (config: Config): Config => ({
    ...config,
    hostId,
    dataDir,
    database: { engine: 'sqlite', file: path.join(dataDir, 'simpool.db') },
  });

describe('simulated SIMs of the daemon', () => {
  it('belong to its host id: the same after a restart, others on another host', async () => {
    const dirA = await mkdtemp(path.join(os.tmpdir(), 'simpool-host-a-'));
    const dirB = await mkdtemp(path.join(os.tmpdir(), 'simpool-host-b-'));
    appliance.defer(() => rm(dirA, { recursive: true, force: true }));
    appliance.defer(() => rm(dirB, { recursive: true, force: true }));
    const iccids = (daemon: { pool: { modems(): { iccid: string | null }[] } }) =>
      daemon.pool
        .modems()
        .map((m) => m.iccid)
        .sort();

    const first = await appliance.start({ modems: 4, configure: host('demo-a', dirA) });
    const simsOfA = iccids(first.daemon);
    expect(simsOfA).toEqual(
      [0, 1, 2, 3].map((i) => identityFor(i, flavourFor('mixed', i), 'demo-a').iccid).sort(),
    );
    await first.daemon.stop();

    // The same host again on its database: the same SIMs, so their history stays theirs.
    const again = await appliance.start({ modems: 4, configure: host('demo-a', dirA) });
    expect(iccids(again.daemon)).toEqual(simsOfA);
    await again.daemon.stop();
    const store = await openConfiguredStore({
      database: { engine: 'sqlite', file: path.join(dirA, 'simpool.db') },
      hostId: 'demo-a',
    });
    try {
      const recorded = await store.inventory.listSims();
      expect(recorded.map((s) => s.iccid).sort()).toEqual(simsOfA);
    } finally {
      await store.close();
    }

    const other = await appliance.start({ modems: 4, configure: host('demo-b', dirB) });
    const simsOfB = iccids(other.daemon);
    expect(simsOfB).toHaveLength(4);
    expect(simsOfB.filter((iccid) => simsOfA.includes(iccid))).toEqual([]);
  });
});

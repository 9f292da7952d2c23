import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { advanceUntil } from '../helpers/advance.js';
import { useAppliance } from '../helpers/appliance.js';
import { createRepositories, openDatabase } from '../../src/store/index.js';

/**
 * The daemon's side of host liveness on a real SQLite file and simulated modems: it holds its
 * host's lease while it runs, ends it on a clean stop, and when its epoch is reaped by another
 * host (it could not renew in time) it stops its modems' work and says so through `fenced`.
 */
const appliance = useAppliance();

describe('the daemon and its host lease', () => {
  it('stops its modems when another host reaped its epoch', async () => {
    const { daemon, clock, dir } = await appliance.start({ modems: 2 });
    const db = openDatabase(path.join(dir, 'simpool.db'));
    try {
      const hosts = createRepositories(db, { clock }).hosts;
      const [self] = await hosts.listHosts();
      expect(self).toMatchObject({ id: 'appliance-test', epoch: 1, state: 'alive' });
      expect(self?.apiUrl).toBe(daemon.api.url);
      let fenced = false;
      void daemon.fenced.then(() => (fenced = true));

      // Its lease runs out unrenewed (as after a long pause); another host reaps it.
      db.prepare(`UPDATE hosts SET lease_until = 0 WHERE id = 'appliance-test'`).run();
      const other = await hosts.start({
        hostId: 'other-host',
        version: 'test',
        apiUrl: null,
        leaseTtlMs: 15_000,
      });
      expect((await other.reapDeadHosts()).map((r) => [r.hostId, r.epoch])).toEqual([
        ['appliance-test', 1],
      ]);
      await advanceUntil(clock, () => fenced);
      await advanceUntil(clock, () => daemon.pool.modems().length === 0);
      await other.stop();
    } finally {
      db.close();
    }
  });

  it('ends its lease on a clean stop', async () => {
    const { daemon, clock, dir } = await appliance.start({ modems: 1 });
    await daemon.stop();
    const db = openDatabase(path.join(dir, 'simpool.db'));
    try {
      const [self] = await createRepositories(db, { clock }).hosts.listHosts();
      expect(self).toMatchObject({ id: 'appliance-test', epoch: 1, state: 'stopped' });
      expect(self!.leaseUntil).toBe(self!.stoppedAt);
    } finally {
      db.close();
    }
  });
});

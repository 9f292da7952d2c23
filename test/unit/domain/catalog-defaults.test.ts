import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CatalogService } from '../../../src/domain/index.js';
import { ManualClock } from '../../../src/shared/index.js';
import { createStore, openDatabase } from '../../../src/store/index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('catalog seed defaults (orders.holdSeconds, orders.lifetimeMinutes)', () => {
  it('gives seeded services the configured hold and lifetime, and keeps them on the next start', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-catalog-'));
    dirs.push(dir);
    const db = openDatabase(path.join(dir, 'simpool.db'));
    try {
      const store = createStore(db);
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const first = new CatalogService(store.catalog, clock, {
        defaultHoldSeconds: 30,
        defaultLifetimeSeconds: 600,
      });
      await first.seed();
      expect(await first.getService('tg')).toMatchObject({ holdSeconds: 30, lifetimeSeconds: 600 });
      // Changing the defaults later touches no service already in the database.
      const second = new CatalogService(store.catalog, clock, { defaultHoldSeconds: 90 });
      await second.seed();
      expect(await second.getService('tg')).toMatchObject({ holdSeconds: 30 });
    } finally {
      db.close();
    }
  });

  it('defaults to API.md hold 120 s and lifetime 20 min', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-catalog-'));
    dirs.push(dir);
    const db = openDatabase(path.join(dir, 'simpool.db'));
    try {
      const catalog = new CatalogService(createStore(db).catalog, new ManualClock(0));
      await catalog.seed();
      expect(await catalog.getService('wa')).toMatchObject({
        holdSeconds: 120,
        lifetimeSeconds: 1200,
      });
    } finally {
      db.close();
    }
  });
});

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../src/store/sqlite/migrations/index.js';
import { runMigrations } from '../../../src/store/index.js';

/**
 * Migration 12 on a database of the previous version: endpoints the old rule paused (20
 * consecutive failures) become paused by failures, so they are probed and resume by themselves;
 * an endpoint its owner paused stays the owner's.
 */
describe('migration 12 (webhook pause and probe)', () => {
  it('turns endpoints paused by 20 failures into probed ones and keeps manual pauses', () => {
    const db = new Database(':memory:');
    runMigrations(
      db,
      undefined,
      migrations.filter((m) => m.id < 12),
    );
    const insert = db.prepare(
      `INSERT INTO webhook_endpoints (id, url, events, secret, paused, failure_count, created_at,
         updated_at) VALUES (?, 'https://h.example/', '[]', 's', ?, ?, 1000, ?)`,
    );
    insert.run('whe_stuck', 1, 20, 5000); // paused by the old rule
    insert.run('whe_owner', 1, 2, 6000); // paused by its owner after two failures
    insert.run('whe_failing', 0, 3, 7000); // failing, not paused
    insert.run('whe_fine', 0, 0, 8000);

    runMigrations(db);
    const rows = db
      .prepare(
        `SELECT id, paused, pause_reason, paused_at, failing_since FROM webhook_endpoints ORDER BY id`,
      )
      .all();
    expect(rows).toEqual([
      { id: 'whe_failing', paused: 0, pause_reason: null, paused_at: null, failing_since: 7000 },
      { id: 'whe_fine', paused: 0, pause_reason: null, paused_at: null, failing_since: null },
      { id: 'whe_owner', paused: 1, pause_reason: 'manual', paused_at: 6000, failing_since: 6000 },
      {
        id: 'whe_stuck',
        paused: 1,
        pause_reason: 'failures',
        paused_at: 5000,
        failing_since: 5000,
      },
    ]);
    expect(() =>
      db.prepare(`UPDATE webhook_endpoints SET pause_reason = 'tired' WHERE id = 'whe_fine'`).run(),
    ).toThrow(/CHECK/);
    db.close();
  });
});

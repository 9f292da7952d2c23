import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../src/store/sqlite/migrations/index.js';
import { runMigrations } from '../../../src/store/index.js';

/**
 * Migration 11 rebuilds the three outbound tables (a CHECK cannot be widened in SQLite): every
 * row, its history and the status counts must survive, with foreign keys on as the daemon runs.
 */
describe('migration 11 (send from storage)', () => {
  it('keeps messages, parts, history and status counts, and allows unknown and part slots', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    runMigrations(
      db,
      undefined,
      migrations.filter((m) => m.id < 11),
    );
    const message = db.prepare(
      `INSERT INTO outbound_messages (id, to_number, body, status, part_count, created_at,
         updated_at) VALUES (?, '+447700900999', 'hi', ?, 1, 1000, 1000)`,
    );
    message.run('msg_sent', 'sent');
    message.run('msg_queued', 'queued');
    db.prepare(
      `INSERT INTO outbound_parts (message_id, sequence, pdu, tpdu_length, status,
         next_attempt_at, message_reference) VALUES ('msg_sent', 1, '0011', 1, 'sent', 0, 42)`,
    ).run();
    db.prepare(
      `INSERT INTO outbound_history (message_id, sequence, status, at)
         VALUES ('msg_sent', NULL, 'sent', 1000)`,
    ).run();

    runMigrations(db);
    expect(db.prepare(`SELECT id, status FROM outbound_messages ORDER BY id`).all()).toEqual([
      { id: 'msg_queued', status: 'queued' },
      { id: 'msg_sent', status: 'sent' },
    ]);
    expect(
      db.prepare(`SELECT message_reference, send_path, slot_index FROM outbound_parts`).all(),
    ).toEqual([{ message_reference: 42, send_path: null, slot_index: null }]);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM outbound_history`).get()).toEqual({ n: 1 });
    const counts = () =>
      db
        .prepare(
          `SELECT status, count FROM status_counts
            WHERE subject = 'outbound_messages' AND count > 0 ORDER BY status`,
        )
        .all();
    expect(counts()).toEqual([
      { status: 'queued', count: 1 },
      { status: 'sent', count: 1 },
    ]);
    // The triggers came back with the table: a change of status is counted.
    db.prepare(`UPDATE outbound_messages SET status = 'unknown' WHERE id = 'msg_queued'`).run();
    expect(counts()).toEqual([
      { status: 'sent', count: 1 },
      { status: 'unknown', count: 1 },
    ]);
    db.prepare(
      `UPDATE outbound_parts SET status = 'unknown', slot_storage = 'SM', slot_index = 3`,
    ).run();
    expect(() => db.prepare(`UPDATE outbound_parts SET slot_storage = NULL`).run()).toThrow(
      /CHECK/,
    );
    expect(() =>
      db
        .prepare(`INSERT INTO outbound_history (message_id, status, at) VALUES ('nope', 'x', 1)`)
        .run(),
    ).toThrow(/FOREIGN KEY/);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });
});

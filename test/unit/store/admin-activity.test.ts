import { afterEach, describe, expect, it } from 'vitest';
import { createAdminPorts, type SqliteDatabase } from '../../../src/store/index.js';
import { HOUR, MINUTE, SIM_A, StoreFixture } from './helpers.js';

/**
 * The admin chart's SMS per hour (SqliteActivity.smsPerHour) on a real SQLite file: every
 * message counted in the UTC hour it arrived or left in, however many share that hour.
 */
const fixture = new StoreFixture();
afterEach(() => fixture.close());

const H0 = Date.UTC(2026, 10, 22, 9);

function received(db: SqliteDatabase, at: number): void {
  db.prepare(
    `INSERT INTO inbound_messages (sim_iccid, sender, sender_kind, encoding, text, data_hex,
       sent_at, received_at, complete, part_count) VALUES (?, '+447700900123', 'international',
       'gsm7', 'hi', '', ?, ?, 1, 1)`,
  ).run(SIM_A, at, at);
}

let outbound = 0;
function sent(db: SqliteDatabase, at: number | null): void {
  db.prepare(
    `INSERT INTO outbound_messages (id, to_number, body, status, part_count, created_at,
       updated_at, sent_at) VALUES (?, '+447700900123', 'hi', ?, 1, ?, ?, ?)`,
  ).run(`msg_${++outbound}`, at === null ? 'queued' : 'sent', H0, H0, at);
}

describe('SMS per hour', () => {
  it('counts several messages in one hour and keeps hours apart', async () => {
    const db = fixture.openDb();
    // 09:00–09:59: three in (first and last millisecond of the hour included), two out.
    for (const at of [H0, H0 + 17 * MINUTE + 123, H0 + HOUR - 1]) received(db, at);
    for (const at of [H0 + 5 * MINUTE, H0 + 59 * MINUTE]) sent(db, at);
    // 10:00–10:59: one in, three out; 12:00: two in. 11:00: nothing.
    received(db, H0 + HOUR);
    for (const at of [H0 + HOUR + 1, H0 + HOUR + 30 * MINUTE, H0 + 2 * HOUR - 1]) sent(db, at);
    received(db, H0 + 3 * HOUR + 7);
    received(db, H0 + 3 * HOUR + 40 * MINUTE);
    // Before the window, and a message not sent yet: not counted.
    received(db, H0 - 1);
    sent(db, H0 - 1);
    sent(db, null);

    const hours = await createAdminPorts(db).activity.smsPerHour(H0);
    const byHour = [...hours].sort((a, b) => a.hour - b.hour);
    expect(byHour).toEqual([
      { hour: H0, in: 3, out: 2 },
      { hour: H0 + HOUR, in: 1, out: 3 },
      { hour: H0 + 3 * HOUR, in: 2, out: 0 },
    ]);
  });
});

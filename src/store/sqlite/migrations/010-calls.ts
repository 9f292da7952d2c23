import type { Migration } from '../migrate.js';

/**
 * Incoming voice calls, one row each, on the SIM that rang (no foreign key to `sims`, like SMS:
 * a call must be recordable whatever the inventory says). `order_id` is the open order the call
 * was given to, `code` what the order's service reads from the caller's number (the last
 * `services.call_code_digits` digits) for services that verify by a missed call.
 * UNIQUE (sim_iccid, started_at): the same call reported twice is recorded once.
 */
export const calls: Migration = {
  id: 10,
  name: 'calls',
  sql: `
CREATE TABLE calls (
  id INTEGER PRIMARY KEY,
  sim_iccid TEXT NOT NULL,
  imei TEXT,
  caller TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL CHECK (ended_at >= started_at),
  rings INTEGER NOT NULL CHECK (rings >= 0),
  end_reason TEXT NOT NULL CHECK (end_reason IN ('rejected', 'caller_hung_up', 'unknown')),
  order_id TEXT REFERENCES orders(id),
  code TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (sim_iccid, started_at)
) STRICT;
CREATE INDEX calls_by_order ON calls (order_id) WHERE order_id IS NOT NULL;

-- Services that verify by a missed call: the code is the caller's last N digits (null: no).
-- A fresh database gets them from the catalog seed; this sets them where it was seeded before.
ALTER TABLE services ADD COLUMN call_code_digits INTEGER
  CHECK (call_code_digits IS NULL OR call_code_digits BETWEEN 1 AND 12);
UPDATE services SET call_code_digits = 6 WHERE code IN ('wa', 'vi');
UPDATE services SET call_code_digits = 5 WHERE code = 'tg';
`,
};

import type { Migration } from '../migrate.js';

/**
 * Sandbox orders' synthetic verification SMS as rows: written in the transaction of the
 * purchase, retry or swap that calls for one, picked by the daemon's sandbox sender when due.
 * A restart therefore loses none; delivery is at-least-once (a duplicate synthetic SMS is
 * harmless). `outcome` says what the sender did: injected into the simulated modem, skipped (the
 * order closed or moved to another SIM meanwhile) or failed (no modem to inject into).
 */
export const sandbox: Migration = {
  id: 4,
  name: 'sandbox',
  sql: `
CREATE TABLE sandbox_deliveries (
  id INTEGER PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES orders(id),
  kind TEXT NOT NULL CHECK (kind IN ('purchase', 'retry', 'swap')),
  sim_iccid TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  delivered_at INTEGER,
  outcome TEXT CHECK (outcome IN ('injected', 'skipped', 'failed')),
  created_at INTEGER NOT NULL,
  CHECK ((delivered_at IS NULL) = (outcome IS NULL))
) STRICT;
CREATE INDEX sandbox_deliveries_pending ON sandbox_deliveries (due_at)
  WHERE delivered_at IS NULL;
CREATE INDEX sandbox_deliveries_by_order ON sandbox_deliveries (order_id);
`,
};

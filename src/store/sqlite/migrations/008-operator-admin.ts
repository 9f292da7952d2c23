import type { Migration } from '../migrate.js';

/**
 * The operator side of the appliance (admin API).
 *
 * `customers.kind`: the built-in operator account (`operator`, at most one: partial UNIQUE
 * index) owns the admin credential and the operator's own keys (e.g. a `messages` key for
 * scripts); everyone else is a `customer`.
 *
 * `sims.enabled`: a SIM the operator switched off is never allocated to an order nor used to
 * send; `sims.notes`: free text for the operator (where the SIM came from, top-up date …).
 *
 * The time indexes serve the admin lists and the SMS-per-hour chart without table scans.
 */
export const operatorAdmin: Migration = {
  id: 8,
  name: 'operator-admin',
  sql: `
ALTER TABLE customers ADD COLUMN kind TEXT NOT NULL DEFAULT 'customer'
  CHECK (kind IN ('customer', 'operator'));
CREATE UNIQUE INDEX customers_one_operator ON customers (kind) WHERE kind = 'operator';

ALTER TABLE sims ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1));
ALTER TABLE sims ADD COLUMN notes TEXT NOT NULL DEFAULT '';

CREATE INDEX inbound_messages_by_time ON inbound_messages (received_at);
CREATE INDEX outbound_messages_by_sent ON outbound_messages (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX orders_by_created ON orders (created_at);
`,
};

import type { Migration } from '../../common/migrations.js';

/** PostgreSQL twin of SQLite's migration 8: the operator account, SIM switches and notes. */
export const operatorAdmin: Migration = {
  id: 8,
  name: 'operator-admin',
  sql: `
ALTER TABLE customers ADD COLUMN kind TEXT NOT NULL DEFAULT 'customer'
  CHECK (kind IN ('customer', 'operator'));
CREATE UNIQUE INDEX customers_one_operator ON customers (kind) WHERE kind = 'operator';

ALTER TABLE sims ADD COLUMN enabled SMALLINT NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1));
ALTER TABLE sims ADD COLUMN notes TEXT NOT NULL DEFAULT '';

CREATE INDEX inbound_messages_by_time ON inbound_messages (received_at);
CREATE INDEX outbound_messages_by_sent ON outbound_messages (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX orders_by_created ON orders (created_at);
`,
};

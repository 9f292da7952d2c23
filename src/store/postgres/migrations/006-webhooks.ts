import type { Migration } from '../../common/migrations.js';
import { ROWID } from './conventions.js';

/**
 * PostgreSQL twin of SQLite's migration 6: webhook endpoints, their deliveries and the fan-out
 * cursor over the event outbox. `webhook_deliveries` gets `rowid`: each endpoint's queue is
 * delivered in creation order, which SQLite reads from its implicit rowid.
 */
export const webhooks: Migration = {
  id: 6,
  name: 'webhooks',
  sql: `
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  customer_id TEXT REFERENCES customers(id),
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  threshold_units BIGINT,
  secret TEXT NOT NULL,
  active SMALLINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  paused SMALLINT NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  failure_count BIGINT NOT NULL DEFAULT 0 CHECK (failure_count >= 0),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_by_customer ON webhook_endpoints (customer_id, created_at);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempt BIGINT NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed', 'cancelled')),
  next_attempt_at BIGINT,
  response_status BIGINT,
  response_body TEXT,
  error_message TEXT,
  delivered_at BIGINT,
  created_at BIGINT NOT NULL,
  ${ROWID},
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_in_flight ON webhook_deliveries (endpoint_id)
  WHERE status = 'delivering';

CREATE TABLE webhook_cursor (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  last_seq BIGINT NOT NULL
);
INSERT INTO webhook_cursor (id, last_seq) VALUES (1, (SELECT COALESCE(MAX(seq), 0) FROM events));
`,
};

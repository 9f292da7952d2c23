import type { Migration } from '../migrate.js';

/**
 * Webhook endpoints, their deliveries and the fan-out cursor over the event outbox.
 *
 * The signing secret is stored as is: HMAC signing needs the raw key, so it cannot be hashed like
 * API keys. The database file is therefore as sensitive as the secrets (the daemon's data dir
 * must stay private to its user); the API returns the secret only in the create response.
 *
 * One delivery row per (endpoint, event), updated at each attempt; `payload` is the exact body,
 * identical for every attempt. `webhook_cursor.last_seq` is advanced in the transaction that
 * creates the deliveries of the events up to it, so a restart neither loses nor repeats a
 * fan-out. It starts at the current end of the outbox: history is not replayed to endpoints.
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
  threshold_units INTEGER,
  secret TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  failure_count INTEGER NOT NULL DEFAULT 0 CHECK (failure_count >= 0),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_endpoints_by_customer ON webhook_endpoints (customer_id, created_at);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed', 'cancelled')),
  next_attempt_at INTEGER,
  response_status INTEGER,
  response_body TEXT,
  error_message TEXT,
  delivered_at INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (endpoint_id, event_id)
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_in_flight ON webhook_deliveries (endpoint_id)
  WHERE status = 'delivering';

CREATE TABLE webhook_cursor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_seq INTEGER NOT NULL
) STRICT;
INSERT INTO webhook_cursor (id, last_seq) VALUES (1, (SELECT COALESCE(MAX(seq), 0) FROM events));
`,
};

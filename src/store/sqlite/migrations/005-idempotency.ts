import type { Migration } from '../migrate.js';

/**
 * Idempotency keys of mutating API requests: the claim is a row before the request runs and the
 * response is stored after it, so a retry after a daemon restart is replayed, not run twice.
 * `status_code`/`body` are NULL while the first request is in flight.
 */
export const idempotency: Migration = {
  id: 5,
  name: 'idempotency',
  sql: `
CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status_code INTEGER,
  body TEXT,
  created_at INTEGER NOT NULL,
  completed_at INTEGER,
  PRIMARY KEY (scope, key),
  CHECK ((status_code IS NULL) = (body IS NULL))
) STRICT;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
`,
};

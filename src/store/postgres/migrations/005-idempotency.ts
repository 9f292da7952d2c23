import type { Migration } from '../../common/migrations.js';

/** PostgreSQL twin of SQLite's migration 5: idempotency keys of mutating API requests. */
export const idempotency: Migration = {
  id: 5,
  name: 'idempotency',
  sql: `
CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status_code BIGINT,
  body TEXT,
  created_at BIGINT NOT NULL,
  completed_at BIGINT,
  PRIMARY KEY (scope, key),
  CHECK ((status_code IS NULL) = (body IS NULL))
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
`,
};

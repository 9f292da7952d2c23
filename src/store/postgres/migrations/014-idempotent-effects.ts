import type { Migration } from '../../common/migrations.js';

/**
 * PostgreSQL twin of SQLite's migration 14: idempotency claims name their holder (host and
 * epoch) and attempt, and record the effect of the request in the effect's own transaction.
 */
export const idempotentEffects: Migration = {
  id: 14,
  name: 'idempotent-effects',
  sql: `
ALTER TABLE idempotency_keys ADD COLUMN claim_id TEXT;
ALTER TABLE idempotency_keys ADD COLUMN holder_host TEXT;
ALTER TABLE idempotency_keys ADD COLUMN holder_epoch BIGINT;
ALTER TABLE idempotency_keys ADD COLUMN effect_kind TEXT
  CHECK (effect_kind IN ('order', 'swap', 'message'));
ALTER TABLE idempotency_keys ADD COLUMN effect_id TEXT;
ALTER TABLE idempotency_keys ADD COLUMN effect_detail TEXT;
`,
};

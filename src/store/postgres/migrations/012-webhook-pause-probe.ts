import type { Migration } from '../../common/migrations.js';

/**
 * PostgreSQL twin of SQLite's migration 12: webhook endpoints pause after a long span of
 * failures, are probed while paused, and deliver their queue strictly oldest first.
 * `webhook_deliveries_queue` ends with `rowid`, which SQLite's index holds implicitly: the queue
 * head is the lowest rowid of an endpoint's pending deliveries.
 */
export const webhookPauseProbe: Migration = {
  id: 12,
  name: 'webhook-pause-probe',
  sql: `
ALTER TABLE webhook_endpoints ADD COLUMN failing_since BIGINT;
ALTER TABLE webhook_endpoints ADD COLUMN paused_at BIGINT;
ALTER TABLE webhook_endpoints ADD COLUMN pause_reason TEXT
  CHECK (pause_reason IS NULL OR pause_reason IN ('failures', 'manual'));
UPDATE webhook_endpoints
   SET paused_at = updated_at,
       pause_reason = CASE WHEN failure_count >= 20 THEN 'failures' ELSE 'manual' END,
       failing_since = CASE WHEN failure_count > 0 THEN updated_at END
 WHERE paused = 1;
UPDATE webhook_endpoints SET failing_since = updated_at
 WHERE paused = 0 AND failure_count > 0;
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (endpoint_id, rowid)
  WHERE status = 'pending';
`,
};

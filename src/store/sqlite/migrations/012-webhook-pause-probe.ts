import type { Migration } from '../migrate.js';

/**
 * Webhook endpoints pause only after failing with no success for a long span, are probed while
 * paused, and deliver their queue strictly oldest first.
 *
 * `failing_since`: the first failed attempt since the last success (null while healthy).
 * `paused_at` and `pause_reason`: since when and why an endpoint is paused: 'failures' (probed,
 * resumed by the first success) or 'manual' (its owner's; never probed).
 *
 * Endpoints paused before this migration were paused either by the old rule (20 consecutive
 * failures) or by their owner; the failure count tells them apart (un-pausing reset it, a manual
 * pause leaves it as it was). Those paused by failures become probed, so an endpoint stuck since
 * a short outage resumes by itself.
 *
 * `webhook_deliveries_queue` finds each endpoint's oldest pending delivery (the queue's head) by
 * endpoint and rowid, whatever the size of the backlog behind it.
 */
export const webhookPauseProbe: Migration = {
  id: 12,
  name: 'webhook-pause-probe',
  sql: `
ALTER TABLE webhook_endpoints ADD COLUMN failing_since INTEGER;
ALTER TABLE webhook_endpoints ADD COLUMN paused_at INTEGER;
ALTER TABLE webhook_endpoints ADD COLUMN pause_reason TEXT
  CHECK (pause_reason IS NULL OR pause_reason IN ('failures', 'manual'));
UPDATE webhook_endpoints
   SET paused_at = updated_at,
       pause_reason = CASE WHEN failure_count >= 20 THEN 'failures' ELSE 'manual' END,
       failing_since = CASE WHEN failure_count > 0 THEN updated_at END
 WHERE paused = 1;
UPDATE webhook_endpoints SET failing_since = updated_at
 WHERE paused = 0 AND failure_count > 0;
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (endpoint_id)
  WHERE status = 'pending';
`,
};

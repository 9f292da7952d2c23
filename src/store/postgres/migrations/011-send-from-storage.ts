import type { Migration } from '../../common/migrations.js';

/**
 * PostgreSQL twin of SQLite's migration 11: sending so that a crash never sends a part twice
 * (read the SQLite file), and the `unknown` end state of messages and parts.
 *
 * SQLite rebuilds the three outbound tables because it cannot widen a CHECK; here the CHECKs are
 * replaced in place and the new part columns appended, which leaves every column in SQLite's
 * order. Nothing is dropped, so the status-count triggers and counts stay as they are.
 */
export const sendFromStorage: Migration = {
  id: 11,
  name: 'send-from-storage',
  sql: `
ALTER TABLE outbound_messages DROP CONSTRAINT outbound_messages_status_check;
ALTER TABLE outbound_messages ADD CONSTRAINT outbound_messages_status_check CHECK (status IN
  ('queued', 'sending', 'sent', 'delivered', 'failed', 'expired', 'unknown'));

ALTER TABLE outbound_parts DROP CONSTRAINT outbound_parts_status_check;
ALTER TABLE outbound_parts ADD CONSTRAINT outbound_parts_status_check
  CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'unknown'));
ALTER TABLE outbound_parts ADD COLUMN send_path TEXT CHECK (send_path IN ('stored', 'direct'));
ALTER TABLE outbound_parts ADD COLUMN slot_storage TEXT;
ALTER TABLE outbound_parts ADD COLUMN slot_index BIGINT;
ALTER TABLE outbound_parts ADD CONSTRAINT outbound_parts_slot_check
  CHECK ((slot_storage IS NULL) = (slot_index IS NULL));

CREATE INDEX outbound_parts_in_flight ON outbound_parts (sim_iccid)
  WHERE status = 'sending' OR slot_index IS NOT NULL;
`,
};

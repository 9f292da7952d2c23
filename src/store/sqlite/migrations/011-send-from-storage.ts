import type { Migration } from '../migrate.js';
import { countTriggers } from './009-status-counts.js';

/**
 * Sending so that a crash never sends a part twice (send-stored.ts in src/modem).
 *
 * `outbound_parts.slot_storage`/`slot_index`: where the part's SUBMIT waits in its SIM's modem
 * storage (`AT+CMGW`), committed before `AT+CMSS` sends it; after a crash that slot's status
 * (STO SENT / STO UNSENT) says whether it went out. Kept until the slot is deleted.
 * `outbound_parts.send_path`: `stored` (slot committed) or `direct` (`AT+CMGS`, which leaves no
 * trace: after a crash such a part follows `messaging.deliveryGuarantee`). Null while it is only
 * claimed: nothing reached the modem's transmitter yet, so it may simply be queued again.
 *
 * A message (and a part) may now end `unknown`: it may or may not have gone out, and it is not
 * sent again (at-most-once). SQLite cannot widen a CHECK, so the three outbound tables are
 * rebuilt (history too: it references the messages); the status-count triggers go with the
 * messages table and are recreated here, with the counts taken afresh.
 */
export const sendFromStorage: Migration = {
  id: 11,
  name: 'send-from-storage',
  sql: `
CREATE TABLE outbound_messages_v11 (
  id TEXT PRIMARY KEY,
  sim_iccid TEXT,
  sender_iccid TEXT,
  to_number TEXT NOT NULL,
  to_country TEXT,
  body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('queued', 'sending', 'sent', 'delivered', 'failed', 'expired', 'unknown')),
  part_count INTEGER NOT NULL CHECK (part_count > 0),
  priority INTEGER NOT NULL DEFAULT 0,
  delivery_report INTEGER NOT NULL DEFAULT 1 CHECK (delivery_report IN (0, 1)),
  valid_until INTEGER,
  customer_id TEXT,
  api_key_id TEXT,
  avoid_iccid TEXT,
  avoid_until INTEGER,
  error_code TEXT,
  error_detail TEXT,
  cms_error INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  sent_at INTEGER,
  delivered_at INTEGER
) STRICT;
INSERT INTO outbound_messages_v11 SELECT * FROM outbound_messages;

CREATE TABLE outbound_parts_v11 (
  message_id TEXT NOT NULL REFERENCES outbound_messages_v11(id),
  sequence INTEGER NOT NULL,
  pdu TEXT NOT NULL,
  tpdu_length INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'unknown')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  sim_iccid TEXT,
  claimed_at INTEGER,
  message_reference INTEGER,
  cms_error INTEGER,
  error_detail TEXT,
  sent_at INTEGER,
  delivery_status TEXT CHECK (delivery_status IN
    ('delivered', 'pending', 'failed-permanent', 'failed-temporary')),
  delivery_status_code INTEGER,
  delivery_reported_at INTEGER,
  send_path TEXT CHECK (send_path IN ('stored', 'direct')),
  slot_storage TEXT,
  slot_index INTEGER,
  CHECK ((slot_storage IS NULL) = (slot_index IS NULL)),
  PRIMARY KEY (message_id, sequence)
) STRICT;
INSERT INTO outbound_parts_v11 (message_id, sequence, pdu, tpdu_length, status, attempts,
    next_attempt_at, sim_iccid, claimed_at, message_reference, cms_error, error_detail, sent_at,
    delivery_status, delivery_status_code, delivery_reported_at)
  SELECT message_id, sequence, pdu, tpdu_length, status, attempts, next_attempt_at, sim_iccid,
         claimed_at, message_reference, cms_error, error_detail, sent_at, delivery_status,
         delivery_status_code, delivery_reported_at
    FROM outbound_parts;

CREATE TABLE outbound_history_v11 (
  id INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES outbound_messages_v11(id),
  sequence INTEGER,
  status TEXT NOT NULL,
  sim_iccid TEXT,
  detail TEXT,
  at INTEGER NOT NULL
) STRICT;
INSERT INTO outbound_history_v11 SELECT * FROM outbound_history;

DROP TABLE outbound_history;
DROP TABLE outbound_parts;
DROP TABLE outbound_messages;
ALTER TABLE outbound_messages_v11 RENAME TO outbound_messages;
ALTER TABLE outbound_parts_v11 RENAME TO outbound_parts;
ALTER TABLE outbound_history_v11 RENAME TO outbound_history;

CREATE INDEX outbound_messages_routable ON outbound_messages (priority DESC, created_at)
  WHERE status = 'queued';
CREATE INDEX outbound_messages_open ON outbound_messages (created_at)
  WHERE status IN ('queued', 'sending');
CREATE INDEX outbound_messages_expiring ON outbound_messages (valid_until)
  WHERE status IN ('queued', 'sending') AND valid_until IS NOT NULL;
CREATE INDEX outbound_messages_newest ON outbound_messages (created_at DESC, id DESC);
CREATE INDEX outbound_messages_by_sent ON outbound_messages (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX outbound_parts_queued ON outbound_parts (next_attempt_at) WHERE status = 'queued';
CREATE INDEX outbound_parts_by_reference
  ON outbound_parts (sim_iccid, message_reference, sent_at) WHERE message_reference IS NOT NULL;
CREATE INDEX outbound_parts_in_flight ON outbound_parts (sim_iccid)
  WHERE status = 'sending' OR slot_index IS NOT NULL;
CREATE INDEX outbound_history_by_message ON outbound_history (message_id, id);
CREATE INDEX outbound_history_sends ON outbound_history (sim_iccid, at)
  WHERE status = 'sending' AND sequence IS NOT NULL;

DELETE FROM status_counts WHERE subject = 'outbound_messages';
${countTriggers('outbound_messages', `'outbound_messages'`)}
`,
};

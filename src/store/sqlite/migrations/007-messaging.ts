import type { Migration } from '../migrate.js';

/**
 * The Messaging API's queue (API.md "Messaging API").
 *
 * `outbound_messages` and `outbound_parts` are rebuilt because SQLite cannot widen a CHECK: a
 * message may now end `expired` (`valid_until` passed before it was sent). New columns: who
 * queued it, its priority, whether delivery reports were asked for, the recipient's country
 * (routing prefers a SIM of that country) and the SIM that last failed it temporarily (routing
 * tries another one first).
 *
 * `outbound_history` records every state change of a message (sequence NULL) and of each part,
 * with the SIM involved. Its `sending` rows of parts are also what per-SIM throttles count, so a
 * restart keeps the daily caps.
 */
export const messaging: Migration = {
  id: 7,
  name: 'messaging',
  sql: `
CREATE TABLE outbound_messages_v7 (
  id TEXT PRIMARY KEY,
  sim_iccid TEXT,
  sender_iccid TEXT,
  to_number TEXT NOT NULL,
  to_country TEXT,
  body TEXT NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'expired')),
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
INSERT INTO outbound_messages_v7 (id, sim_iccid, sender_iccid, to_number, body, status,
    part_count, error_code, error_detail, created_at, updated_at, sent_at, delivered_at)
  SELECT id, sim_iccid, sender_iccid, to_number, body, status, part_count, error_code,
         error_detail, created_at, updated_at, sent_at, delivered_at
    FROM outbound_messages;

CREATE TABLE outbound_parts_v7 (
  message_id TEXT NOT NULL REFERENCES outbound_messages_v7(id),
  sequence INTEGER NOT NULL,
  pdu TEXT NOT NULL,
  tpdu_length INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
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
  PRIMARY KEY (message_id, sequence)
) STRICT;
INSERT INTO outbound_parts_v7 SELECT * FROM outbound_parts;

DROP TABLE outbound_parts;
DROP TABLE outbound_messages;
ALTER TABLE outbound_messages_v7 RENAME TO outbound_messages;
ALTER TABLE outbound_parts_v7 RENAME TO outbound_parts;

CREATE INDEX outbound_messages_routable ON outbound_messages (priority DESC, created_at)
  WHERE status = 'queued';
CREATE INDEX outbound_messages_open ON outbound_messages (created_at)
  WHERE status IN ('queued', 'sending');
CREATE INDEX outbound_messages_expiring ON outbound_messages (valid_until)
  WHERE status IN ('queued', 'sending') AND valid_until IS NOT NULL;
CREATE INDEX outbound_messages_newest ON outbound_messages (created_at DESC, id DESC);
CREATE INDEX outbound_parts_queued ON outbound_parts (next_attempt_at) WHERE status = 'queued';
CREATE INDEX outbound_parts_by_reference
  ON outbound_parts (sim_iccid, message_reference, sent_at) WHERE message_reference IS NOT NULL;

CREATE TABLE outbound_history (
  id INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES outbound_messages(id),
  sequence INTEGER,
  status TEXT NOT NULL,
  sim_iccid TEXT,
  detail TEXT,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX outbound_history_by_message ON outbound_history (message_id, id);
CREATE INDEX outbound_history_sends ON outbound_history (sim_iccid, at)
  WHERE status = 'sending' AND sequence IS NOT NULL;
`,
};

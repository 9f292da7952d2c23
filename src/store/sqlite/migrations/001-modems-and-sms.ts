import type { Migration } from '../migrate.js';

/**
 * Modems, SIMs, slots and the SMS they carry. Times are integer milliseconds since the epoch
 * (UTC). Every inbound PDU is kept raw, exactly once per SIM (fingerprint), before anything is
 * deleted from the SIM. STRICT tables so a NaN time or a boolean cannot slip in unnoticed.
 *
 * No foreign key points from SMS tables to `sims`: an SMS must be committable even when the SIM
 * row could not be written first, or it would stay on the SIM and be retried forever.
 */
export const modemsAndSms: Migration = {
  id: 1,
  name: 'modems-and-sms',
  sql: `
CREATE TABLE modems (
  imei TEXT PRIMARY KEY,
  manufacturer TEXT,
  model TEXT,
  revision TEXT,
  last_path TEXT,
  state TEXT NOT NULL DEFAULT 'offline' CHECK (state IN
    ('connecting', 'initializing', 'ready', 'degraded', 'recovering', 'offline')),
  state_changed_at INTEGER NOT NULL,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
) STRICT;

CREATE TABLE sims (
  iccid TEXT PRIMARY KEY,
  imsi TEXT,
  msisdn TEXT,
  country TEXT,
  operator TEXT,
  modem_imei TEXT REFERENCES modems(imei),
  slot_path TEXT,
  status TEXT NOT NULL DEFAULT 'offline' CHECK (status IN ('ready', 'degraded', 'offline')),
  status_changed_at INTEGER NOT NULL,
  signal_dbm INTEGER,
  registration TEXT,
  health_at INTEGER,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sims_by_modem ON sims (modem_imei);
CREATE INDEX sims_by_msisdn ON sims (msisdn);

-- Where each SIM has been: a new row whenever it shows up in another modem or slot.
CREATE TABLE sim_placements (
  id INTEGER PRIMARY KEY,
  sim_iccid TEXT NOT NULL REFERENCES sims(iccid),
  modem_imei TEXT NOT NULL,
  slot_path TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sim_placements_by_sim ON sim_placements (sim_iccid, id);

-- A slot is a physical port path; which modem and SIM are in it now.
CREATE TABLE slots (
  path TEXT PRIMARY KEY,
  modem_imei TEXT REFERENCES modems(imei),
  sim_iccid TEXT REFERENCES sims(iccid),
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
) STRICT;

CREATE TABLE inbound_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sim_iccid TEXT NOT NULL,
  sender TEXT NOT NULL,
  sender_kind TEXT NOT NULL,
  encoding TEXT NOT NULL,
  text TEXT NOT NULL,
  data_hex TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  complete INTEGER NOT NULL CHECK (complete IN (0, 1)),
  part_count INTEGER NOT NULL,
  missing_parts TEXT NOT NULL DEFAULT '[]',
  concat_key TEXT
) STRICT;
CREATE INDEX inbound_messages_by_sim ON inbound_messages (sim_iccid, id);

-- fingerprint = sha256(iccid ':' upper(pdu)): the same SMS read twice (crash between commit and
-- AT+CMGD, a sweep racing +CMTI) is stored once. message_id links the PDUs a message came from.
CREATE TABLE inbound_pdus (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  sim_iccid TEXT NOT NULL,
  modem_imei TEXT NOT NULL,
  storage TEXT NOT NULL,
  storage_index INTEGER NOT NULL,
  pdu TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('deliver', 'status-report', 'submit', 'malformed')),
  error TEXT,
  message_id INTEGER REFERENCES inbound_messages(id),
  received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX inbound_pdus_by_message ON inbound_pdus (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX inbound_pdus_malformed ON inbound_pdus (received_at) WHERE kind = 'malformed';

-- Parts of multipart messages still waiting for the others (key_id = concatKeyId from src/sms).
CREATE TABLE multipart_parts (
  key_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  sim_iccid TEXT NOT NULL,
  sender TEXT NOT NULL,
  sender_kind TEXT NOT NULL,
  sender_toa INTEGER NOT NULL,
  reference INTEGER NOT NULL,
  reference_bits INTEGER NOT NULL CHECK (reference_bits IN (8, 16)),
  total INTEGER NOT NULL,
  encoding TEXT NOT NULL,
  text TEXT NOT NULL,
  data_hex TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  pdu_id INTEGER NOT NULL REFERENCES inbound_pdus(id),
  PRIMARY KEY (key_id, sequence)
) STRICT;
CREATE INDEX multipart_parts_by_age ON multipart_parts (received_at);

-- sim_iccid: the SIM asked for (null = any). sender_iccid: the SIM the parts go out through,
-- fixed when the first part is claimed so a multipart never mixes senders.
CREATE TABLE outbound_messages (
  id TEXT PRIMARY KEY,
  sim_iccid TEXT,
  sender_iccid TEXT,
  to_number TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed')),
  part_count INTEGER NOT NULL CHECK (part_count > 0),
  error_code TEXT,
  error_detail TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  sent_at INTEGER,
  delivered_at INTEGER
) STRICT;
CREATE INDEX outbound_messages_open ON outbound_messages (created_at)
  WHERE status IN ('queued', 'sending');

CREATE TABLE outbound_parts (
  message_id TEXT NOT NULL REFERENCES outbound_messages(id),
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
CREATE INDEX outbound_parts_queued ON outbound_parts (next_attempt_at) WHERE status = 'queued';
CREATE INDEX outbound_parts_by_reference
  ON outbound_parts (sim_iccid, message_reference, sent_at) WHERE message_reference IS NOT NULL;

CREATE TABLE status_reports (
  id INTEGER PRIMARY KEY,
  pdu_id INTEGER NOT NULL REFERENCES inbound_pdus(id),
  sim_iccid TEXT NOT NULL,
  message_reference INTEGER NOT NULL,
  recipient TEXT NOT NULL,
  status INTEGER NOT NULL,
  status_class TEXT NOT NULL,
  submitted_at INTEGER NOT NULL,
  discharged_at INTEGER NOT NULL,
  message_id TEXT,
  part_sequence INTEGER,
  received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX status_reports_by_message ON status_reports (message_id) WHERE message_id IS NOT NULL;
`,
};

import type { Migration } from '../migrate.js';

/**
 * Several hosts on one database (docs/several-hosts.md). Every host has a row in `hosts`: its
 * lease, renewed on the database's clock, says it is alive; its epoch rises at every start, and
 * writes carrying an older epoch are refused (a fencing token).
 *
 * Modems, slots and SIMs carry the host that drives them: a slot is (host, path), since
 * `/dev/ttyUSB0` and `simulated:0` exist on every host. Rows from before this migration belong to
 * host '' ("this appliance"), which the first host to start on the database adopts.
 *
 * `host_commands`: modem actions (reset, USSD, test SMS) asked on one host for a modem another
 * host drives; the owning host carries them out and writes the result.
 *
 * Webhook deliveries in flight name the host delivering them and until when its claim holds, so
 * a delivery of a host that died goes back to the queue.
 */
export const hosts: Migration = {
  id: 13,
  name: 'hosts',
  sql: `
CREATE TABLE hosts (
  id TEXT PRIMARY KEY,
  epoch INTEGER NOT NULL CHECK (epoch >= 1),
  lease_until INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  renewed_at INTEGER NOT NULL,
  stopped_at INTEGER,
  reaped_epoch INTEGER NOT NULL DEFAULT 0,
  version TEXT NOT NULL,
  api_url TEXT
) STRICT;

ALTER TABLE modems ADD COLUMN host_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sims ADD COLUMN host_id TEXT NOT NULL DEFAULT '';
CREATE INDEX sims_by_host ON sims (host_id);
ALTER TABLE sim_placements ADD COLUMN host_id TEXT NOT NULL DEFAULT '';

CREATE TABLE slots_by_host (
  path TEXT NOT NULL,
  modem_imei TEXT REFERENCES modems(imei),
  sim_iccid TEXT REFERENCES sims(iccid),
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  host_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (host_id, path)
) STRICT;
INSERT INTO slots_by_host (host_id, path, modem_imei, sim_iccid, first_seen_at, last_seen_at)
  SELECT '', path, modem_imei, sim_iccid, first_seen_at, last_seen_at FROM slots;
DROP TABLE slots;
ALTER TABLE slots_by_host RENAME TO slots;

CREATE TABLE host_commands (
  id TEXT PRIMARY KEY,
  host_id TEXT NOT NULL,
  modem_imei TEXT NOT NULL,
  action TEXT NOT NULL,
  params TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
  result TEXT,
  error_code TEXT,
  error_message TEXT,
  requested_by_host TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER
) STRICT;
CREATE INDEX host_commands_pending ON host_commands (host_id, created_at)
  WHERE status = 'pending';

ALTER TABLE webhook_deliveries ADD COLUMN claimed_by_host TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN claimed_until INTEGER;
`,
};

import type { Migration } from '../migrate.js';

/**
 * Catalog, customers and keys, balances and the append-only ledger, orders with their number
 * history and messages, per-(SIM, service) usage and blacklist, and the event outbox.
 * Times are integer ms since the epoch; money is integer 1/10000 USD.
 *
 * The database itself enforces the two money/SIM invariants, so a bug above cannot break them:
 * `balances.balance >= 0` (CHECK) and at most one open order per SIM (partial UNIQUE index).
 */
export const catalogCustomersOrders: Migration = {
  id: 2,
  name: 'catalog-customers-orders',
  sql: `
CREATE TABLE services (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  sender_patterns TEXT NOT NULL DEFAULT '[]',
  code_pattern TEXT,
  hold_seconds INTEGER NOT NULL DEFAULT 120 CHECK (hold_seconds >= 0),
  lifetime_seconds INTEGER NOT NULL DEFAULT 1200 CHECK (lifetime_seconds > 0),
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- activate_id is the key: ISO-2 repeats for sms-activate's virtual US (12) next to the real (187).
CREATE TABLE countries (
  activate_id INTEGER PRIMARY KEY,
  iso2 TEXT NOT NULL,
  name_eng TEXT NOT NULL,
  name_rus TEXT NOT NULL,
  name_chn TEXT NOT NULL,
  calling_code INTEGER NOT NULL,
  mccs TEXT NOT NULL DEFAULT '[]',
  virtual INTEGER NOT NULL DEFAULT 0 CHECK (virtual IN (0, 1)),
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1))
) STRICT;
CREATE UNIQUE INDEX countries_real_by_iso2 ON countries (iso2) WHERE virtual = 0;

CREATE TABLE prices (
  service TEXT NOT NULL REFERENCES services(code),
  country TEXT NOT NULL,
  price_units INTEGER NOT NULL CHECK (price_units >= 0),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (service, country)
) STRICT;

CREATE TABLE customers (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  banned_until INTEGER
) STRICT;

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES customers(id),
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  sandbox INTEGER NOT NULL CHECK (sandbox IN (0, 1)),
  max_open_orders INTEGER CHECK (max_open_orders >= 0),
  label TEXT,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
) STRICT;
CREATE INDEX api_keys_by_customer ON api_keys (customer_id);

CREATE TABLE balances (
  customer_id TEXT NOT NULL REFERENCES customers(id),
  sandbox INTEGER NOT NULL CHECK (sandbox IN (0, 1)),
  balance INTEGER NOT NULL CHECK (balance >= 0),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (customer_id, sandbox)
) STRICT;

CREATE TABLE ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id TEXT NOT NULL REFERENCES customers(id),
  sandbox INTEGER NOT NULL CHECK (sandbox IN (0, 1)),
  type TEXT NOT NULL CHECK (type IN ('deposit', 'admin_credit', 'purchase', 'refund')),
  amount INTEGER NOT NULL,
  balance_before INTEGER NOT NULL,
  balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
  order_id TEXT,
  description TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  CHECK (balance_after = balance_before + amount)
) STRICT;
CREATE INDEX ledger_by_customer ON ledger (customer_id, sandbox, id);
CREATE TRIGGER ledger_append_only_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_append_only_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;

CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  activation_id INTEGER NOT NULL UNIQUE CHECK (activation_id > 0),
  customer_id TEXT NOT NULL REFERENCES customers(id),
  api_key_id TEXT NOT NULL REFERENCES api_keys(id),
  sandbox INTEGER NOT NULL CHECK (sandbox IN (0, 1)),
  service TEXT NOT NULL,
  country TEXT NOT NULL,
  price_units INTEGER NOT NULL CHECK (price_units >= 0),
  sim_iccid TEXT NOT NULL,
  phone_number TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('waiting', 'received', 'retry', 'finished', 'cancelled', 'expired')),
  created_at INTEGER NOT NULL,
  number_assigned_at INTEGER NOT NULL,
  hold_until INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  closed_at INTEGER,
  last_code TEXT,
  sms_count INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
) STRICT;
-- Never one SIM in two open orders, whatever the code above does, from any process.
CREATE UNIQUE INDEX orders_one_open_per_sim ON orders (sim_iccid)
  WHERE status IN ('waiting', 'received', 'retry');
CREATE INDEX orders_open_by_expiry ON orders (expires_at)
  WHERE status IN ('waiting', 'received', 'retry');
CREATE INDEX orders_open_by_key ON orders (api_key_id)
  WHERE status IN ('waiting', 'received', 'retry');
CREATE INDEX orders_by_customer ON orders (customer_id, activation_id);

CREATE TABLE order_numbers (
  id INTEGER PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES orders(id),
  sim_iccid TEXT NOT NULL,
  phone_number TEXT NOT NULL,
  assigned_at INTEGER NOT NULL,
  released_at INTEGER,
  release_reason TEXT CHECK (release_reason IN ('cancelled', 'expired', 'finished', 'swapped'))
) STRICT;
CREATE INDEX order_numbers_by_order ON order_numbers (order_id, id);
CREATE INDEX order_numbers_by_sim ON order_numbers (sim_iccid, assigned_at);

CREATE TABLE order_messages (
  id INTEGER PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES orders(id),
  inbound_message_id INTEGER,
  sim_iccid TEXT NOT NULL,
  sender TEXT NOT NULL,
  text TEXT NOT NULL,
  code TEXT,
  sent_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX order_messages_by_order ON order_messages (order_id, id);
CREATE UNIQUE INDEX order_messages_by_inbound ON order_messages (inbound_message_id)
  WHERE inbound_message_id IS NOT NULL;

CREATE TABLE sim_service_usage (
  id INTEGER PRIMARY KEY,
  sim_iccid TEXT NOT NULL,
  service TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('sold', 'cancelled', 'expired', 'swapped')),
  order_id TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX sim_service_usage_by_pair ON sim_service_usage (sim_iccid, service, outcome);

CREATE TABLE sim_service_blacklist (
  sim_iccid TEXT NOT NULL,
  service TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (sim_iccid, service)
) STRICT;

CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  customer_id TEXT,
  order_id TEXT,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX events_by_customer ON events (customer_id, seq);

CREATE INDEX sims_by_country ON sims (country, status);
`,
};

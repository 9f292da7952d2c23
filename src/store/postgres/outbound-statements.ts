/**
 * The outbound queue's SQL on PostgreSQL (the twin of src/store/sqlite/outbound-statements.ts).
 *
 * Lock order, the same everywhere (and the dead-host reaper's): a message's row before any of
 * its parts. Every transaction that reads a message's state to decide what to write locks its
 * row first (LOCK_MESSAGE), so two hosts (or SIMs) deciding about one message take turns, and the
 * second decides on what the first committed: READ COMMITTED gives each later statement a fresh
 * snapshot, and FOR UPDATE returns the row as last committed after waiting for it.
 */

export const INSERT_MESSAGE = `
INSERT INTO outbound_messages (id, sim_iccid, sender_iccid, to_number, to_country, body,
    status, part_count, priority, delivery_report, valid_until, customer_id, api_key_id,
    created_at, updated_at)
VALUES ($1, $2, $2, $3, $4, $5, 'queued', $6, $7, $8, $9, $10, $11, $12, $12)
ON CONFLICT (id) DO NOTHING
RETURNING id`;

/** Every part of a message in one statement: `$2` PDUs and `$3` lengths in sequence order. */
export const INSERT_PARTS = `
INSERT INTO outbound_parts (message_id, sequence, pdu, tpdu_length, status, next_attempt_at)
SELECT $1, p.sequence, p.pdu, p.tpdu_length, 'queued', $4
  FROM unnest($2::text[], $3::bigint[]) WITH ORDINALITY AS p(pdu, tpdu_length, sequence)`;

// Served by the partial index outbound_messages_routable; a message with a part in flight is
// not queued (its status is `sending`).
export const ROUTABLE = `
SELECT m.id, m.to_country, m.priority, m.sender_iccid, m.avoid_iccid, m.avoid_until
  FROM outbound_messages m
 WHERE m.status = 'queued'
   AND (m.valid_until IS NULL OR m.valid_until > $1
        OR EXISTS (SELECT 1 FROM outbound_parts s WHERE s.message_id = m.id AND s.status = 'sent'))
   AND (m.sender_iccid IS NULL
        OR m.sender_iccid = ANY($3::text[])
        OR (m.priority >= $5 AND m.sender_iccid = ANY($4::text[])))
   AND EXISTS (SELECT 1 FROM outbound_parts p WHERE p.message_id = m.id
                 AND p.status = 'queued' AND p.next_attempt_at <= $1)
 ORDER BY m.priority DESC, m.created_at, m.rowid
 LIMIT $2`;

// Served by the partial index outbound_parts_queued.
export const ANY_DUE = `
SELECT 1 FROM outbound_parts WHERE status = 'queued' AND next_attempt_at <= $1 LIMIT 1`;

export const MESSAGE = 'SELECT * FROM outbound_messages WHERE id = $1';
/** The message's row, locked until commit: see the lock order above. */
export const LOCK_MESSAGE = 'SELECT * FROM outbound_messages WHERE id = $1 FOR UPDATE';

/**
 * The rows of every message a batch of steps names, locked in one order (by id, as every
 * transaction that locks several messages does): batches of several hosts naming the same
 * messages then wait for each other instead of deadlocking.
 */
export const LOCK_MESSAGES = `
SELECT id FROM outbound_messages WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`;

/** Whether parts went out or one is in flight, and the next part due: what a claim decides on. */
export const CLAIM_FACTS = `
SELECT EXISTS (SELECT 1 FROM outbound_parts WHERE message_id = $1 AND status = 'sent') AS any_sent,
       EXISTS (SELECT 1 FROM outbound_parts WHERE message_id = $1 AND status = 'sending')
         AS in_flight,
       n.sequence, n.pdu, n.tpdu_length, n.attempts
  FROM (SELECT 1) AS one
  LEFT JOIN LATERAL (
    SELECT sequence, pdu, tpdu_length, attempts FROM outbound_parts
     WHERE message_id = $1 AND status = 'queued' AND next_attempt_at <= $2
     ORDER BY sequence LIMIT 1) AS n ON true`;

/**
 * The part `$2` marked `sending` for SIM `$3` at `$4` (only while still queued), and the message
 * bound to the SIM when it was queued, each with its history row: one round trip. Returns
 * whether the part was claimed.
 */
export const CLAIM = `
WITH part AS (
  UPDATE outbound_parts SET status = 'sending', sim_iccid = $3, claimed_at = $4
   WHERE message_id = $1 AND sequence = $2 AND status = 'queued'
  RETURNING message_id, sequence),
part_history AS (
  INSERT INTO outbound_history (message_id, sequence, status, sim_iccid, detail, at)
  SELECT message_id, sequence, 'sending', $3, NULL, $4 FROM part),
message AS (
  UPDATE outbound_messages SET status = 'sending', sender_iccid = $3, updated_at = $4
   WHERE id = $1 AND status = 'queued' AND EXISTS (SELECT 1 FROM part)
  RETURNING id),
message_history AS (
  INSERT INTO outbound_history (message_id, sequence, status, sim_iccid, detail, at)
  SELECT id, NULL, 'sending', $3, NULL, $4 FROM message)
SELECT EXISTS (SELECT 1 FROM part) AS claimed`;

export const PART = 'SELECT * FROM outbound_parts WHERE message_id = $1 AND sequence = $2';
export const PARTS = 'SELECT * FROM outbound_parts WHERE message_id = $1 ORDER BY sequence';

/** The part sent, with its history row (`$6`: its detail). */
export const PART_SENT = `
WITH part AS (
  UPDATE outbound_parts SET status = 'sent', sim_iccid = $3, message_reference = $4, sent_at = $5
   WHERE message_id = $1 AND sequence = $2
  RETURNING message_id, sequence)
INSERT INTO outbound_history (message_id, sequence, status, sim_iccid, detail, at)
SELECT message_id, sequence, 'sent', $3, $6, $5 FROM part`;

// Once every part is out the message is `sent`; until then it stays `sending`.
export const MESSAGE_SENT_IF_ALL_SENT = `
UPDATE outbound_messages SET status = 'sent', sent_at = $2, updated_at = $2
 WHERE id = $1 AND status = 'sending'
   AND NOT EXISTS (SELECT 1 FROM outbound_parts WHERE message_id = $1 AND status <> 'sent')`;

export const PART_IN_FLIGHT = `
SELECT 1 FROM outbound_parts WHERE message_id = $1 AND status = 'sending' LIMIT 1`;
export const ANY_PART_SENT = `
SELECT 1 FROM outbound_parts WHERE message_id = $1 AND status = 'sent' LIMIT 1`;

export const PART_FAILED = `
UPDATE outbound_parts SET status = 'failed', cms_error = $3, error_detail = $4
 WHERE message_id = $1 AND sequence = $2`;

export const CANCEL_QUEUED_PARTS = `
UPDATE outbound_parts SET status = 'failed', error_detail = $2
 WHERE message_id = $1 AND status = 'queued'`;

export const MESSAGE_FAILED = `
UPDATE outbound_messages
   SET status = $2, error_code = $3, cms_error = $4, error_detail = $5, updated_at = $6
 WHERE id = $1 AND status IN ('queued', 'sending')`;

export const PART_RETRY = `
UPDATE outbound_parts
   SET status = 'queued', attempts = attempts + 1, next_attempt_at = $5,
       cms_error = $3, error_detail = $4, sim_iccid = NULL, claimed_at = NULL,
       send_path = NULL, slot_storage = NULL, slot_index = NULL
 WHERE message_id = $1 AND sequence = $2`;

// Back in the queue. Nothing out yet: routing may give it to any SIM (or the one asked for),
// preferring one other than `avoid` until `avoidUntil`.
export const RELEASE = `
UPDATE outbound_messages
   SET status = 'queued', updated_at = $5,
       sender_iccid = CASE WHEN $2 THEN sender_iccid ELSE sim_iccid END,
       avoid_iccid = COALESCE($3, avoid_iccid),
       avoid_until = COALESCE($4::bigint, avoid_until)
 WHERE id = $1 AND status = 'sending'`;

// The first terms are the partial index outbound_messages_expiring's own. A message with parts
// out is finished, never cut short (a truncated concatenation). Hosts sweep at the same time:
// one that finds a message locked leaves it to whoever holds it (or to its next sweep).
export const EXPIRING = `
SELECT id FROM outbound_messages m
 WHERE status IN ('queued', 'sending') AND valid_until IS NOT NULL AND valid_until <= $1
   AND status = 'queued'
   AND NOT EXISTS (SELECT 1 FROM outbound_parts p WHERE p.message_id = m.id AND p.status = 'sent')
 ORDER BY id
   FOR UPDATE SKIP LOCKED`;

/** This host's SIMs. */
const HOST_SIMS = 'SELECT iccid FROM sims WHERE host_id = $1';

/**
 * The messages start-up recovery may touch, locked: this host's in flight (bound to its SIMs),
 * and those of its SIMs' parts left `sending`. Other hosts' work is theirs (and their reaper's).
 */
export const LOCK_INTERRUPTED = `
SELECT id, status = 'sending' AND sender_iccid IN (${HOST_SIMS}) AS in_flight
  FROM outbound_messages
 WHERE (status = 'sending' AND sender_iccid IN (${HOST_SIMS}))
    OR id IN (SELECT message_id FROM outbound_parts
               WHERE status = 'sending' AND sim_iccid IN (${HOST_SIMS}))
 ORDER BY id
   FOR UPDATE`;

/*
 * Throttles across hosts: only the host that drives a SIM sends through it (a part is claimed
 * for one of the claiming host's own SIMs), so the SIM's sends recorded here are all of them,
 * whatever host queued the messages.
 */
export const SEND_TIMES = `
SELECT at FROM outbound_history
 WHERE sim_iccid = $1 AND status = 'sending' AND sequence IS NOT NULL AND at >= $2
 ORDER BY at`;

export const OFF_LIMITS = `
SELECT sim_iccid AS iccid, 1 AS rented FROM orders WHERE status IN ('waiting', 'received', 'retry')
UNION ALL
SELECT iccid, 0 AS rented FROM sims WHERE enabled = 0`;

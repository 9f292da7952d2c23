/**
 * SQL of sending through modem storage on PostgreSQL (the twin of
 * src/store/sqlite/outbound-slot-statements.ts): a part's slot and send path, the parts a SIM
 * must settle before it sends again, `unknown` outcomes and start-up recovery.
 */

// Another part of the SIM naming the same slot: the modem reused the index.
export const DROP_REUSED_SLOT = `
UPDATE outbound_parts SET slot_storage = NULL, slot_index = NULL
 WHERE sim_iccid = $3 AND slot_storage = $4 AND slot_index = $5
   AND NOT (message_id = $1 AND sequence = $2)`;

export const SET_SLOT = `
UPDATE outbound_parts SET send_path = 'stored', slot_storage = $3, slot_index = $4
 WHERE message_id = $1 AND sequence = $2 AND status = 'sending'`;

export const SET_DIRECT = `
UPDATE outbound_parts SET send_path = 'direct', slot_storage = NULL, slot_index = NULL
 WHERE message_id = $1 AND sequence = $2 AND status = 'sending'`;

export const CLEAR_SLOT = `
UPDATE outbound_parts SET slot_storage = NULL, slot_index = NULL
 WHERE message_id = $1 AND sequence = $2 AND slot_storage = $3 AND slot_index = $4`;

// Served by the partial index outbound_parts_in_flight.
export const SLOTTED = `
SELECT message_id, sequence, status, pdu, attempts, slot_storage, slot_index
  FROM outbound_parts
 WHERE sim_iccid = $1 AND (status = 'sending' OR slot_index IS NOT NULL)
   AND slot_index IS NOT NULL
 ORDER BY message_id COLLATE "C", sequence`;

export const PART_UNKNOWN = `
UPDATE outbound_parts SET status = 'unknown', error_detail = $3,
       slot_storage = NULL, slot_index = NULL
 WHERE message_id = $1 AND sequence = $2`;

export const MESSAGE_UNKNOWN = `
UPDATE outbound_messages
   SET status = 'unknown', error_code = 'sms_send_unknown', error_detail = $2, updated_at = $3
 WHERE id = $1 AND status IN ('queued', 'sending')`;

/** This host's parts left `sending` (claimed for one of its SIMs). */
export const INTERRUPTED_PARTS = `
SELECT message_id, sequence, send_path, slot_index FROM outbound_parts
 WHERE status = 'sending' AND sim_iccid IN (SELECT iccid FROM sims WHERE host_id = $1)
 ORDER BY message_id COLLATE "C", sequence`;

export const REQUEUE_PART = `
UPDATE outbound_parts
   SET status = 'queued', attempts = attempts + 1, next_attempt_at = $3,
       sim_iccid = NULL, claimed_at = NULL, send_path = NULL,
       slot_storage = NULL, slot_index = NULL
 WHERE message_id = $1 AND sequence = $2 AND status = 'sending'`;

import type { InterruptedPartRow, SlottedPartRow } from '../common/outbound-rows.js';
import type { SqliteDatabase } from './database.js';

type PartKey = { id: string; sequence: number };
type SlotKey = { storage: string; index: number };

/**
 * Statements of sending through modem storage (migration 11): a part's slot and send path, the
 * parts a SIM must settle before it sends again, and `unknown` outcomes.
 */
export function prepareSlotStatements(db: SqliteDatabase) {
  return {
    // Another part of the SIM naming the same slot: the modem reused the index.
    dropReusedSlot: db.prepare<PartKey & SlotKey & { iccid: string }>(
      `UPDATE outbound_parts SET slot_storage = NULL, slot_index = NULL
        WHERE sim_iccid = @iccid AND slot_storage = @storage AND slot_index = @index
          AND NOT (message_id = @id AND sequence = @sequence)`,
    ),
    setSlot: db.prepare<PartKey & SlotKey>(
      `UPDATE outbound_parts SET send_path = 'stored', slot_storage = @storage, slot_index = @index
        WHERE message_id = @id AND sequence = @sequence AND status = 'sending'`,
    ),
    setDirect: db.prepare<PartKey>(
      `UPDATE outbound_parts SET send_path = 'direct', slot_storage = NULL, slot_index = NULL
        WHERE message_id = @id AND sequence = @sequence AND status = 'sending'`,
    ),
    clearSlot: db.prepare<PartKey & SlotKey>(
      `UPDATE outbound_parts SET slot_storage = NULL, slot_index = NULL
        WHERE message_id = @id AND sequence = @sequence
          AND slot_storage = @storage AND slot_index = @index`,
    ),
    // Served by the partial index outbound_parts_in_flight.
    slotted: db.prepare<[string], SlottedPartRow>(
      `SELECT message_id, sequence, status, pdu, attempts, slot_storage, slot_index
         FROM outbound_parts
        WHERE sim_iccid = ? AND (status = 'sending' OR slot_index IS NOT NULL)
          AND slot_index IS NOT NULL
        ORDER BY message_id, sequence`,
    ),
    partUnknown: db.prepare<PartKey & { detail: string }>(
      `UPDATE outbound_parts SET status = 'unknown', error_detail = @detail,
              slot_storage = NULL, slot_index = NULL
        WHERE message_id = @id AND sequence = @sequence`,
    ),
    messageUnknown: db.prepare<{ id: string; detail: string; at: number }>(
      `UPDATE outbound_messages
          SET status = 'unknown', error_code = 'sms_send_unknown', error_detail = @detail,
              updated_at = @at
        WHERE id = @id AND status IN ('queued', 'sending')`,
    ),
    // This host's only: parts claimed for its SIMs.
    interruptedParts: db.prepare<[string], InterruptedPartRow>(
      `SELECT message_id, sequence, send_path, slot_index FROM outbound_parts
        WHERE status = 'sending' AND sim_iccid IN (SELECT iccid FROM sims WHERE host_id = ?)
        ORDER BY message_id, sequence`,
    ),
    requeuePart: db.prepare<PartKey & { at: number }>(
      `UPDATE outbound_parts
          SET status = 'queued', attempts = attempts + 1, next_attempt_at = @at,
              sim_iccid = NULL, claimed_at = NULL, send_path = NULL,
              slot_storage = NULL, slot_index = NULL
        WHERE message_id = @id AND sequence = @sequence AND status = 'sending'`,
    ),
  };
}

export type SlotStatements = ReturnType<typeof prepareSlotStatements>;

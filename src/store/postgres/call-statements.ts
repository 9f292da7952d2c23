/** The SQL of incoming calls on PostgreSQL (the twin of src/store/sqlite/call-statements.ts). */
export const CALL_SQL = {
  /**
   * No row when (sim_iccid, started_at) was recorded before (a repeated report). A report of the
   * same call by a concurrent transaction waits for it and then inserts nothing.
   */
  insertCall: `
    INSERT INTO calls (sim_iccid, imei, caller, started_at, ended_at, rings, end_reason,
      created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (sim_iccid, started_at) DO NOTHING RETURNING id`,
  giveToOrder: 'UPDATE calls SET order_id = $1, code = $2 WHERE id = $3',
  callCodeDigits: 'SELECT call_code_digits FROM services WHERE code = $1',
  /** A coded call delivers like an SMS: the order is `received` and shows the code. */
  recordCallCode: `
    UPDATE orders SET status = 'received', last_code = $2, updated_at = $3 WHERE id = $1
    RETURNING *`,
  callsOfOrder: `
    SELECT id, caller, code, rings, started_at, ended_at FROM calls WHERE order_id = $1
     ORDER BY started_at, id`,
} as const;

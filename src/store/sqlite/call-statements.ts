import type { CallEndReason } from '../../domain/index.js';
import type { CallTableRow } from '../common/call-rows.js';
import type { SqliteDatabase } from './database.js';

export function prepareCallStatements(db: SqliteDatabase) {
  return {
    /** Returns no row when (sim_iccid, started_at) was recorded before (a repeated report). */
    insertCall: db.prepare<
      {
        iccid: string;
        imei: string | null;
        caller: string | null;
        startedAt: number;
        endedAt: number;
        rings: number;
        end: CallEndReason;
        now: number;
      },
      { id: number }
    >(
      `INSERT INTO calls (sim_iccid, imei, caller, started_at, ended_at, rings, end_reason,
         created_at)
       VALUES (@iccid, @imei, @caller, @startedAt, @endedAt, @rings, @end, @now)
       ON CONFLICT (sim_iccid, started_at) DO NOTHING RETURNING id`,
    ),
    giveToOrder: db.prepare<[string, string | null, number]>(
      'UPDATE calls SET order_id = ?, code = ? WHERE id = ?',
    ),
    callCodeDigits: db
      .prepare<[string], number | null>('SELECT call_code_digits FROM services WHERE code = ?')
      .pluck(),
    /** A coded call delivers like an SMS: the order is `received` and shows the code. */
    recordCallCode: db.prepare<{ id: string; code: string; now: number }>(
      `UPDATE orders SET status = 'received', last_code = @code, updated_at = @now
        WHERE id = @id`,
    ),
    callsOfOrder: db.prepare<[string], CallTableRow>(
      `SELECT id, caller, code, rings, started_at, ended_at FROM calls WHERE order_id = ?
        ORDER BY started_at, id`,
    ),
  };
}

export type CallStatements = ReturnType<typeof prepareCallStatements>;

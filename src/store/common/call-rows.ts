/** A `calls` row as an order shows it, read the same on both engines. */
import type { OrderCall } from '../../domain/index.js';

export interface CallTableRow {
  readonly id: number;
  readonly caller: string | null;
  readonly code: string | null;
  readonly rings: number;
  readonly started_at: number;
  readonly ended_at: number;
}

export function callFromRow(row: CallTableRow): OrderCall {
  return {
    id: row.id,
    caller: row.caller,
    code: row.code,
    rings: row.rings,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}

/** Idempotency-key records (table idempotency_keys, migration 5) as both engines read them. */
import type { IdempotencyRecord } from '../../domain/index.js';

export interface IdempotencyTableRow {
  readonly scope: string;
  readonly key: string;
  readonly fingerprint: string;
  readonly status_code: number | null;
  readonly body: string | null;
  readonly created_at: number;
}

export function idempotencyRecordFromRow(row: IdempotencyTableRow): IdempotencyRecord {
  return {
    scope: row.scope,
    key: row.key,
    fingerprint: row.fingerprint,
    createdAt: row.created_at,
    response:
      row.status_code === null || row.body === null
        ? null
        : { statusCode: row.status_code, body: row.body },
  };
}

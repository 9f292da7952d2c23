/** Idempotency-key records (table idempotency_keys, migrations 5 and 14) as both engines read them. */
import type { IdempotencyRecord } from '../../domain/index.js';
import type { ClaimEffectRow } from './idempotent-effects.js';

export interface IdempotencyTableRow extends ClaimEffectRow {
  readonly scope: string;
  readonly key: string;
  readonly fingerprint: string;
  readonly status_code: number | null;
  readonly body: string | null;
  readonly created_at: number;
  readonly holder_host: string | null;
  readonly holder_epoch: number | null;
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

/**
 * Whether a new claim replaces this live (unexpired) record, on SQLite (PostgreSQL says the same
 * in its claim statement): only a record still in flight, abandoned past the lease or held by a
 * dead holder; and once it recorded an effect, only by the same request, which answers with it.
 */
export function takesOver(
  row: IdempotencyTableRow,
  fingerprint: string,
  why: { readonly abandoned: number; readonly holderDead: boolean },
): boolean {
  if (row.status_code !== null) return false;
  if (row.effect_kind !== null && row.fingerprint !== fingerprint) return false;
  return row.created_at < why.abandoned || why.holderDead;
}

/**
 * The effects of keyed requests on their idempotency claims, on PostgreSQL (common/idempotent-
 * effects.ts explains them; the SQLite twin is src/store/sqlite/idempotent-effects.ts). `recorded`
 * locks the claim row first thing in the effect's transaction: a retry taking the claim over
 * (its INSERT … ON CONFLICT DO UPDATE) waits for the effect's commit and then keeps the effect,
 * or has already taken it and this attempt is refused before it writes anything.
 */
import type { ClaimedIdempotencyKey } from '../../domain/index.js';
import {
  CLAIM_EFFECT_COLUMNS,
  effectOfClaim,
  type ClaimEffectRow,
  type EffectKind,
  type RecordedEffect,
} from '../common/idempotent-effects.js';
import type { Queryable } from './database.js';

const FIND = `SELECT ${CLAIM_EFFECT_COLUMNS} FROM idempotency_keys
  WHERE scope = $1 AND key = $2 FOR UPDATE`;

const RECORD = `UPDATE idempotency_keys SET effect_kind = $1, effect_id = $2, effect_detail = $3
  WHERE scope = $4 AND key = $5 AND claim_id = $6`;

/** The effect already recorded for this key, or null (see effectOfClaim); the row stays locked. */
export async function recordedEffect(
  client: Queryable,
  claimed: ClaimedIdempotencyKey,
  kind: EffectKind,
): Promise<RecordedEffect | null> {
  const found = await client.query<ClaimEffectRow>(FIND, [claimed.scope, claimed.key]);
  return effectOfClaim(found.rows[0], claimed, kind);
}

export async function recordEffect(
  client: Queryable,
  claimed: ClaimedIdempotencyKey,
  effect: RecordedEffect,
): Promise<void> {
  await client.query(RECORD, [
    effect.kind,
    effect.id,
    effect.detail,
    claimed.scope,
    claimed.key,
    claimed.claimId,
  ]);
}

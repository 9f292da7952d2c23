/**
 * The effects of keyed requests on their idempotency claims, on SQLite (common/idempotent-
 * effects.ts explains them; the PostgreSQL twin is src/store/postgres/idempotent-effects.ts).
 * Called inside the effect's IMMEDIATE transaction, which already excludes every other writer.
 */
import type { ClaimedIdempotencyKey } from '../../domain/index.js';
import {
  CLAIM_EFFECT_COLUMNS,
  effectOfClaim,
  type ClaimEffectRow,
  type EffectKind,
  type RecordedEffect,
} from '../common/idempotent-effects.js';
import type { SqliteDatabase } from './database.js';

export class SqliteIdempotentEffects {
  private readonly findStmt;
  private readonly recordStmt;

  constructor(db: SqliteDatabase) {
    this.findStmt = db.prepare<[string, string], ClaimEffectRow>(
      `SELECT ${CLAIM_EFFECT_COLUMNS} FROM idempotency_keys WHERE scope = ? AND key = ?`,
    );
    this.recordStmt = db.prepare<[EffectKind, string, string | null, string, string, string]>(
      `UPDATE idempotency_keys SET effect_kind = ?, effect_id = ?, effect_detail = ?
        WHERE scope = ? AND key = ? AND claim_id = ?`,
    );
  }

  /** The effect already recorded for this key, or null (see effectOfClaim). */
  recorded(claimed: ClaimedIdempotencyKey, kind: EffectKind): RecordedEffect | null {
    return effectOfClaim(this.findStmt.get(claimed.scope, claimed.key), claimed, kind);
  }

  record(claimed: ClaimedIdempotencyKey, effect: RecordedEffect): void {
    this.recordStmt.run(
      effect.kind,
      effect.id,
      effect.detail,
      claimed.scope,
      claimed.key,
      claimed.claimId,
    );
  }
}

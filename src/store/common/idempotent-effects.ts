/**
 * The effect a keyed request recorded on its idempotency claim (migration 14), read and written
 * inside the effect's own transaction on both engines (src/store/{sqlite,postgres}/
 * idempotent-effects.ts hold the SQL). A purchase, swap or message send first looks at its
 * claim: an effect already there is answered again; otherwise it does the work and records it.
 */
import type { ClaimedIdempotencyKey } from '../../domain/index.js';
import { SimpoolError } from '../../shared/index.js';

export type EffectKind = 'order' | 'swap' | 'message';

export interface RecordedEffect {
  readonly kind: EffectKind;
  /** The order (`order`, `swap`) or outbound message (`message`). */
  readonly id: string;
  /** `swap`: the number before the swap. */
  readonly detail: string | null;
}

/** The claim's columns the effects read (table idempotency_keys). */
export interface ClaimEffectRow {
  readonly claim_id: string | null;
  readonly effect_kind: EffectKind | null;
  readonly effect_id: string | null;
  readonly effect_detail: string | null;
}

export const CLAIM_EFFECT_COLUMNS = 'claim_id, effect_kind, effect_id, effect_detail';

/**
 * The effect this key already recorded, or null when there is none yet (the caller does the
 * work). No row: the claim lives elsewhere (an API with the in-memory port), nothing to fence.
 * A row taken over by another attempt (a retry that found this holder dead) refuses this one,
 * which rolls back: the taker answers the client.
 */
export function effectOfClaim(
  row: ClaimEffectRow | undefined,
  claimed: ClaimedIdempotencyKey,
  kind: EffectKind,
): RecordedEffect | null {
  if (row === undefined) return null;
  if (row.claim_id !== null && row.claim_id !== claimed.claimId) {
    throw new SimpoolError(
      'idempotency_conflict',
      'a retry with this Idempotency-Key took the request over',
      { details: { retryAfter: 1 } },
    );
  }
  if (row.effect_kind === null || row.effect_id === null) return null;
  if (row.effect_kind !== kind) {
    throw new SimpoolError(
      'idempotency_mismatch',
      'this Idempotency-Key was used with a different request',
    );
  }
  return { kind, id: row.effect_id, detail: row.effect_detail };
}

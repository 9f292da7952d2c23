/**
 * Idempotency-key records (table idempotency_keys, migrations 5 and 14) on PostgreSQL: the twin
 * of src/store/sqlite/idempotency-repository.ts. A claim must be atomic across hosts: the INSERT …
 * ON CONFLICT takes the key or finds the record already there (waiting for a claim of it in
 * flight on another host), so of several hosts claiming one key at once exactly one gets it. A
 * claim names its holder (host and epoch): once that epoch is over or its lease ran out (the
 * host died), a retry on another host takes the claim over at once and finds the effect the
 * holder may have recorded (idempotent-effects.ts).
 */
import type {
  NewIdempotencyClaim,
  IdempotencyPort,
  IdempotencyRecord,
  StoredResponse,
} from '../../domain/index.js';
import { idempotencyRecordFromRow, type IdempotencyTableRow } from '../common/idempotency-rows.js';
import { sessionCurrentSql } from '../common/hosts.js';
import type { PostgresDatabase } from './database.js';
import { DB_NOW_MS } from './db-clock.js';

const SQL = {
  // In ONE statement (no transaction around it: one round trip): expired rows of every scope go
  // with each claim (the table stays bounded by 24 h of traffic; rows another claim holds are
  // left for the next one rather than waited for; the key being claimed is left to the claim,
  // which replaces it when dead), and the claim inserts the key, or replaces a dead record:
  // expired (all of it goes), or in flight and abandoned or held by a dead holder (a stale
  // epoch, or a lease over on the database's clock). An effect the dead attempt recorded stays,
  // for the same request only (the fingerprint). A live record stays as it is: no row claimed.
  claim: `
    WITH pruned AS (
      DELETE FROM idempotency_keys WHERE (scope, key) IN (
        SELECT scope, key FROM idempotency_keys
         WHERE created_at < $5 AND NOT (scope = $1 AND key = $2)
        FOR UPDATE SKIP LOCKED)
    ),
    claimed AS (
      INSERT INTO idempotency_keys AS k (scope, key, fingerprint, created_at, claim_id,
          holder_host, holder_epoch)
        VALUES ($1, $2, $3, $4, $7, $8, $9)
      ON CONFLICT (scope, key) DO UPDATE
        SET fingerprint = EXCLUDED.fingerprint, created_at = EXCLUDED.created_at,
          claim_id = EXCLUDED.claim_id, holder_host = EXCLUDED.holder_host,
          holder_epoch = EXCLUDED.holder_epoch,
          status_code = NULL, body = NULL, completed_at = NULL,
          effect_kind = CASE WHEN k.created_at < $5 THEN NULL ELSE k.effect_kind END,
          effect_id = CASE WHEN k.created_at < $5 THEN NULL ELSE k.effect_id END,
          effect_detail = CASE WHEN k.created_at < $5 THEN NULL ELSE k.effect_detail END
        WHERE k.created_at < $5
           OR (k.status_code IS NULL
               AND (k.effect_kind IS NULL OR k.fingerprint = EXCLUDED.fingerprint)
               AND (k.created_at < $6
                    OR (k.holder_host IS NOT NULL AND NOT EXISTS (
                          SELECT 1 FROM hosts h
                           WHERE h.id = k.holder_host AND h.epoch = k.holder_epoch
                             AND ${sessionCurrentSql('h.')} AND h.lease_until > ${DB_NOW_MS}))))
      RETURNING 1
    )
    SELECT COUNT(*) AS claimed FROM claimed`,
  record: 'SELECT * FROM idempotency_keys WHERE scope = $1 AND key = $2',
  // With a claim id, only while that attempt holds the claim (a taken-over one writes nothing).
  complete: `
    UPDATE idempotency_keys SET status_code = $1, body = $2, completed_at = $3
     WHERE scope = $4 AND key = $5 AND status_code IS NULL
       AND claim_id IS NOT DISTINCT FROM coalesce($6::text, claim_id)`,
  // A claim whose effect was recorded stays for the retry to find it.
  release: `
    DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status_code IS NULL
       AND effect_kind IS NULL AND claim_id IS NOT DISTINCT FROM coalesce($3::text, claim_id)`,
} as const;

/** Claims of one key that find its record gone (released meanwhile) before that is an error. */
const CLAIM_ATTEMPTS = 8;

export class PostgresIdempotencyRepository implements IdempotencyPort {
  constructor(private readonly db: PostgresDatabase) {}

  /**
   * One round trip when the key is free. When it is not, the record is read in a second
   * statement: it may have been completed meanwhile (then that is the answer) or released (then
   * the key is claimed again), as if the claim had come a moment later.
   */
  async claim(
    claim: NewIdempotencyClaim,
    now: number,
    limits: { readonly expiredBefore: number; readonly abandonedBefore: number },
  ): Promise<IdempotencyRecord | null> {
    for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
      const claimed = await this.db.query<{ claimed: number }>(SQL.claim, [
        claim.scope,
        claim.key,
        claim.fingerprint,
        now,
        limits.expiredBefore,
        limits.abandonedBefore,
        claim.claimId,
        claim.holder?.hostId ?? null,
        claim.holder?.epoch ?? null,
      ]);
      if ((claimed.rows[0]?.claimed ?? 0) > 0) return null;
      const found = await this.db.query<IdempotencyTableRow>(SQL.record, [claim.scope, claim.key]);
      const row = found.rows[0];
      if (row) return idempotencyRecordFromRow(row);
    }
    throw new Error(`idempotency key ${claim.key} kept vanishing while claimed`);
  }

  async complete(
    scope: string,
    key: string,
    response: StoredResponse,
    now: number,
    claimId?: string,
  ): Promise<void> {
    await this.db.query(SQL.complete, [
      response.statusCode,
      response.body,
      now,
      scope,
      key,
      claimId ?? null,
    ]);
  }

  async release(scope: string, key: string, claimId?: string): Promise<void> {
    await this.db.query(SQL.release, [scope, key, claimId ?? null]);
  }
}

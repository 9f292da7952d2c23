/**
 * Idempotency-key records (table idempotency_keys, migration 5) on PostgreSQL: the twin of
 * src/store/sqlite/idempotency-repository.ts. A claim must be atomic across hosts: the INSERT …
 * ON CONFLICT takes the key or finds the record already there (waiting for a claim of it in
 * flight on another host), so of several hosts claiming one key at once exactly one gets it.
 */
import type {
  IdempotencyClaim,
  IdempotencyPort,
  IdempotencyRecord,
  StoredResponse,
} from '../../domain/index.js';
import { idempotencyRecordFromRow, type IdempotencyTableRow } from '../common/idempotency-rows.js';
import type { PostgresDatabase } from './database.js';

const SQL = {
  // In ONE statement (no transaction around it: one round trip): expired rows of every scope go
  // with each claim (the table stays bounded by 24 h of traffic; rows another claim holds are
  // left for the next one rather than waited for; the key being claimed is left to the claim,
  // which replaces it when dead), and the claim inserts the key, or replaces a dead record
  // (expired, or in flight and abandoned). A live record stays as it is: no row claimed.
  claim: `
    WITH pruned AS (
      DELETE FROM idempotency_keys WHERE (scope, key) IN (
        SELECT scope, key FROM idempotency_keys
         WHERE created_at < $5 AND NOT (scope = $1 AND key = $2)
        FOR UPDATE SKIP LOCKED)
    ),
    claimed AS (
      INSERT INTO idempotency_keys (scope, key, fingerprint, created_at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (scope, key) DO UPDATE
        SET fingerprint = EXCLUDED.fingerprint, created_at = EXCLUDED.created_at,
          status_code = NULL, body = NULL, completed_at = NULL
        WHERE idempotency_keys.created_at < $5
           OR (idempotency_keys.status_code IS NULL AND idempotency_keys.created_at < $6)
      RETURNING 1
    )
    SELECT COUNT(*) AS claimed FROM claimed`,
  record: 'SELECT * FROM idempotency_keys WHERE scope = $1 AND key = $2',
  complete: `
    UPDATE idempotency_keys SET status_code = $1, body = $2, completed_at = $3
     WHERE scope = $4 AND key = $5 AND status_code IS NULL`,
  release: 'DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status_code IS NULL',
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
    claim: IdempotencyClaim,
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
      ]);
      if ((claimed.rows[0]?.claimed ?? 0) > 0) return null;
      const found = await this.db.query<IdempotencyTableRow>(SQL.record, [claim.scope, claim.key]);
      const row = found.rows[0];
      if (row) return idempotencyRecordFromRow(row);
    }
    throw new Error(`idempotency key ${claim.key} kept vanishing while claimed`);
  }

  async complete(scope: string, key: string, response: StoredResponse, now: number): Promise<void> {
    await this.db.query(SQL.complete, [response.statusCode, response.body, now, scope, key]);
  }

  async release(scope: string, key: string): Promise<void> {
    await this.db.query(SQL.release, [scope, key]);
  }
}

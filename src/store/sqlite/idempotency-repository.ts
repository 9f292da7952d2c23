/** Idempotency-key records (table idempotency_keys, migration 5). */
import type {
  IdempotencyClaim,
  IdempotencyPort,
  IdempotencyRecord,
  StoredResponse,
} from '../../domain/index.js';
import { idempotencyRecordFromRow, type IdempotencyTableRow } from '../common/idempotency-rows.js';
import type { SqliteDatabase } from './database.js';

export class SqliteIdempotencyRepository implements IdempotencyPort {
  private readonly getStmt;
  private readonly pruneStmt;
  private readonly insertStmt;
  private readonly completeStmt;
  private readonly releaseStmt;
  private readonly claimTx;

  constructor(db: SqliteDatabase) {
    this.getStmt = db.prepare<[string, string], IdempotencyTableRow>(
      'SELECT * FROM idempotency_keys WHERE scope = ? AND key = ?',
    );
    this.pruneStmt = db.prepare<{ scope: string; key: string; expired: number; abandoned: number }>(
      `DELETE FROM idempotency_keys
        WHERE created_at < @expired
           OR (scope = @scope AND key = @key AND status_code IS NULL AND created_at < @abandoned)`,
    );
    this.insertStmt = db.prepare<[string, string, string, number]>(
      `INSERT INTO idempotency_keys (scope, key, fingerprint, created_at) VALUES (?, ?, ?, ?)`,
    );
    this.completeStmt = db.prepare<[number, string, number, string, string]>(
      `UPDATE idempotency_keys SET status_code = ?, body = ?, completed_at = ?
        WHERE scope = ? AND key = ? AND status_code IS NULL`,
    );
    this.releaseStmt = db.prepare<[string, string]>(
      'DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND status_code IS NULL',
    );
    // One IMMEDIATE transaction: two concurrent requests with one key cannot both claim it.
    this.claimTx = db.transaction(
      (
        claim: IdempotencyClaim,
        now: number,
        expired: number,
        abandoned: number,
      ): IdempotencyRecord | null => {
        // Expired rows of every scope go with it: the table stays bounded by 24 h of traffic.
        this.pruneStmt.run({ scope: claim.scope, key: claim.key, expired, abandoned });
        const row = this.getStmt.get(claim.scope, claim.key);
        if (row) return idempotencyRecordFromRow(row);
        this.insertStmt.run(claim.scope, claim.key, claim.fingerprint, now);
        return null;
      },
    );
  }

  claim(
    claim: IdempotencyClaim,
    now: number,
    limits: { readonly expiredBefore: number; readonly abandonedBefore: number },
  ): Promise<IdempotencyRecord | null> {
    return Promise.resolve(
      this.claimTx.immediate(claim, now, limits.expiredBefore, limits.abandonedBefore),
    );
  }

  complete(scope: string, key: string, response: StoredResponse, now: number): Promise<void> {
    this.completeStmt.run(response.statusCode, response.body, now, scope, key);
    return Promise.resolve();
  }

  release(scope: string, key: string): Promise<void> {
    this.releaseStmt.run(scope, key);
    return Promise.resolve();
  }
}

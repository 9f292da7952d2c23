/**
 * Idempotency-key records (table idempotency_keys, migrations 5 and 14). A claim names its
 * holder, this run of the daemon (host and epoch): a restart raises the epoch, so a claim an
 * earlier run left in flight gives way at once to the retry, which finds the effect the earlier
 * run may have recorded (common/idempotent-effects.ts).
 */
import type {
  IdempotencyPort,
  IdempotencyRecord,
  NewIdempotencyClaim,
  StoredResponse,
} from '../../domain/index.js';
import {
  idempotencyRecordFromRow,
  takesOver,
  type IdempotencyTableRow,
} from '../common/idempotency-rows.js';
import { sessionCurrentSql } from '../common/hosts.js';
import type { SqliteDatabase } from './database.js';

interface ClaimParams {
  scope: string;
  key: string;
  fingerprint: string;
  now: number;
  claimId: string;
  holderHost: string | null;
  holderEpoch: number | null;
}

export class SqliteIdempotencyRepository implements IdempotencyPort {
  private readonly getStmt;
  private readonly pruneStmt;
  private readonly holderAliveStmt;
  private readonly insertStmt;
  private readonly takeOverStmt;
  private readonly completeStmt;
  private readonly releaseStmt;
  private readonly claimTx;

  constructor(db: SqliteDatabase) {
    this.getStmt = db.prepare<[string, string], IdempotencyTableRow>(
      'SELECT * FROM idempotency_keys WHERE scope = ? AND key = ?',
    );
    // Expired rows of every scope go with each claim: the table stays bounded by 24 h of traffic.
    this.pruneStmt = db.prepare<[number]>('DELETE FROM idempotency_keys WHERE created_at < ?');
    // The holder's session is current (host-registry.ts) and its lease still runs.
    this.holderAliveStmt = db
      .prepare<[string, number, number], number>(
        `SELECT 1 FROM hosts WHERE id = ? AND epoch = ? AND ${sessionCurrentSql()}
            AND lease_until > ?`,
      )
      .pluck();
    this.insertStmt = db.prepare<ClaimParams>(
      `INSERT INTO idempotency_keys (scope, key, fingerprint, created_at, claim_id, holder_host,
         holder_epoch)
       VALUES (@scope, @key, @fingerprint, @now, @claimId, @holderHost, @holderEpoch)`,
    );
    // The effect an earlier attempt recorded stays: the taker answers with it.
    this.takeOverStmt = db.prepare<ClaimParams>(
      `UPDATE idempotency_keys SET fingerprint = @fingerprint, created_at = @now,
         claim_id = @claimId, holder_host = @holderHost, holder_epoch = @holderEpoch
        WHERE scope = @scope AND key = @key`,
    );
    this.completeStmt = db.prepare<[number, string, number, string, string, string | null]>(
      `UPDATE idempotency_keys SET status_code = ?, body = ?, completed_at = ?
        WHERE scope = ? AND key = ? AND status_code IS NULL AND claim_id IS coalesce(?, claim_id)`,
    );
    this.releaseStmt = db.prepare<[string, string, string | null]>(
      `DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND status_code IS NULL
          AND effect_kind IS NULL AND claim_id IS coalesce(?, claim_id)`,
    );
    // One IMMEDIATE transaction: two concurrent requests with one key cannot both claim it.
    this.claimTx = db.transaction(
      (params: ClaimParams, expired: number, abandoned: number): IdempotencyRecord | null => {
        this.pruneStmt.run(expired);
        const row = this.getStmt.get(params.scope, params.key);
        if (!row) {
          this.insertStmt.run(params);
          return null;
        }
        const holderDead =
          row.holder_host !== null &&
          row.holder_epoch !== null &&
          this.holderAliveStmt.get(row.holder_host, row.holder_epoch, params.now) === undefined;
        if (!takesOver(row, params.fingerprint, { abandoned, holderDead })) {
          return idempotencyRecordFromRow(row);
        }
        this.takeOverStmt.run(params);
        return null;
      },
    );
  }

  claim(
    claim: NewIdempotencyClaim,
    now: number,
    limits: { readonly expiredBefore: number; readonly abandonedBefore: number },
  ): Promise<IdempotencyRecord | null> {
    const params: ClaimParams = {
      scope: claim.scope,
      key: claim.key,
      fingerprint: claim.fingerprint,
      now,
      claimId: claim.claimId,
      holderHost: claim.holder?.hostId ?? null,
      holderEpoch: claim.holder?.epoch ?? null,
    };
    return Promise.resolve(
      this.claimTx.immediate(params, limits.expiredBefore, limits.abandonedBefore),
    );
  }

  complete(
    scope: string,
    key: string,
    response: StoredResponse,
    now: number,
    claimId?: string,
  ): Promise<void> {
    this.completeStmt.run(response.statusCode, response.body, now, scope, key, claimId ?? null);
    return Promise.resolve();
  }

  release(scope: string, key: string, claimId?: string): Promise<void> {
    this.releaseStmt.run(scope, key, claimId ?? null);
    return Promise.resolve();
  }
}

/**
 * The SIMs a purchase of (service, country) may get (the filter is src/store/common's, shared
 * with PostgreSQL). Runs inside the order transactions: BEGIN IMMEDIATE makes the pick and the
 * order that takes the SIM one step no other writer can interleave with.
 */
import {
  leastRecentlyUsed,
  type AllocationPolicy,
  type EligibilityRules,
  type SimCandidate,
} from '../../domain/index.js';
import {
  CANDIDATE_COLUMNS,
  candidateFromRow,
  eligibilityParams,
  eligibleWhere,
  type CandidateRow,
  type EligibilityParams,
} from '../common/sim-eligibility.js';
import type { SqliteDatabase } from './database.js';

const ELIGIBLE_WHERE = eligibleWhere((name) => `@${name}`);

export class SimEligibility {
  private readonly candidatesStmt;
  private readonly lruStmt;
  private readonly countStmt;

  constructor(db: SqliteDatabase) {
    // sims.last_assigned_at is MAX(order_numbers.assigned_at), kept by a trigger (migration 3).
    this.candidatesStmt = db.prepare<EligibilityParams, CandidateRow>(
      `SELECT ${CANDIDATE_COLUMNS} FROM sims s WHERE ${ELIGIBLE_WHERE}`,
    );
    // The LRU order of leastRecentlyUsed (NULL first, then oldest, ties by ICCID) as an index
    // walk (sims_ready_by_lru) that stops at the first eligible SIM.
    this.lruStmt = db.prepare<EligibilityParams, CandidateRow>(
      `SELECT ${CANDIDATE_COLUMNS} FROM sims s WHERE ${ELIGIBLE_WHERE}
       ORDER BY s.last_assigned_at, s.iccid LIMIT 1`,
    );
    this.countStmt = db
      .prepare<EligibilityParams, number>(`SELECT COUNT(*) FROM sims s WHERE ${ELIGIBLE_WHERE}`)
      .pluck();
  }

  candidates(
    service: string,
    country: string,
    rules: EligibilityRules,
    now: number,
    sandbox: boolean,
    excludeOrder = '',
  ): SimCandidate[] {
    return this.candidatesStmt
      .all(eligibilityParams(service, country, rules, now, sandbox, excludeOrder))
      .map(candidateFromRow);
  }

  /** The SIM the policy gives a purchase or swap; the built-in LRU policy is answered by SQL. */
  pick(
    policy: AllocationPolicy,
    service: string,
    country: string,
    rules: EligibilityRules,
    now: number,
    sandbox: boolean,
    excludeOrder = '',
  ): SimCandidate | undefined {
    if (policy !== leastRecentlyUsed) {
      return policy.pick(this.candidates(service, country, rules, now, sandbox, excludeOrder));
    }
    const row = this.lruStmt.get(
      eligibilityParams(service, country, rules, now, sandbox, excludeOrder),
    );
    return row ? candidateFromRow(row) : undefined;
  }

  count(
    service: string,
    country: string,
    rules: EligibilityRules,
    now: number,
    sandbox: boolean,
  ): number {
    return this.countStmt.get(eligibilityParams(service, country, rules, now, sandbox, '')) ?? 0;
  }
}

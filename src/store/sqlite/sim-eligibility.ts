/**
 * The SIMs a purchase of (service, country) may get, as one SQL filter shared by allocation
 * and availability so the count shown to customers is what a purchase would find.
 */
import {
  SIMULATED_SLOT_PREFIX,
  allowedSimKind,
  leastRecentlyUsed,
  type AllocationPolicy,
  type EligibilityRules,
  type SimCandidate,
} from '../../domain/index.js';
import type { SqliteDatabase } from './database.js';

const ELIGIBLE_WHERE = `
  s.country = @country AND s.status = 'ready' AND s.enabled = 1
  AND s.registration IN ('home', 'roaming')
  AND s.msisdn IS NOT NULL AND s.msisdn != ''
  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.sim_iccid = s.iccid
                    AND o.status IN ('waiting', 'received', 'retry'))
  AND NOT EXISTS (SELECT 1 FROM sim_service_usage u WHERE u.sim_iccid = s.iccid
                    AND u.service = @service AND u.outcome = 'sold')
  AND NOT EXISTS (SELECT 1 FROM sim_service_blacklist b WHERE b.sim_iccid = s.iccid
                    AND b.service = @service)
  AND (SELECT COUNT(*) FROM sim_service_usage u WHERE u.sim_iccid = s.iccid
         AND u.service = @service AND u.outcome = 'cancelled') < @maxCancels
  AND (@cooldown <= 0 OR NOT EXISTS (SELECT 1 FROM order_numbers n WHERE n.sim_iccid = s.iccid
         AND n.released_at > @now - @cooldown))
  AND NOT EXISTS (SELECT 1 FROM order_numbers n WHERE n.order_id = @excludeOrder
                    AND n.sim_iccid = s.iccid)
  AND (@simKind = 'any' OR (substr(COALESCE(s.slot_path, ''), 1, ${SIMULATED_SLOT_PREFIX.length})
         = '${SIMULATED_SLOT_PREFIX}') = (@simKind = 'simulated'))`;

interface EligibilityParams {
  readonly service: string;
  readonly country: string;
  readonly maxCancels: number;
  readonly cooldown: number;
  readonly now: number;
  /** A swap never goes back to a SIM this order already had. */
  readonly excludeOrder: string;
  /** Sandbox orders get simulated SIMs only, live ones real SIMs (see domain `allowedSimKind`). */
  readonly simKind: 'simulated' | 'real' | 'any';
}

interface CandidateRow {
  readonly iccid: string;
  readonly msisdn: string;
  readonly operator: string | null;
  readonly last_assigned_at: number | null;
}

function candidateFromRow(row: CandidateRow): SimCandidate {
  return {
    iccid: row.iccid,
    msisdn: row.msisdn,
    operator: row.operator,
    lastAssignedAt: row.last_assigned_at,
  };
}

export class SimEligibility {
  private readonly candidatesStmt;
  private readonly lruStmt;
  private readonly countStmt;

  constructor(db: SqliteDatabase) {
    // sims.last_assigned_at is MAX(order_numbers.assigned_at), kept by a trigger (migration 3).
    this.candidatesStmt = db.prepare<EligibilityParams, CandidateRow>(
      `SELECT s.iccid AS iccid, s.msisdn AS msisdn, s.operator AS operator,
         s.last_assigned_at AS last_assigned_at
       FROM sims s WHERE ${ELIGIBLE_WHERE}`,
    );
    // The LRU order of leastRecentlyUsed (NULL first, then oldest, ties by ICCID) as an index
    // walk (sims_ready_by_lru) that stops at the first eligible SIM.
    this.lruStmt = db.prepare<EligibilityParams, CandidateRow>(
      `SELECT s.iccid AS iccid, s.msisdn AS msisdn, s.operator AS operator,
         s.last_assigned_at AS last_assigned_at
       FROM sims s WHERE ${ELIGIBLE_WHERE}
       ORDER BY s.last_assigned_at, s.iccid LIMIT 1`,
    );
    this.countStmt = db
      .prepare<EligibilityParams, number>(`SELECT COUNT(*) FROM sims s WHERE ${ELIGIBLE_WHERE}`)
      .pluck();
  }

  private params(
    service: string,
    country: string,
    rules: EligibilityRules,
    now: number,
    sandbox: boolean,
    excludeOrder: string,
  ): EligibilityParams {
    return {
      service,
      country,
      maxCancels: rules.maxCancelsPerService,
      cooldown: rules.cooldownMs,
      now,
      excludeOrder,
      simKind: allowedSimKind(sandbox, rules.liveOnSimulated ?? false),
    };
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
      .all(this.params(service, country, rules, now, sandbox, excludeOrder))
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
    const row = this.lruStmt.get(this.params(service, country, rules, now, sandbox, excludeOrder));
    return row ? candidateFromRow(row) : undefined;
  }

  count(
    service: string,
    country: string,
    rules: EligibilityRules,
    now: number,
    sandbox: boolean,
  ): number {
    return this.countStmt.get(this.params(service, country, rules, now, sandbox, '')) ?? 0;
  }
}

/**
 * The SIMs a purchase of (service, country) may get, as one SQL filter shared by allocation
 * and availability so the count shown to customers is what a purchase would find.
 */
import type { EligibilityRules, SimCandidate } from '../domain/index.js';
import type { SqliteDatabase } from './database.js';

const ELIGIBLE_WHERE = `
  s.country = @country AND s.status = 'ready'
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
                    AND n.sim_iccid = s.iccid)`;

interface EligibilityParams {
  readonly service: string;
  readonly country: string;
  readonly maxCancels: number;
  readonly cooldown: number;
  readonly now: number;
  /** A swap never goes back to a SIM this order already had. */
  readonly excludeOrder: string;
}

interface CandidateRow {
  readonly iccid: string;
  readonly msisdn: string;
  readonly operator: string | null;
  readonly last_assigned_at: number | null;
}

export class SimEligibility {
  private readonly candidatesStmt;
  private readonly countStmt;

  constructor(db: SqliteDatabase) {
    this.candidatesStmt = db.prepare<EligibilityParams, CandidateRow>(
      `SELECT s.iccid AS iccid, s.msisdn AS msisdn, s.operator AS operator,
         (SELECT MAX(n.assigned_at) FROM order_numbers n WHERE n.sim_iccid = s.iccid)
           AS last_assigned_at
       FROM sims s WHERE ${ELIGIBLE_WHERE}`,
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
    excludeOrder: string,
  ): EligibilityParams {
    return {
      service,
      country,
      maxCancels: rules.maxCancelsPerService,
      cooldown: rules.cooldownMs,
      now,
      excludeOrder,
    };
  }

  candidates(
    service: string,
    country: string,
    rules: EligibilityRules,
    now: number,
    excludeOrder = '',
  ): SimCandidate[] {
    return this.candidatesStmt
      .all(this.params(service, country, rules, now, excludeOrder))
      .map((row) => ({
        iccid: row.iccid,
        msisdn: row.msisdn,
        operator: row.operator,
        lastAssignedAt: row.last_assigned_at,
      }));
  }

  count(service: string, country: string, rules: EligibilityRules, now: number): number {
    return this.countStmt.get(this.params(service, country, rules, now, '')) ?? 0;
  }
}

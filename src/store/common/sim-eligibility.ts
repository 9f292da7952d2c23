/**
 * The SIMs a purchase of (service, country) may get, as one SQL filter shared by allocation and
 * availability (so the count shown to customers is what a purchase would find), and by both
 * engines: each writes the parameters its own way (`@name` on SQLite, `$n::type` on PostgreSQL).
 */
import {
  SIMULATED_SLOT_PREFIX,
  allowedSimKind,
  type EligibilityRules,
  type SimCandidate,
} from '../../domain/index.js';

export interface EligibilityParams {
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

export type EligibilityParam = keyof EligibilityParams;

/** The WHERE clause over `sims s`, each parameter written as `param(name)`. */
export function eligibleWhere(param: (name: EligibilityParam) => string): string {
  return `
  s.country = ${param('country')} AND s.status = 'ready' AND s.enabled = 1
  AND s.registration IN ('home', 'roaming')
  AND s.msisdn IS NOT NULL AND s.msisdn != ''
  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.sim_iccid = s.iccid
                    AND o.status IN ('waiting', 'received', 'retry'))
  AND NOT EXISTS (SELECT 1 FROM sim_service_usage u WHERE u.sim_iccid = s.iccid
                    AND u.service = ${param('service')} AND u.outcome = 'sold')
  AND NOT EXISTS (SELECT 1 FROM sim_service_blacklist b WHERE b.sim_iccid = s.iccid
                    AND b.service = ${param('service')})
  AND (SELECT COUNT(*) FROM sim_service_usage u WHERE u.sim_iccid = s.iccid
         AND u.service = ${param('service')} AND u.outcome = 'cancelled') < ${param('maxCancels')}
  AND (${param('cooldown')} <= 0 OR NOT EXISTS (SELECT 1 FROM order_numbers n
         WHERE n.sim_iccid = s.iccid
         AND n.released_at > ${param('now')} - ${param('cooldown')}))
  AND NOT EXISTS (SELECT 1 FROM order_numbers n WHERE n.order_id = ${param('excludeOrder')}
                    AND n.sim_iccid = s.iccid)
  AND (${param('simKind')} = 'any' OR (substr(COALESCE(s.slot_path, ''), 1, ${SIMULATED_SLOT_PREFIX.length})
         = '${SIMULATED_SLOT_PREFIX}') = (${param('simKind')} = 'simulated'))`;
}

export function eligibilityParams(
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

/** What a candidate query selects from `sims s`. */
export const CANDIDATE_COLUMNS = `s.iccid AS iccid, s.msisdn AS msisdn, s.operator AS operator,
  s.last_assigned_at AS last_assigned_at`;

export interface CandidateRow {
  readonly iccid: string;
  readonly msisdn: string;
  readonly operator: string | null;
  readonly last_assigned_at: number | null;
}

export function candidateFromRow(row: CandidateRow): SimCandidate {
  return {
    iccid: row.iccid,
    msisdn: row.msisdn,
    operator: row.operator,
    lastAssignedAt: row.last_assigned_at,
  };
}

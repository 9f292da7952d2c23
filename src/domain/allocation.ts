/**
 * Which eligible SIM a purchase gets. The store finds the eligible SIMs (ready, registered, in
 * the country, free, never sold for the service, not blacklisted, not cancelled too often, not
 * cooling down); a policy picks one. Policies are small strategies so the operator can choose.
 */

export interface SimCandidate {
  readonly iccid: string;
  readonly msisdn: string;
  readonly operator: string | null;
  /** When the SIM's last rental started (null: never rented). */
  readonly lastAssignedAt: number | null;
}

export interface AllocationPolicy {
  readonly name: AllocationPolicyName;
  pick(candidates: readonly SimCandidate[]): SimCandidate | undefined;
}

export type AllocationPolicyName = 'lru' | 'random';

/** Least recently used: never-rented SIMs first, then the one whose last rental started
 * longest ago; ties by ICCID so the choice is deterministic. Spreads wear and keeps each
 * number's history with any one service short. */
export const leastRecentlyUsed: AllocationPolicy = {
  name: 'lru',
  pick(candidates) {
    let best: SimCandidate | undefined;
    for (const c of candidates) {
      if (!best || compareLru(c, best) < 0) best = c;
    }
    return best;
  },
};

function compareLru(a: SimCandidate, b: SimCandidate): number {
  const at = a.lastAssignedAt ?? -Infinity;
  const bt = b.lastAssignedAt ?? -Infinity;
  if (at !== bt) return at < bt ? -1 : 1;
  return a.iccid < b.iccid ? -1 : a.iccid > b.iccid ? 1 : 0;
}

export function randomPolicy(random: () => number = Math.random): AllocationPolicy {
  return {
    name: 'random',
    pick(candidates) {
      if (candidates.length === 0) return undefined;
      return candidates[Math.min(candidates.length - 1, Math.floor(random() * candidates.length))];
    },
  };
}

export function allocationPolicy(name: AllocationPolicyName): AllocationPolicy {
  return name === 'random' ? randomPolicy() : leastRecentlyUsed;
}

/** The filters of eligibility that are configuration rather than SIM state. */
export interface EligibilityRules {
  readonly maxCancelsPerService: number;
  readonly cooldownMs: number;
  /** Live orders may get simulated SIMs (see sandbox.ts `allowedSimKind`); absent = false. */
  readonly liveOnSimulated?: boolean;
}

/** `sims.msisdn` as E.164 with `+` (the modem may report it with or without). */
export function toE164(msisdn: string): string {
  const digits = msisdn.replace(/[^\d]/g, '');
  return `+${digits}`;
}

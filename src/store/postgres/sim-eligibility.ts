/**
 * The SIMs a purchase of (service, country) may get, on PostgreSQL (the filter is
 * src/store/common's, shared with SQLite), and the claim of one of them by a purchase or swap
 * while other hosts claim too.
 *
 * API for the order transactions (db.transaction(async (client) => …)):
 *
 *   eligibility.pick(client, policy, service, country, rules, now, sandbox, excludeOrder?)
 *       → SimCandidate | undefined
 *     The SIM the policy gives, its `sims` row LOCKED (FOR NO KEY UPDATE) by `client` until the
 *     transaction ends, and eligible as of after the lock was granted. The caller must mark it
 *     taken in the SAME transaction: insert the open order and its `order_numbers` row (whose
 *     trigger updates `sims.last_assigned_at`, as on SQLite). undefined only when no eligible SIM
 *     exists (never merely because other transactions hold every candidate: it waits for them).
 *   eligibilitySql(…), LRU_ORDER, ELIGIBLE_NOW_SQL
 *     The filter, the LRU order and the second look, for a purchase that takes its SIM in fewer
 *     round trips (purchase-statements.ts): it claims the first free SIM in LRU order with SKIP
 *     LOCKED as `pick` does (`claimFree` alone), in a statement of its own, and must look at it again with
 *     ELIGIBLE_NOW_SQL in its next statement (and, when it no longer is eligible, leave it: run
 *     its command again).
 *   eligibility.count(queryable, service, country, rules, now, sandbox) → number   no locks
 *   eligibility.candidates(queryable, …) → SimCandidate[]                           no locks
 *
 * Why a lock and a second look: a candidate query's NOT EXISTS subqueries see its own snapshot,
 * and when PostgreSQL re-checks a row it had to wait for (or that changed since), it re-checks
 * the row but not those subqueries. So after the lock is held, a new statement (a new snapshot
 * under READ COMMITTED) checks the SIM again: every transaction that takes a SIM touches its row,
 * so it has committed by then and is seen. Lock order: SIM rows before the balance row.
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
  type EligibilityParam,
  type EligibilityParams,
} from '../common/sim-eligibility.js';
import type { Queryable } from './database.js';
import { named } from './prepared.js';
import type { PostgresClient } from './transaction.js';

/**
 * The positional parameters of the filter, in order, with their types. Service and country come
 * first: a query counting per row of another table (the price list) puts that row's columns in
 * their place and has $1 and $2 for its own use.
 */
const PARAMS: readonly (readonly [EligibilityParam, string])[] = [
  ['service', 'text'],
  ['country', 'text'],
  ['maxCancels', 'bigint'],
  ['cooldown', 'bigint'],
  ['now', 'bigint'],
  ['excludeOrder', 'text'],
  ['simKind', 'text'],
];

/**
 * The filter over `sims s` with `$1…$7` (in `eligibilityValues` order), or with the given
 * SQL expressions (columns of another table, other parameters) in place of some of them.
 */
export function eligibilitySql(
  columns: Partial<Readonly<Record<EligibilityParam, string>>> = {},
): string {
  return eligibleWhere((name) => {
    const column = columns[name];
    if (column !== undefined) return column;
    const index = PARAMS.findIndex(([param]) => param === name);
    return `$${index + 1}::${PARAMS[index]![1]}`;
  });
}

/** The values of `eligibilitySql`'s parameters, `$1…$7`. */
export function eligibilityValues(params: EligibilityParams): unknown[] {
  return PARAMS.map(([name]) => params[name]);
}

const ELIGIBLE_WHERE = eligibilitySql();
/** `$8`: the parameter after the filter's, for a statement's own use. */
const NEXT_PARAM = `$${PARAMS.length + 1}`;

/** leastRecentlyUsed's order (never rented first, then oldest, ties by ICCID): the LRU index. */
export const LRU_ORDER = 'ORDER BY s.last_assigned_at NULLS FIRST, s.iccid';

/** How recent an assignment `notJustAssigned` leaves to the look that waits (ms). */
const JUST_ASSIGNED_MS = 10_000;

/**
 * For a claim that does not look again under the lock (FACTS_AND_CLAIM, `claimFree`): leaves
 * out SIMs assigned in the last seconds, `now` an SQL expression. The SIM such a claim gets
 * wrong is one a purchase took after the claim's snapshot: locking it, PostgreSQL re-checks
 * the row as that purchase left it, with its new `last_assigned_at`, so this condition passes
 * over it in the same statement rather than a round trip later. It changes no choice: in LRU
 * order every SIM it leaves out comes after every SIM it keeps, and when it keeps none, the
 * caller picks with `pick`, which does not leave them out (and waits for held ones).
 */
export function notJustAssigned(now: string): string {
  return `(s.last_assigned_at IS NULL OR s.last_assigned_at < ${now} - ${JUST_ASSIGNED_MS})`;
}

const SQL = {
  count: `SELECT COUNT(*) AS n FROM sims s WHERE ${ELIGIBLE_WHERE}`,
  candidates: `SELECT ${CANDIDATE_COLUMNS} FROM sims s WHERE ${ELIGIBLE_WHERE} ORDER BY s.iccid`,
  /** The first eligible SIM nobody holds, locked: the common case in one statement. */
  claimLru: `SELECT ${CANDIDATE_COLUMNS} FROM sims s WHERE ${ELIGIBLE_WHERE}
    ${LRU_ORDER} LIMIT 1 FOR NO KEY UPDATE OF s SKIP LOCKED`,
  /** claimLru for `claimFree`, which does not look again (see notJustAssigned). */
  claimSettled: `SELECT ${CANDIDATE_COLUMNS} FROM sims s WHERE ${ELIGIBLE_WHERE}
    AND ${notJustAssigned('$5::bigint')}
    ${LRU_ORDER} LIMIT 1 FOR NO KEY UPDATE OF s SKIP LOCKED`,
  /** The first eligible SIM, held or not (a fresh look after the SKIP LOCKED one found none). */
  firstLru: `SELECT ${CANDIDATE_COLUMNS} FROM sims s WHERE ${ELIGIBLE_WHERE} ${LRU_ORDER} LIMIT 1`,
  lock: 'SELECT 1 FROM sims WHERE iccid = $1 FOR NO KEY UPDATE',
  lockUnlessHeld: 'SELECT 1 FROM sims WHERE iccid = $1 FOR NO KEY UPDATE SKIP LOCKED',
  recheck: `SELECT ${CANDIDATE_COLUMNS} FROM sims s WHERE ${ELIGIBLE_WHERE}
    AND s.iccid = ${NEXT_PARAM}::text`,
} as const;

/**
 * The SIM `$8` as a candidate row when eligible as of the statement (over `$1…$7` as well):
 * the second look at a SIM claimed by a statement of its own (see the file comment).
 */
export const ELIGIBLE_NOW_SQL: string = SQL.recheck;

/**
 * Rounds of "look, lock, look again" before answering none. A round fails only when a SIM was
 * taken (committed) by someone else meanwhile, so this bounds a pathological stream of
 * contention, not a normal purchase (one round, almost always).
 */
const MAX_ROUNDS = 64;

type Claim = SimCandidate | 'held' | undefined;

export class PostgresSimEligibility {
  async count(
    db: Queryable,
    service: string,
    country: string,
    rules: EligibilityRules,
    now: number,
    sandbox: boolean,
  ): Promise<number> {
    const params = eligibilityParams(service, country, rules, now, sandbox, '');
    const result = await db.query<{ n: number }>(SQL.count, eligibilityValues(params));
    return result.rows[0]?.n ?? 0;
  }

  async candidates(
    db: Queryable,
    service: string,
    country: string,
    rules: EligibilityRules,
    now: number,
    sandbox: boolean,
    excludeOrder = '',
  ): Promise<SimCandidate[]> {
    const params = eligibilityParams(service, country, rules, now, sandbox, excludeOrder);
    const result = await db.query<CandidateRow>(SQL.candidates, eligibilityValues(params));
    return result.rows.map(candidateFromRow);
  }

  /** See the file comment: the SIM is locked by `client` and must be taken in its transaction. */
  pick(
    client: PostgresClient,
    policy: AllocationPolicy,
    service: string,
    country: string,
    rules: EligibilityRules,
    now: number,
    sandbox: boolean,
    excludeOrder = '',
  ): Promise<SimCandidate | undefined> {
    const params = eligibilityParams(service, country, rules, now, sandbox, excludeOrder);
    return policy === leastRecentlyUsed
      ? this.pickLeastRecentlyUsed(client, params)
      : this.pickByPolicy(client, policy, params);
  }

  /**
   * The first eligible SIM in LRU order that nobody holds, locked, without waiting for any
   * (SKIP LOCKED) and without a second look: eligible as of the statement's snapshot only, to
   * be checked again with ELIGIBLE_NOW_SQL (see the file comment). Undefined when every
   * eligible SIM is held, none is left, or only SIMs assigned a moment ago are (notJustAssigned:
   * `pick` finds those).
   */
  async claimFree(
    client: PostgresClient,
    params: EligibilityParams,
  ): Promise<SimCandidate | undefined> {
    const free = await client.query<CandidateRow>(
      named(SQL.claimSettled, eligibilityValues(params)),
    );
    return free.rows[0] && candidateFromRow(free.rows[0]);
  }

  /** The built-in LRU policy, answered by SQL (an index walk that stops at the first SIM). */
  private async pickLeastRecentlyUsed(
    client: PostgresClient,
    params: EligibilityParams,
  ): Promise<SimCandidate | undefined> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const free = await client.query<CandidateRow>(named(SQL.claimLru, eligibilityValues(params)));
      const row = free.rows[0];
      if (row) {
        const claimed = await this.recheck(client, row.iccid, params);
        if (claimed) return claimed;
        continue; // taken since that statement's snapshot: look again
      }
      // Every eligible SIM may be held by transactions still running, which SKIP LOCKED passed
      // over: wait for the first one rather than answer none while it may come free.
      const first = await client.query<CandidateRow>(
        named(SQL.firstLru, eligibilityValues(params)),
      );
      const waitFor = first.rows[0];
      if (!waitFor) return undefined;
      const claimed = await this.claim(client, waitFor.iccid, params, 'wait');
      if (claimed !== undefined && claimed !== 'held') return claimed;
    }
    return undefined;
  }

  /** Any other policy chooses among all candidates, as on SQLite; held ones are waited for last. */
  private async pickByPolicy(
    client: PostgresClient,
    policy: AllocationPolicy,
    params: EligibilityParams,
  ): Promise<SimCandidate | undefined> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let remaining = (
        await client.query<CandidateRow>(named(SQL.candidates, eligibilityValues(params)))
      ).rows.map(candidateFromRow);
      const held: SimCandidate[] = [];
      for (;;) {
        const choice = policy.pick(remaining);
        if (!choice) break;
        remaining = remaining.filter((c) => c.iccid !== choice.iccid);
        const claimed = await this.claim(client, choice.iccid, params, 'skip');
        if (claimed === 'held') held.push(choice);
        else if (claimed) return claimed;
      }
      const waitFor = policy.pick(held);
      if (!waitFor) return undefined;
      const claimed = await this.claim(client, waitFor.iccid, params, 'wait');
      if (claimed !== undefined && claimed !== 'held') return claimed;
    }
    return undefined;
  }

  /** Locks one SIM (or finds it 'held' by another transaction, with 'skip'), then rechecks it. */
  private async claim(
    client: PostgresClient,
    iccid: string,
    params: EligibilityParams,
    held: 'skip' | 'wait',
  ): Promise<Claim> {
    const locked = await client.query(
      named(held === 'skip' ? SQL.lockUnlessHeld : SQL.lock, [iccid]),
    );
    if (locked.rowCount === 0) return held === 'skip' ? 'held' : undefined;
    return this.recheck(client, iccid, params);
  }

  /** The SIM as eligible now (a new snapshot, after the lock), or undefined. */
  private async recheck(
    client: PostgresClient,
    iccid: string,
    params: EligibilityParams,
  ): Promise<SimCandidate | undefined> {
    const result = await client.query<CandidateRow>(
      named(SQL.recheck, [...eligibilityValues(params), iccid]),
    );
    const row = result.rows[0];
    return row ? candidateFromRow(row) : undefined;
  }
}

/**
 * The SQL of a PostgreSQL purchase, written so that a purchase takes few round trips (each one
 * is a wait for the client while the transaction holds its locks, and CPU on both sides):
 *
 *   BEGIN
 *   facts + claim  the key, its customer's ban, open orders and balance, the service, the
 *                  country and the price: everything the refusals before any lock decide on;
 *                  with them the first free SIM in LRU order locked (SKIP LOCKED), then the
 *                  balance row locked (SIM before balance, the lock order of order-context.ts),
 *                  and the order's activation id from its sequence
 *   place          in a new snapshot, taken after both locks: the SIM checked again, the key's
 *                  open orders counted, the order and its number-history row inserted, the
 *                  balance debited in one statement and the ledger row written from what the
 *                  debit returned
 *   COMMIT         with the events (PostgresOutboxWriter.append sends them with it)
 *
 * Why the count is right: every purchase of a key locks that key's balance row (its customer
 * and sandbox flag) in its claim and holds it until it commits, so `place`, whose snapshot is
 * taken after this purchase got the lock, sees every purchase of the key that got there first,
 * and any later one sees this order. Why the SIM is checked again: see sim-eligibility.ts.
 * When `place` finds it taken (by a purchase that committed after the claim's snapshot: common
 * when many claim at once), the purchase claims another free one and places again; this second
 * claim comes after the balance row's lock, against the lock order, so it never waits: SKIP
 * LOCKED, and when nothing is free the command starts over.
 *
 * The claim leaves out SIMs assigned a moment ago (notJustAssigned in sim-eligibility.ts), so
 * that most claims of a SIM taken meanwhile pass over it within the same statement.
 *
 * When no SIM is free (every eligible one is held by a running transaction, none is left, or
 * only SIMs assigned a moment ago are), when the LRU policy is not the one in use, and when the
 * command runs again after a lost race, the SIM is claimed by PostgresSimEligibility.pick after
 * `facts`, and the balance row locked after it (`lockBalance`): a round trip or two more.
 */
import { OPEN_ORDER_STATUSES_SQL as OPEN } from '../common/order-commands.js';
import { debitBalanceSql, ledgerRowSql, type MovementSql } from './ledger-writer.js';
import { CANDIDATE_COLUMNS } from '../common/sim-eligibility.js';
import { ELIGIBLE_NOW_SQL, LRU_ORDER, eligibilitySql, notJustAssigned } from './sim-eligibility.js';

/** The debit of `place`, over its parameters (see PURCHASE_SQL.place). */
const DEBIT: MovementSql = {
  customer: '$11::text',
  sandbox: '$13::smallint',
  type: `'purchase'`,
  amount: '(-$14::bigint)',
  orderId: '$9::text',
  description: '$20::text',
  now: '$16::bigint',
};

const LOCK_BALANCE = (customer: string, sandbox: string) =>
  `SELECT 1 FROM balances WHERE customer_id = ${customer} AND sandbox = ${sandbox}
    FOR NO KEY UPDATE`;

/**
 * The facts (see PURCHASE_SQL.facts): `$1` key id, `$2` service code, `$3` country by
 * sms-activate id or `$4` by ISO-2 (the other NULL; by ISO-2 the real-SIM row when a virtual
 * one shares it). No locks. No row: no key.
 */
const FACTS = `
    SELECT k.id, k.customer_id, k.sandbox, k.max_open_orders, k.revoked_at, c.banned_until,
      (SELECT COUNT(*) FROM orders o WHERE o.api_key_id = k.id AND o.status IN ${OPEN})
        AS open_orders,
      (SELECT b.balance FROM balances b WHERE b.customer_id = k.customer_id
          AND b.sandbox = k.sandbox) AS balance,
      (SELECT row_to_json(s) FROM services s WHERE s.code = $2::text) AS service,
      country.row AS country, country.iso2 AS country_iso2,
      (SELECT p.price_units FROM prices p WHERE p.service = $2::text
          AND p.country = country.iso2) AS price
      FROM api_keys k JOIN customers c ON c.id = k.customer_id
      LEFT JOIN LATERAL (
        SELECT row_to_json(co) AS row, co.iso2 FROM countries co
         WHERE co.activate_id = $3::bigint OR co.iso2 = $4::text
         ORDER BY co.virtual LIMIT 1
      ) AS country ON true
     WHERE k.id = $1::text`;

/**
 * The facts, and in the same statement the first free SIM in LRU order claimed for them (when
 * the key, the service, the country and a price are there; the refusals are decided on the
 * facts afterwards, and a refused purchase ends its transaction, letting go of the SIM), then
 * the balance row locked and the activation id. `$1…$4` as FACTS, then the eligibility filter's
 * values: `$5` cancels per service, `$6` cooldown, `$7` now, `$8` SIM kind for a live key, `$9`
 * for a sandbox key.
 */
const FACTS_AND_CLAIM = `
  WITH facts AS MATERIALIZED (${FACTS}),
  claimed AS MATERIALIZED (
    SELECT ${CANDIDATE_COLUMNS}
      FROM facts f CROSS JOIN LATERAL (
        SELECT * FROM sims s
         WHERE f.price IS NOT NULL AND ${eligibilitySql({
           service: '$2::text',
           country: 'f.country_iso2',
           maxCancels: '$5::bigint',
           cooldown: '$6::bigint',
           now: '$7::bigint',
           excludeOrder: "''",
           simKind: 'CASE WHEN f.sandbox = 1 THEN $9::text ELSE $8::text END',
         })}
           AND ${notJustAssigned('$7::bigint')}
         ${LRU_ORDER} LIMIT 1 FOR NO KEY UPDATE OF s SKIP LOCKED
      ) AS s
  ),
  held AS (
    SELECT 1 FROM balances b JOIN facts f ON b.customer_id = f.customer_id
       AND b.sandbox = f.sandbox
     WHERE EXISTS (SELECT 1 FROM claimed)
       FOR NO KEY UPDATE OF b
  )
  SELECT f.*, c.iccid, c.msisdn, c.operator, c.last_assigned_at,
    -- For a claimed SIM only, so the balance is locked after it.
    CASE WHEN c.iccid IS NOT NULL THEN (SELECT COUNT(*) FROM held) END AS held,
    CASE WHEN c.iccid IS NOT NULL THEN nextval('order_activation_ids') END AS activation_id
    FROM facts f LEFT JOIN claimed c ON true`;

export const PURCHASE_SQL = {
  /** The facts alone, for a purchase that claims its SIM by PostgresSimEligibility.pick. */
  facts: FACTS,
  factsAndClaim: FACTS_AND_CLAIM,
  /** After a SIM claimed by PostgresSimEligibility.pick: `$1` customer, `$2` sandbox. */
  lockBalance: `
    SELECT (SELECT COUNT(*) FROM (${LOCK_BALANCE('$1::text', '$2::smallint')}) AS held) AS held,
      nextval('order_activation_ids') AS activation_id`,
  /**
   * The eligibility filter's `$1…$7` (`$1` service, `$2` country), `$8` the SIM, `$9` order id,
   * `$10` activation id, `$11` customer, `$12` key, `$13` sandbox, `$14` price, `$15` phone
   * number, `$16` now (the order's times: not before the SIM's previous release), `$17` hold
   * until, `$18` expires at, `$19` the key's limit, `$20` the
   * ledger description. Answers whether the SIM was still eligible, the balance before (for a
   * refusal), the order placed (none when the key is at its limit) and the ledger row (none when
   * the debit was short or the balance row is missing).
   */
  place: `
    WITH eligible AS (${ELIGIBLE_NOW_SQL}),
    open_of_key AS (
      SELECT COUNT(*) AS n FROM orders WHERE api_key_id = $12::text AND status IN ${OPEN}
    ),
    -- Never before the SIM's previous rental ended (now was read before the SIM's lock).
    assigned AS (
      SELECT GREATEST($16::bigint, COALESCE((
        SELECT released_at FROM order_numbers WHERE sim_iccid = $8::text
         ORDER BY assigned_at DESC, id DESC LIMIT 1), $16::bigint)) AS at
    ),
    placed AS (
      INSERT INTO orders (id, activation_id, customer_id, api_key_id, sandbox, service, country,
        price_units, sim_iccid, phone_number, status, created_at, number_assigned_at, hold_until,
        expires_at, updated_at)
      SELECT $9::text, $10::bigint, $11::text, $12::text, $13::smallint, $1::text, $2::text,
        $14::bigint, e.iccid, $15::text, 'waiting', a.at, a.at, $17::bigint, $18::bigint, a.at
        FROM eligible e, open_of_key k, assigned a WHERE k.n < $19::bigint
      RETURNING *
    ),
    numbered AS (
      -- Its trigger sets sims.last_assigned_at: the SIM row the claim holds.
      INSERT INTO order_numbers (order_id, sim_iccid, phone_number, assigned_at)
      SELECT id, sim_iccid, phone_number, number_assigned_at FROM placed
    ),
    debited AS (${debitBalanceSql(DEBIT, 'EXISTS (SELECT 1 FROM placed)')}),
    entry AS (${ledgerRowSql(DEBIT, 'debited')})
    SELECT EXISTS (SELECT 1 FROM eligible) AS eligible,
      (SELECT balance FROM balances WHERE customer_id = $11::text AND sandbox = $13::smallint)
        AS balance_before,
      (SELECT row_to_json(p) FROM placed p) AS placed,
      (SELECT row_to_json(l) FROM entry l) AS entry`,
} as const;

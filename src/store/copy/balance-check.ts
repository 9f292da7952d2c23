/**
 * The money check of a copy: every customer's live and sandbox balance the same on both sides
 * and equal to the last `balance_after` of its ledger, and the totals the same. The queries read
 * the same on SQLite and PostgreSQL.
 */

export interface BalanceRow {
  readonly customer_id: string;
  readonly sandbox: number;
  readonly units: number;
}

export const CUSTOMERS_SQL = 'SELECT id FROM customers';
export const BALANCES_SQL = 'SELECT customer_id, sandbox, balance AS units FROM balances';
/** Each (customer, sandbox)'s newest ledger row's balance after it. */
export const LEDGER_AFTER_SQL = `SELECT l.customer_id, l.sandbox, l.balance_after AS units
  FROM ledger l
  JOIN (SELECT customer_id, sandbox, MAX(id) AS id FROM ledger GROUP BY customer_id, sandbox) last
    ON last.id = l.id`;

/** One side's facts. */
export interface BalanceFacts {
  readonly customers: readonly string[];
  readonly balances: readonly BalanceRow[];
  readonly ledgerAfter: readonly BalanceRow[];
}

export interface BalanceMismatch {
  readonly customerId: string;
  readonly sandbox: boolean;
  readonly sourceBalance: number;
  readonly targetBalance: number;
  readonly sourceLedger: number;
  readonly targetLedger: number;
}

export interface BalanceTotals {
  readonly live: number;
  readonly sandbox: number;
}

export interface BalanceComparison {
  /** Distinct customers whose balances were compared. */
  readonly customers: number;
  readonly mismatches: readonly BalanceMismatch[];
  readonly sourceTotals: BalanceTotals;
  readonly targetTotals: BalanceTotals;
}

const keyOf = (customerId: string, sandbox: number) => `${sandbox}:${customerId}`;

function byKey(rows: readonly BalanceRow[]): Map<string, number> {
  return new Map(rows.map((r) => [keyOf(r.customer_id, Number(r.sandbox)), Number(r.units)]));
}

function totals(rows: readonly BalanceRow[]): BalanceTotals {
  let live = 0;
  let sandbox = 0;
  for (const row of rows) {
    if (Number(row.sandbox) === 1) sandbox += Number(row.units);
    else live += Number(row.units);
  }
  return { live, sandbox };
}

/**
 * Compares the two sides, for every customer of either side (a customer with no balance row has
 * 0, as simpool reads it) and both kinds of money.
 */
export function compareBalances(source: BalanceFacts, target: BalanceFacts): BalanceComparison {
  const ids = new Set<string>([...source.customers, ...target.customers]);
  for (const row of [source, target].flatMap((s) => [...s.balances, ...s.ledgerAfter])) {
    ids.add(row.customer_id);
  }
  const maps = {
    sourceBalance: byKey(source.balances),
    targetBalance: byKey(target.balances),
    sourceLedger: byKey(source.ledgerAfter),
    targetLedger: byKey(target.ledgerAfter),
  };
  const mismatches: BalanceMismatch[] = [];
  for (const customerId of [...ids].sort()) {
    for (const sandbox of [0, 1]) {
      const key = keyOf(customerId, sandbox);
      const seen = {
        sourceBalance: maps.sourceBalance.get(key) ?? 0,
        targetBalance: maps.targetBalance.get(key) ?? 0,
        sourceLedger: maps.sourceLedger.get(key) ?? 0,
        targetLedger: maps.targetLedger.get(key) ?? 0,
      };
      if (new Set(Object.values(seen)).size > 1) {
        mismatches.push({ customerId, sandbox: sandbox === 1, ...seen });
      }
    }
  }
  return {
    customers: ids.size,
    mismatches,
    sourceTotals: totals(source.balances),
    targetTotals: totals(target.balances),
  };
}

/** A mismatch in words (units are 1/10,000 USD, as stored). */
export function describeMismatch(m: BalanceMismatch): string {
  return (
    `customer ${m.customerId} ${m.sandbox ? 'sandbox' : 'live'}: balance ${m.sourceBalance} in ` +
    `the source, ${m.targetBalance} copied; ledger ends at ${m.sourceLedger} in the source, ` +
    `${m.targetLedger} copied`
  );
}

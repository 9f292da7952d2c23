/**
 * What must hold in an orders database however the hosts interleaved their commands, read back
 * with SQL (test/store/postgres-allocation.test.ts; usable by any test that ran orders on
 * PostgreSQL):
 *
 * - each SIM's rentals (order_numbers, in the order they were taken) end before the next starts;
 * - no (SIM, service) rented again after it was sold, nor after `maxCancelsPerService` cancels;
 * - no key ever held more open orders than `maxOpenPerKey`;
 * - one debit per order and one exact refund per cancelled or expired order; each customer's
 *   balance is `credit` − what its kept orders cost, and its ledger's before/after chain is exact.
 */
import { expect } from 'vitest';
import type { Queryable } from '../../src/store/postgres/index.js';

export async function expectOrderInvariants(
  db: Queryable,
  limits: {
    readonly credit: number;
    readonly maxOpenPerKey: number;
    readonly maxCancelsPerService: number;
  },
): Promise<void> {
  const rows = async <T>(sql: string): Promise<T[]> => (await db.query(sql)).rows as T[];
  const { credit, maxOpenPerKey } = limits;
  // Each SIM's rentals, in the order they were taken, end before the next one starts.
  const history = await rows<{
    id: number;
    order_id: string;
    sim_iccid: string;
    assigned_at: number;
    released_at: number | null;
  }>('SELECT id, order_id, sim_iccid, assigned_at, released_at FROM order_numbers ORDER BY id');
  const bySim = new Map<string, typeof history>();
  for (const row of history) bySim.set(row.sim_iccid, [...(bySim.get(row.sim_iccid) ?? []), row]);
  const overlaps: string[] = [];
  for (const [sim, rentals] of bySim) {
    for (let i = 1; i < rentals.length; i++) {
      const [before, after] = [rentals[i - 1]!, rentals[i]!];
      if (before.released_at === null || before.released_at > after.assigned_at) {
        overlaps.push(`${sim}: ${before.order_id} and ${after.order_id}`);
      }
    }
  }
  expect(overlaps).toEqual([]);

  // No (SIM, service) rented again after it was sold, nor after its cancel limit.
  const rentals = await rows<{
    id: number;
    order_id: string;
    sim_iccid: string;
    service: string;
  }>(`SELECT n.id, n.order_id, n.sim_iccid, o.service
        FROM order_numbers n JOIN orders o ON o.id = n.order_id ORDER BY n.id`);
  const usage = await rows<{
    sim_iccid: string;
    service: string;
    outcome: string;
    order_id: string;
  }>('SELECT sim_iccid, service, outcome, order_id FROM sim_service_usage');
  const rentalOf = new Map(rentals.map((r) => [`${r.order_id}|${r.sim_iccid}`, r.id]));
  const againAfter = (outcome: string, limit: number) =>
    rentals.filter((rental) => {
      const earlier = usage.filter(
        (u) =>
          u.outcome === outcome &&
          u.sim_iccid === rental.sim_iccid &&
          u.service === rental.service &&
          u.order_id !== rental.order_id &&
          (rentalOf.get(`${u.order_id}|${u.sim_iccid}`) ?? Infinity) < rental.id,
      );
      return earlier.length >= limit;
    });
  expect(againAfter('sold', 1)).toEqual([]);
  expect(againAfter('cancelled', limits.maxCancelsPerService)).toEqual([]);
  const soldTwice = await rows(`SELECT sim_iccid, service FROM sim_service_usage
    WHERE outcome = 'sold' GROUP BY sim_iccid, service HAVING COUNT(*) > 1`);
  expect(soldTwice).toEqual([]);

  // No key ever held more open orders than its limit (counted at each purchase's time: an
  // order closed in the same millisecond is not counted, so this can only undercount).
  const byKey = await rows<{ api_key_id: string; created_at: number; closed_at: number | null }>(
    'SELECT api_key_id, created_at, closed_at FROM orders',
  );
  const overLimit = byKey.filter(
    (order) =>
      byKey.filter(
        (other) =>
          other.api_key_id === order.api_key_id &&
          other.created_at <= order.created_at &&
          (other.closed_at === null || other.closed_at > order.created_at),
      ).length > maxOpenPerKey,
  );
  expect(overLimit).toEqual([]);

  // Money: one debit per order, one exact refund per cancelled or expired order, and each
  // balance is what its ledger says, the chain unbroken.
  const orders = await rows<{
    id: string;
    customer_id: string;
    status: string;
    price_units: number;
  }>('SELECT id, customer_id, status, price_units FROM orders');
  const ledger = await rows<{
    customer_id: string;
    type: string;
    amount: number;
    balance_before: number;
    balance_after: number;
    order_id: string | null;
  }>('SELECT * FROM ledger ORDER BY id');
  for (const order of orders) {
    const moves = ledger.filter((l) => l.order_id === order.id).map((l) => [l.type, l.amount]);
    const refunded = order.status === 'cancelled' || order.status === 'expired';
    expect(moves).toEqual([
      ['purchase', -order.price_units],
      ...(refunded ? [['refund', order.price_units]] : []),
    ]);
  }
  const balances = await rows<{ customer_id: string; balance: number }>(
    'SELECT customer_id, balance FROM balances WHERE sandbox = 0',
  );
  for (const { customer_id: customer, balance } of balances) {
    const own = ledger.filter((l) => l.customer_id === customer);
    const spent = orders
      .filter((o) => o.customer_id === customer)
      .reduce(
        (sum, o) => sum + (o.status === 'cancelled' || o.status === 'expired' ? 0 : o.price_units),
        0,
      );
    expect(balance).toBe(credit - spent);
    let before = 0;
    for (const entry of own) {
      expect(entry.balance_before).toBe(before);
      before = entry.balance_after;
    }
    expect(before).toBe(balance);
  }
}

/**
 * The cluster test's check of idempotency keys across the kill: what the clients were answered
 * against what the database holds.
 */
import type pg from 'pg';
import type { Checked } from './cluster-invariants.js';

/**
 * No purchase twice for one idempotency key: the orders in the database are exactly the ones the
 * clients' keys were answered with (201), each recorded on its key's claim, whichever host ran
 * it and however often the client had to ask.
 */
export async function checkOrdersOfKeys(
  db: pg.Client,
  orderOfKey: ReadonlyMap<string, string>,
): Promise<Checked> {
  const violations: string[] = [];
  const orders = (await db.query<{ id: string }>('SELECT id FROM orders')).rows;
  const answered = new Set(orderOfKey.values());
  for (const { id } of orders) {
    if (!answered.has(id)) violations.push(`order ${id} bought but answered to no key`);
  }
  if (answered.size !== orderOfKey.size) violations.push('one order answered to two keys');
  const recorded = (
    await db.query<{ key: string; effect_id: string }>(
      "SELECT key, effect_id FROM idempotency_keys WHERE effect_kind = 'order'",
    )
  ).rows;
  const recordedOf = new Map(recorded.map((r) => [r.key, r.effect_id]));
  for (const [key, id] of orderOfKey) {
    const onClaim = recordedOf.get(key);
    if (onClaim !== id) violations.push(`key ${key} answered ${id}, its claim records ${onClaim}`);
  }
  return { violations, counts: { orders: orders.length, keys: orderOfKey.size } };
}

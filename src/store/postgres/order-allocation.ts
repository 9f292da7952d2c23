/**
 * Purchase and swap on PostgreSQL: the two transactions that hand out a SIM (the twin of
 * src/store/sqlite/order-allocation.ts; the rules are the domain's).
 *
 * The SIM is claimed by locking its row (PostgresSimEligibility.pick: SKIP LOCKED, then a wait,
 * then a recheck under the lock), and taken in the same transaction by the open order and its
 * number-history row; the partial unique index on open orders stays as the backstop.
 */
import {
  accept,
  decidePurchase,
  decideSwap,
  newId,
  orderTimers,
  refuse,
  toE164,
  type Order,
  type OrderCommandContext,
  type Outcome,
  type PurchaseRequest,
} from '../../domain/index.js';
import { orderEvent, purchaseMovement, type KeyForPurchase } from '../common/order-commands.js';
import {
  RolledBackRefusal,
  insertNumber,
  lockCustomerOrder,
  queryOrder,
  releaseNumber,
  setNumber,
  type OrderTx,
} from './order-context.js';
import { ORDER_SQL } from './order-statements.js';

async function openOrdersOfKey(tx: OrderTx, keyId: string): Promise<number> {
  const result = await tx.client.query<{ n: number }>(ORDER_SQL.openOrdersOfKey, [keyId]);
  return result.rows[0]?.n ?? 0;
}

export async function purchaseTx(
  tx: OrderTx,
  req: PurchaseRequest,
  ctx: OrderCommandContext,
): Promise<Outcome<Order>> {
  const { client } = tx;
  const { now, rules } = ctx;
  type KeyFacts = KeyForPurchase & { open_orders: number; balance: number | null };
  const key = (await client.query<KeyFacts>(ORDER_SQL.keyForPurchase, [req.apiKeyId])).rows[0];
  if (!key || key.customer_id !== req.customerId || key.revoked_at !== null) {
    return refuse({ code: 'unauthorized' });
  }
  const service = await tx.catalog.readService(client, req.service);
  if (!service || !service.enabled)
    return refuse({ code: 'unknown_service', service: req.service });
  const country = await tx.catalog.readCountry(client, req.country);
  if (!country || !country.enabled)
    return refuse({ code: 'unknown_country', country: req.country });
  // A known pair nobody priced (or a virtual country) has nothing to sell: like no free SIM.
  const price = country.virtual
    ? undefined
    : (await client.query<{ price_units: number }>(ORDER_SQL.price, [service.code, country.iso2]))
        .rows[0]?.price_units;
  if (price === undefined) return refuse({ code: 'no_numbers' });
  const sandbox = key.sandbox === 1;
  const keyLimit = key.max_open_orders ?? rules.defaultMaxOpenOrders;
  const refusal = decidePurchase({
    now,
    bannedUntil: key.banned_until,
    priceUnits: price,
    maxPriceUnits: req.maxPriceUnits,
    openOrdersOfKey: key.open_orders,
    keyLimit,
    balanceUnits: key.balance ?? 0,
  });
  if (refusal) return refuse(refusal);
  const sim = await tx.eligibility.pick(
    client,
    ctx.policy,
    service.code,
    country.iso2,
    rules,
    now,
    sandbox,
  );
  if (!sim) return refuse({ code: 'no_numbers' });

  const phoneNumber = toE164(sim.msisdn);
  const timers = orderTimers(now, service);
  const order = await queryOrder(client, ORDER_SQL.insertOrder, [
    newId('ord', now),
    req.customerId,
    key.id,
    key.sandbox,
    service.code,
    country.iso2,
    price,
    sim.iccid,
    phoneNumber,
    now,
    timers.holdUntil,
    timers.expiresAt,
  ]);
  if (!order) throw new Error('order insert returned no row');
  await insertNumber(tx, order.id, sim.iccid, phoneNumber, now);
  // The balance and the key's limit were read without locks, and other hosts buy meanwhile:
  // the debit decides the balance under its row lock, and then the limit is counted again.
  // Every purchase of this key debits this same balance row (the key's customer and sandbox
  // flag) and holds its lock until it commits, so this new count sees every purchase of the key
  // that got there first, and any later one will see this order.
  const debit = await tx.ledger.tryMove(client, purchaseMovement(order, service, country, now));
  if (!debit.ok) throw new RolledBackRefusal(debit.refusal);
  if ((await openOrdersOfKey(tx, key.id)) > keyLimit) {
    throw new RolledBackRefusal({ code: 'channels_limit', limit: keyLimit });
  }
  // The sandbox's stand-in for the service texting the number, scheduled with the purchase.
  if (sandbox)
    await tx.sandbox.schedule(client, order, 'purchase', now + rules.sandboxSmsDelayMs, now);
  await tx.outbox.append(client, orderEvent('order.created', order, now));
  return accept(order);
}

export async function swapTx(
  tx: OrderTx,
  customerId: string,
  ref: string,
  ctx: OrderCommandContext,
): Promise<Outcome<{ order: Order; previousNumber: string }>> {
  const { client } = tx;
  const { now, rules } = ctx;
  const order = await lockCustomerOrder(tx, customerId, ref);
  if (!order) return refuse({ code: 'order_not_found' });
  const refusal = decideSwap(order, now);
  if (refusal) return refuse(refusal);
  const service = await tx.catalog.readService(client, order.service);
  if (!service) return refuse({ code: 'unknown_service', service: order.service });
  const sim = await tx.eligibility.pick(
    client,
    ctx.policy,
    order.service,
    order.country,
    rules,
    now,
    order.sandbox,
    order.id,
  );
  if (!sim) return refuse({ code: 'no_numbers' });

  await releaseNumber(tx, order, 'swapped', 'swapped', now);
  const phoneNumber = toE164(sim.msisdn);
  const timers = orderTimers(now, service);
  const swapped = await setNumber(tx, order, { simIccid: sim.iccid, phoneNumber, ...timers }, now);
  await insertNumber(tx, order.id, sim.iccid, phoneNumber, now);
  if (swapped.sandbox) {
    await tx.sandbox.schedule(client, swapped, 'swap', now + rules.sandboxSmsDelayMs, now);
  }
  await tx.outbox.append(
    client,
    orderEvent('order.swapped', swapped, now, { previous_number: order.phoneNumber }),
  );
  return accept({ order: swapped, previousNumber: order.phoneNumber });
}

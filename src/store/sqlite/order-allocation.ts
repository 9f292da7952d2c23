/** Purchase and swap: the two transactions that hand out a SIM. */
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
  type ClaimedIdempotencyKey,
  type PurchaseRequest,
} from '../../domain/index.js';
import {
  assignmentTime,
  loadCustomerOrder,
  releaseNumber,
  reloadOrder,
  type OrderTx,
} from './order-context.js';
import { orderEvent, purchaseMovement } from '../common/order-commands.js';

export function purchaseTx(
  tx: OrderTx,
  req: PurchaseRequest,
  ctx: OrderCommandContext,
): Outcome<Order> {
  const { now, rules } = ctx;
  const claimed = req.claimedKey;
  // A re-run of a request whose holder died after the purchase: the same order again.
  const bought = claimed && tx.effects.recorded(claimed, 'order');
  if (bought) return accept(reloadOrder(tx, bought.id));
  const key = tx.s.keyForPurchase.get(req.apiKeyId);
  if (!key || key.customer_id !== req.customerId || key.revoked_at !== null) {
    return refuse({ code: 'unauthorized' });
  }
  const service = tx.catalog.getServiceSync(req.service);
  if (!service || !service.enabled)
    return refuse({ code: 'unknown_service', service: req.service });
  const country = tx.catalog.findCountrySync(req.country);
  if (!country || !country.enabled)
    return refuse({ code: 'unknown_country', country: req.country });
  // A known pair nobody priced (or a virtual country) has nothing to sell: like no free SIM.
  const price = country.virtual ? undefined : tx.s.price.get(service.code, country.iso2);
  if (price === undefined) return refuse({ code: 'no_numbers' });
  const sandbox = key.sandbox === 1;
  const refusal = decidePurchase({
    now,
    bannedUntil: key.banned_until,
    priceUnits: price,
    maxPriceUnits: req.maxPriceUnits,
    openOrdersOfKey: tx.s.openOrdersOfKey.get(key.id) ?? 0,
    keyLimit: key.max_open_orders ?? rules.defaultMaxOpenOrders,
    balanceUnits: tx.ledger.balance(req.customerId, sandbox),
  });
  if (refusal) return refuse(refusal);
  const sim = tx.eligibility.pick(ctx.policy, service.code, country.iso2, rules, now, sandbox);
  if (!sim) return refuse({ code: 'no_numbers' });

  const id = newId('ord', now);
  const activationId = tx.s.nextActivationId.get() ?? 1;
  const phoneNumber = toE164(sim.msisdn);
  const timers = orderTimers(now, service);
  const assignedAt = assignmentTime(tx, sim.iccid, now);
  tx.s.insertOrder.run({
    id,
    activationId,
    customerId: req.customerId,
    apiKeyId: key.id,
    sandbox: key.sandbox,
    service: service.code,
    country: country.iso2,
    priceUnits: price,
    simIccid: sim.iccid,
    phoneNumber,
    now: assignedAt,
    holdUntil: timers.holdUntil,
    expiresAt: timers.expiresAt,
  });
  tx.s.insertNumber.run(id, sim.iccid, phoneNumber, assignedAt);
  const order = reloadOrder(tx, id);
  tx.ledger.move(purchaseMovement(order, service, country, now));
  // The sandbox's stand-in for the service texting the number, scheduled with the purchase.
  if (sandbox) tx.sandbox.schedule(order, 'purchase', now + rules.sandboxSmsDelayMs, now);
  tx.outbox.append(orderEvent('order.created', order, now));
  if (claimed) tx.effects.record(claimed, { kind: 'order', id, detail: null });
  return accept(order);
}

export function swapTx(
  tx: OrderTx,
  customerId: string,
  ref: string,
  ctx: OrderCommandContext,
  claimed?: ClaimedIdempotencyKey,
): Outcome<{ order: Order; previousNumber: string }> {
  const { now, rules } = ctx;
  const done = claimed && tx.effects.recorded(claimed, 'swap');
  if (done) return accept({ order: reloadOrder(tx, done.id), previousNumber: done.detail ?? '' });
  const order = loadCustomerOrder(tx, customerId, ref);
  if (!order) return refuse({ code: 'order_not_found' });
  const refusal = decideSwap(order, now);
  if (refusal) return refuse(refusal);
  const service = tx.catalog.getServiceSync(order.service);
  if (!service) return refuse({ code: 'unknown_service', service: order.service });
  const sim = tx.eligibility.pick(
    ctx.policy,
    order.service,
    order.country,
    rules,
    now,
    order.sandbox,
    order.id,
  );
  if (!sim) return refuse({ code: 'no_numbers' });

  releaseNumber(tx, order, 'swapped', 'swapped', now);
  const phoneNumber = toE164(sim.msisdn);
  const timers = orderTimers(now, service);
  const assignedAt = assignmentTime(tx, sim.iccid, now);
  tx.s.setNumber.run({
    id: order.id,
    simIccid: sim.iccid,
    phoneNumber,
    now: assignedAt,
    holdUntil: timers.holdUntil,
    expiresAt: timers.expiresAt,
  });
  tx.s.insertNumber.run(order.id, sim.iccid, phoneNumber, assignedAt);
  const swapped = reloadOrder(tx, order.id);
  if (swapped.sandbox) tx.sandbox.schedule(swapped, 'swap', now + rules.sandboxSmsDelayMs, now);
  tx.outbox.append(
    orderEvent('order.swapped', swapped, now, { previous_number: order.phoneNumber }),
  );
  if (claimed) {
    tx.effects.record(claimed, { kind: 'swap', id: order.id, detail: order.phoneNumber });
  }
  return accept({ order: swapped, previousNumber: order.phoneNumber });
}

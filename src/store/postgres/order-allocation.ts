/**
 * Purchase and swap on PostgreSQL: the two transactions that hand out a SIM (the twin of
 * src/store/sqlite/order-allocation.ts; the rules are the domain's).
 *
 * The SIM is claimed by locking its row (PostgresSimEligibility.pick: SKIP LOCKED, then a wait,
 * then a recheck under the lock; a purchase does the first step and the recheck in the
 * statements around it, purchase-statements.ts), and taken in the same transaction by the open
 * order and its number-history row; the partial unique index on open orders stays as the
 * backstop.
 */
import {
  accept,
  allowedSimKind,
  decidePurchase,
  decideSwap,
  leastRecentlyUsed,
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
  countryFromRow,
  parseCountryRef,
  serviceFromRow,
  type CountryTableRow,
  type ServiceTableRow,
} from '../common/catalog-rows.js';
import { insufficientBalance, type LedgerTableRow } from '../common/ledger-rows.js';
import { orderEvent, purchaseMovement, type KeyForPurchase } from '../common/order-commands.js';
import { orderFromRow, type OrderTableRow } from '../common/order-rows.js';
import {
  eligibilityParams,
  type CandidateRow,
  type EligibilityParams,
} from '../common/sim-eligibility.js';
import {
  RolledBackRefusal,
  SimTakenMeanwhile,
  assignmentTime,
  insertNumber,
  lockCustomerOrder,
  reloadOrder,
  releaseNumber,
  setNumber,
  type OrderTx,
} from './order-context.js';
import { recordEffect, recordedEffect } from './idempotent-effects.js';
import { ORDER_SQL } from './order-statements.js';
import { named } from './prepared.js';
import { PURCHASE_SQL } from './purchase-statements.js';
import { eligibilityValues } from './sim-eligibility.js';

/** SIMs a purchase claims again, when the one it claimed was taken meanwhile, before it starts over. */
const RECLAIMS = 4;

/** What the facts statement reads (PURCHASE_SQL.facts), and with them a SIM claimed. */
type PurchaseFacts = KeyForPurchase & {
  readonly open_orders: number;
  readonly balance: number | null;
  readonly service: ServiceTableRow | null;
  readonly country: CountryTableRow | null;
  readonly price: number | null;
} & Partial<Nullable<Claim>>;

type Nullable<T> = { readonly [K in keyof T]: T[K] | null };

/** The SIM claimed, and the activation id that goes with it (its balance row locked after it). */
type Claim = CandidateRow & { readonly activation_id: number };

interface Placed {
  readonly eligible: boolean;
  readonly balance_before: number | null;
  readonly placed: OrderTableRow | null;
  readonly entry: LedgerTableRow | null;
}

/**
 * Whether this run of the purchase claims its SIM with its facts (purchase-statements.ts): on
 * the command's first run with the LRU policy; otherwise PostgresSimEligibility.pick, which
 * looks at the SIM again under its lock, claims it.
 */
function claimsWithFacts(tx: OrderTx, ctx: OrderCommandContext): boolean {
  return tx.attempt === 1 && ctx.policy === leastRecentlyUsed;
}

function claimedWithFacts(facts: PurchaseFacts): Claim | undefined {
  const { iccid, msisdn, operator, last_assigned_at, activation_id } = facts;
  if (!iccid || !msisdn || activation_id === null || activation_id === undefined) return undefined;
  return {
    iccid,
    msisdn,
    operator: operator ?? null,
    last_assigned_at: last_assigned_at ?? null,
    activation_id,
  };
}

/** A SIM claimed by pick (it waits for a held one), then the balance row locked after it. */
async function claimByPick(
  tx: OrderTx,
  ctx: OrderCommandContext,
  params: EligibilityParams,
  customerId: string,
  sandbox: boolean,
): Promise<Claim | undefined> {
  const { client } = tx;
  const { service, country } = params;
  const sim = await tx.eligibility.pick(
    client,
    ctx.policy,
    service,
    country,
    ctx.rules,
    ctx.now,
    sandbox,
  );
  if (!sim) return undefined;
  const locked = await client.query<{ activation_id: number }>(
    named(PURCHASE_SQL.lockBalance, [customerId, sandbox ? 1 : 0]),
  );
  return {
    iccid: sim.iccid,
    msisdn: sim.msisdn,
    operator: sim.operator,
    last_assigned_at: sim.lastAssignedAt,
    activation_id: locked.rows[0]!.activation_id,
  };
}

async function readFacts(
  tx: OrderTx,
  req: PurchaseRequest,
  ctx: OrderCommandContext,
): Promise<PurchaseFacts | undefined> {
  const ref = parseCountryRef(req.country);
  const factParams = [
    req.apiKeyId,
    req.service,
    ref && 'activateId' in ref ? ref.activateId : null,
    ref && 'iso2' in ref ? ref.iso2 : null,
  ];
  const { rules, now } = ctx;
  const result = claimsWithFacts(tx, ctx)
    ? await tx.client.query<PurchaseFacts>(
        named(PURCHASE_SQL.factsAndClaim, [
          ...factParams,
          rules.maxCancelsPerService,
          rules.cooldownMs,
          now,
          allowedSimKind(false, rules.liveOnSimulated ?? false),
          allowedSimKind(true, rules.liveOnSimulated ?? false),
        ]),
      )
    : await tx.client.query<PurchaseFacts>(named(PURCHASE_SQL.facts, factParams));
  return result.rows[0];
}

/** Same steps as the SQLite twin's: see purchase-statements.ts for the round trips. */
export async function purchaseTx(
  tx: OrderTx,
  req: PurchaseRequest,
  ctx: OrderCommandContext,
): Promise<Outcome<Order>> {
  const { client } = tx;
  const { now, rules } = ctx;
  const claimed = req.claimedKey;
  // A re-run of a request whose holder died after the purchase: the same order again.
  const bought = claimed && (await recordedEffect(client, claimed, 'order'));
  if (bought) return accept(await reloadOrder(tx, bought.id));
  const facts = await readFacts(tx, req, ctx);
  if (!facts || facts.customer_id !== req.customerId || facts.revoked_at !== null) {
    return refuse({ code: 'unauthorized' });
  }
  const service = facts.service && serviceFromRow(facts.service);
  if (!service || !service.enabled)
    return refuse({ code: 'unknown_service', service: req.service });
  const country = facts.country && countryFromRow(facts.country);
  if (!country || !country.enabled)
    return refuse({ code: 'unknown_country', country: req.country });
  // A known pair nobody priced (or a virtual country) has nothing to sell: like no free SIM.
  const price = country.virtual ? null : facts.price;
  if (price === null) return refuse({ code: 'no_numbers' });
  const sandbox = facts.sandbox === 1;
  const keyLimit = facts.max_open_orders ?? rules.defaultMaxOpenOrders;
  const refusal = decidePurchase({
    now,
    bannedUntil: facts.banned_until,
    priceUnits: price,
    maxPriceUnits: req.maxPriceUnits,
    openOrdersOfKey: facts.open_orders,
    keyLimit,
    balanceUnits: facts.balance ?? 0,
  });
  // Refused: nothing was written, and the end of the transaction lets go of a SIM claimed.
  if (refusal) return refuse(refusal);
  const params = eligibilityParams(service.code, country.iso2, rules, now, sandbox, '');
  const sim =
    claimedWithFacts(facts) ?? (await claimByPick(tx, ctx, params, req.customerId, sandbox));
  if (!sim) return refuse({ code: 'no_numbers' });

  // The balance and the key's limit were read without locks, and other hosts buy meanwhile:
  // `place` decides both again under the balance row's lock (purchase-statements.ts).
  const id = newId('ord', now);
  const movement = purchaseMovement(
    { id, activationId: sim.activation_id, customerId: req.customerId, sandbox, priceUnits: price },
    service,
    country,
    now,
  );
  const timers = orderTimers(now, service);
  const place = (claimed: Claim) =>
    client.query<Placed>(
      named(PURCHASE_SQL.place, [
        ...eligibilityValues(params),
        claimed.iccid,
        id,
        claimed.activation_id,
        req.customerId,
        facts.id,
        facts.sandbox,
        price,
        toE164(claimed.msisdn),
        now,
        timers.holdUntil,
        timers.expiresAt,
        keyLimit,
        movement.description,
      ]),
    );
  let placed = (await place(sim)).rows[0]!;
  for (let round = 1; !placed.eligible; round++) {
    // Taken by a transaction that committed after the claim's snapshot (common when many
    // purchases claim at once): another free SIM, claimed without waiting for any (this
    // transaction holds the balance row now, so it must not wait for a SIM), or, when none is
    // free, the command runs again from the start and waits for one.
    const another = round <= RECLAIMS ? await tx.eligibility.claimFree(client, params) : undefined;
    if (!another) throw new SimTakenMeanwhile();
    placed = (
      await place({
        iccid: another.iccid,
        msisdn: another.msisdn,
        operator: another.operator,
        last_assigned_at: another.lastAssignedAt,
        activation_id: sim.activation_id,
      })
    ).rows[0]!;
  }
  if (!placed.placed) {
    // The key's limit, reached by a purchase on another host; a short balance first, as the
    // debit comes first on SQLite.
    const balance = placed.balance_before ?? 0;
    if (balance < price) throw new RolledBackRefusal(insufficientBalance(movement, balance));
    throw new RolledBackRefusal({ code: 'channels_limit', limit: keyLimit });
  }
  const order = orderFromRow(placed.placed);
  if (placed.entry) {
    await tx.ledger.recorded(client, movement, placed.entry);
  } else {
    // Short, or no balance row (a free order): the writer decides, as for any movement. With
    // no balance row to lock, the key's purchases were not serialised by it: count again.
    const debit = await tx.ledger.tryMove(client, movement);
    if (!debit.ok) throw new RolledBackRefusal(debit.refusal);
    if ((await openOrdersOfKey(tx, facts.id)) > keyLimit) {
      throw new RolledBackRefusal({ code: 'channels_limit', limit: keyLimit });
    }
  }
  // The sandbox's stand-in for the service texting the number, scheduled with the purchase.
  if (sandbox)
    await tx.sandbox.schedule(client, order, 'purchase', now + rules.sandboxSmsDelayMs, now);
  await tx.outbox.append(client, orderEvent('order.created', order, now));
  if (claimed) await recordEffect(client, claimed, { kind: 'order', id, detail: null });
  return accept(order);
}

async function openOrdersOfKey(tx: OrderTx, keyId: string): Promise<number> {
  const result = await tx.client.query<{ n: number }>(named(ORDER_SQL.openOrdersOfKey, [keyId]));
  return result.rows[0]?.n ?? 0;
}

export async function swapTx(
  tx: OrderTx,
  customerId: string,
  ref: string,
  ctx: OrderCommandContext,
  claimed?: ClaimedIdempotencyKey,
): Promise<Outcome<{ order: Order; previousNumber: string }>> {
  const { client } = tx;
  const { now, rules } = ctx;
  const done = claimed && (await recordedEffect(client, claimed, 'swap'));
  if (done) {
    return accept({ order: await reloadOrder(tx, done.id), previousNumber: done.detail ?? '' });
  }
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
  const assignedAt = await assignmentTime(tx, sim.iccid, now);
  const number = { simIccid: sim.iccid, phoneNumber, ...timers };
  const swapped = await setNumber(tx, order, number, assignedAt);
  await insertNumber(tx, order.id, sim.iccid, phoneNumber, assignedAt);
  if (swapped.sandbox) {
    await tx.sandbox.schedule(client, swapped, 'swap', now + rules.sandboxSmsDelayMs, now);
  }
  await tx.outbox.append(
    client,
    orderEvent('order.swapped', swapped, now, { previous_number: order.phoneNumber }),
  );
  if (claimed) {
    await recordEffect(client, claimed, { kind: 'swap', id: order.id, detail: order.phoneNumber });
  }
  return accept({ order: swapped, previousNumber: order.phoneNumber });
}

/**
 * What the cluster test reads back from the shared database once the hosts are done: each
 * function returns the violations it found (empty when the invariant holds) plus the counts it
 * checked, so a failure names the rows and a pass says how much was looked at.
 */
import type pg from 'pg';

export interface Checked {
  readonly violations: string[];
  readonly counts: Record<string, number>;
}

const num = (value: unknown): number => Number(value);

async function rows<T>(db: pg.Client, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query(sql, params)).rows as T[];
}

/**
 * Allocation: in each SIM's number history, in the order the assignments were made (each one
 * holding the SIM's row lock), every assignment but the newest was released, and the newest is
 * open only while its order is; no SIM is in two open orders, and no (SIM, service) pair was sold
 * twice (by its usage row, and by the orders that got an SMS).
 *
 * The recorded times of one SIM's rentals must not overlap either: a transaction reads its time
 * before it waits for the SIM's lock, and the store starts the rental no earlier than the
 * previous one's release (`stampedOverlapMs`, the largest overlap found, must be 0). Whether
 * two orders really held a SIM at once is also judged on what the clients saw
 * (`checkObservedHolds`).
 */
export async function checkAllocation(db: pg.Client): Promise<Checked> {
  const violations: string[] = [];
  const numbers = await rows<{
    sim_iccid: string;
    order_id: string;
    assigned_at: string;
    released_at: string | null;
    status: string;
  }>(
    db,
    `SELECT n.sim_iccid, n.order_id, n.assigned_at, n.released_at, o.status
       FROM order_numbers n JOIN orders o ON o.id = n.order_id
      ORDER BY n.sim_iccid, n.id`,
  );
  let stampedOverlapMs = 0;
  for (const [i, row] of numbers.entries()) {
    const next = numbers[i + 1];
    const newest = next?.sim_iccid !== row.sim_iccid;
    const open = ['waiting', 'received', 'retry'].includes(row.status);
    if (!newest && row.released_at === null) {
      violations.push(
        `SIM ${row.sim_iccid}: ${row.order_id} never released, yet ${next?.order_id} got it`,
      );
    }
    if (newest && (row.released_at === null) !== open) {
      violations.push(
        `SIM ${row.sim_iccid}: ${row.order_id} is ${row.status}, released ${row.released_at}`,
      );
    }
    if (!newest && row.released_at !== null) {
      const overlap = num(row.released_at) - num(next.assigned_at);
      stampedOverlapMs = Math.max(stampedOverlapMs, overlap);
      if (overlap > 0) {
        violations.push(
          `SIM ${row.sim_iccid}: ${next.order_id} starts ${overlap} ms before ${row.order_id} ended`,
        );
      }
    }
  }
  const openTwice = await rows<{ sim_iccid: string; n: string }>(
    db,
    `SELECT sim_iccid, COUNT(*) AS n FROM orders WHERE status IN ('waiting', 'received', 'retry')
      GROUP BY sim_iccid HAVING COUNT(*) > 1`,
  );
  for (const r of openTwice) violations.push(`SIM ${r.sim_iccid} in ${r.n} open orders`);
  const soldTwice = await rows<{ sim_iccid: string; service: string; n: string }>(
    db,
    `SELECT sim_iccid, service, COUNT(*) AS n FROM sim_service_usage WHERE outcome = 'sold'
      GROUP BY sim_iccid, service HAVING COUNT(*) > 1`,
  );
  for (const r of soldTwice) violations.push(`(${r.sim_iccid}, ${r.service}) sold ${r.n} times`);
  const smsTwice = await rows<{ sim_iccid: string; service: string; n: string }>(
    db,
    `SELECT m.sim_iccid, o.service, COUNT(DISTINCT o.id) AS n
       FROM order_messages m JOIN orders o ON o.id = m.order_id
      GROUP BY m.sim_iccid, o.service HAVING COUNT(DISTINCT o.id) > 1`,
  );
  for (const r of smsTwice) {
    violations.push(`(${r.sim_iccid}, ${r.service}) gave SMS to ${r.n} orders`);
  }
  const [sold] = await rows<{ n: string }>(
    db,
    `SELECT COUNT(*) AS n FROM sim_service_usage WHERE outcome = 'sold'`,
  );
  const sims = new Set(numbers.map((r) => r.sim_iccid));
  return {
    violations,
    counts: {
      numberIntervals: numbers.length,
      simsUsed: sims.size,
      pairsSold: num(sold?.n),
      stampedOverlapMs,
    },
  };
}

/**
 * Money, per customer: the balance is deposits − charges + refunds as the ledger has them; the
 * ledger's before/after chain is unbroken; every order was charged its price once, and refunded
 * once exactly when it was cancelled or expired.
 */
export async function checkMoney(db: pg.Client, customerIds: readonly string[]): Promise<Checked> {
  const violations: string[] = [];
  let ledgerRows = 0;
  for (const customer of customerIds) {
    const ledger = await rows<{
      type: string;
      amount: string;
      balance_before: string;
      balance_after: string;
      order_id: string | null;
    }>(
      db,
      `SELECT type, amount, balance_before, balance_after, order_id FROM ledger
        WHERE customer_id = $1 AND sandbox = 0 ORDER BY id`,
      [customer],
    );
    ledgerRows += ledger.length;
    let running = 0;
    const sums: Record<string, number> = {};
    const charged = new Map<string, number>();
    const refunded = new Map<string, number>();
    for (const row of ledger) {
      if (num(row.balance_before) !== running) {
        violations.push(`${customer}: ledger chain broken at ${JSON.stringify(row)}`);
      }
      running = num(row.balance_after);
      sums[row.type] = (sums[row.type] ?? 0) + num(row.amount);
      if (row.order_id !== null && row.type === 'purchase') {
        charged.set(row.order_id, (charged.get(row.order_id) ?? 0) + 1);
      }
      if (row.order_id !== null && row.type === 'refund') {
        refunded.set(row.order_id, (refunded.get(row.order_id) ?? 0) + 1);
      }
    }
    const [balance] = await rows<{ balance: string }>(
      db,
      'SELECT balance FROM balances WHERE customer_id = $1 AND sandbox = 0',
      [customer],
    );
    const expected =
      (sums.deposit ?? 0) + (sums.admin_credit ?? 0) + (sums.purchase ?? 0) + (sums.refund ?? 0);
    if (num(balance?.balance) !== expected || running !== expected) {
      violations.push(
        `${customer}: balance ${balance?.balance}, ledger says ${expected} (last row ${running})`,
      );
    }
    const orders = await rows<{ id: string; status: string; price_units: string }>(
      db,
      'SELECT id, status, price_units FROM orders WHERE customer_id = $1 AND sandbox = 0',
      [customer],
    );
    let prices = 0;
    let refunds = 0;
    for (const order of orders) {
      prices += num(order.price_units);
      if (charged.get(order.id) !== 1) {
        violations.push(`${order.id} charged ${charged.get(order.id) ?? 0} times`);
      }
      const shouldRefund = order.status === 'cancelled' || order.status === 'expired';
      if ((refunded.get(order.id) ?? 0) !== (shouldRefund ? 1 : 0)) {
        violations.push(`${order.id} (${order.status}) refunded ${refunded.get(order.id) ?? 0}×`);
      }
      if (shouldRefund) refunds += num(order.price_units);
    }
    if (-(sums.purchase ?? 0) !== prices || (sums.refund ?? 0) !== refunds) {
      violations.push(
        `${customer}: charged ${-(sums.purchase ?? 0)} for orders worth ${prices}, ` +
          `refunded ${sums.refund ?? 0} for ${refunds}`,
      );
    }
  }
  return { violations, counts: { customers: customerIds.length, ledgerRows } };
}

/** One SMS the test injected, and whether the test saw it reach its order. */
export interface SmsExpectation {
  readonly text: string;
  readonly orderId: string;
  readonly iccid: string;
  /** false: its host died before the test saw it matched; stored at most once then. */
  readonly mustArrive: boolean;
}

/** Every injected SMS stored once (as an inbound message) and attached once, to its order. */
export async function checkInbound(
  db: pg.Client,
  expected: readonly SmsExpectation[],
): Promise<Checked> {
  const violations: string[] = [];
  const stored = await rows<{ text: string; sim_iccid: string; n: string }>(
    db,
    'SELECT text, sim_iccid, COUNT(*) AS n FROM inbound_messages GROUP BY text, sim_iccid',
  );
  const storedBy = new Map(stored.map((r) => [r.text, r]));
  const attached = await rows<{ text: string; order_id: string }>(
    db,
    'SELECT text, order_id FROM order_messages',
  );
  const attachedBy = new Map<string, string[]>();
  for (const r of attached) attachedBy.set(r.text, [...(attachedBy.get(r.text) ?? []), r.order_id]);
  let lost = 0;
  for (const sms of expected) {
    const inbound = storedBy.get(sms.text);
    const orders = attachedBy.get(sms.text) ?? [];
    if (!inbound) {
      if (sms.mustArrive) violations.push(`never stored: ${sms.text}`);
      else lost++;
      if (orders.length > 0) violations.push(`attached but not stored: ${sms.text}`);
      continue;
    }
    if (num(inbound.n) !== 1) violations.push(`stored ${inbound.n} times: ${sms.text}`);
    if (inbound.sim_iccid !== sms.iccid) {
      violations.push(`stored on ${inbound.sim_iccid}, sent to ${sms.iccid}: ${sms.text}`);
    }
    if (orders.length !== 1 || orders[0] !== sms.orderId) {
      violations.push(
        `attached to [${orders.join(', ')}], not once to ${sms.orderId}: ${sms.text}`,
      );
    }
  }
  return {
    violations,
    counts: { injected: expected.length, stored: expected.length - lost, lostWithDeadHost: lost },
  };
}

const FINAL = new Set(['sent', 'delivered', 'failed', 'expired', 'unknown']);

/** Every queued outbound message is final; returns the count per status. */
export async function checkOutbound(
  db: pg.Client,
  queued: ReadonlyMap<string, string>,
): Promise<Checked> {
  const violations: string[] = [];
  const messages = await rows<{ id: string; body: string; status: string }>(
    db,
    'SELECT id, body, status FROM outbound_messages',
  );
  const counts: Record<string, number> = { messages: messages.length };
  // Parts a dead host had claimed but never handed to its modem, put back by another host.
  const [requeued] = await rows<{ parts: string; messages: string }>(
    db,
    `SELECT COUNT(*) AS parts, COUNT(DISTINCT message_id) AS messages FROM outbound_history
      WHERE detail LIKE 'host % stopped answering before the part reached its modem%'`,
  );
  counts.partsRequeuedByReaper = num(requeued?.parts);
  counts.messagesRequeuedByReaper = num(requeued?.messages);
  const byId = new Map(messages.map((m) => [m.id, m]));
  for (const [id, body] of queued) {
    const message = byId.get(id);
    if (!message) violations.push(`message ${id} accepted (202) but not in the queue`);
    else if (message.body !== body) violations.push(`message ${id} has another body`);
  }
  for (const m of messages) {
    // Every message is one a client was answered 202 for: a retry never queued a second one.
    if (!queued.has(m.id)) violations.push(`message ${m.id} queued but answered to no client`);
    counts[m.status] = (counts[m.status] ?? 0) + 1;
    if (!FINAL.has(m.status)) violations.push(`message ${m.id} still ${m.status}`);
  }
  return { violations, counts };
}

/** The outbox in the order readers see it (every event numbered by now). */
export async function outboxEvents(
  db: pg.Client,
): Promise<{ id: string; seq: number; type: string; customerId: string | null; feed: boolean }[]> {
  const events = await rows<{
    id: string;
    seq: string | null;
    customer_id: string | null;
    order_id: string | null;
    type: string;
  }>(db, 'SELECT id, seq, customer_id, order_id, type FROM events ORDER BY seq NULLS LAST');
  const unnumbered = events.filter((e) => e.seq === null).length;
  if (unnumbered > 0) throw new Error(`${unnumbered} events never got a sequence number`);
  const feedTypes =
    /^(sms\.received|call\.received|order\.(created|updated|cancelled|finished|swapped|expired))$/;
  return events.map((e) => ({
    id: e.id,
    seq: num(e.seq),
    type: e.type,
    customerId: e.customer_id,
    feed: e.order_id !== null && e.customer_id !== null && feedTypes.test(e.type),
  }));
}

/**
 * What a client saw of one order's hold on one SIM: it surely held it from when the purchase (or
 * swap) answered until the request that ended it (cancel, finish, swap) was sent.
 */
export interface ObservedHold {
  readonly iccid: string;
  readonly orderId: string;
  readonly from: number;
  /** Infinity: never ended by the client. */
  readonly until: number;
  /** It may have held it from when the request that took it was sent… */
  readonly mayFrom: number;
  /** …until the request that ended it was answered. */
  readonly mayUntil: number;
}

/** No two orders surely held one SIM at the same moment (the test process's one clock). */
export function checkObservedHolds(holds: readonly ObservedHold[]): Checked {
  const violations: string[] = [];
  const bySim = new Map<string, ObservedHold[]>();
  for (const hold of holds) bySim.set(hold.iccid, [...(bySim.get(hold.iccid) ?? []), hold]);
  for (const [iccid, list] of bySim) {
    list.sort((a, b) => a.from - b.from);
    // The hold reaching furthest so far: any later start before its end overlaps it.
    let reach = list[0]!;
    for (const hold of list.slice(1)) {
      if (hold.orderId !== reach.orderId && hold.from < reach.until) {
        violations.push(
          `SIM ${iccid}: ${hold.orderId} held it from ${hold.from}, ${reach.orderId} until ${reach.until}`,
        );
      }
      if (hold.until > reach.until) reach = hold;
    }
  }
  return { violations, counts: { observedHolds: holds.length, sims: bySim.size } };
}

/** A purchase answered no_numbers: asked and answered then. */
export interface NoNumbers {
  readonly service: string;
  readonly country: string;
  readonly askedAt: number;
  readonly answeredAt: number;
}

/**
 * `no_numbers` never answered while a free eligible SIM existed, judged only where the clients'
 * view is certain: a refusal is wrong if some SIM of the country, on a live host, could not have
 * been held by any order at any moment between the question and the answer, and had surely
 * neither been sold for the service nor cancelled for it too often (usage rows are stamped before
 * their commit, so one stamped after the answer was not visible to the purchase).
 */
export async function checkNoNumbers(
  db: pg.Client,
  input: {
    readonly refusals: readonly NoNumbers[];
    readonly holds: readonly ObservedHold[];
    /** The SIMs a purchase may get (ready, with a number), by country. */
    readonly sims: readonly { readonly iccid: string; readonly country: string }[];
    /** SIMs of the killed host: left out from the kill on. */
    readonly victimSims: ReadonlySet<string>;
    readonly killedAt: number;
    readonly maxCancels: number;
  },
): Promise<Checked> {
  const usage = await rows<{ sim_iccid: string; service: string; outcome: string; at: string }>(
    db,
    `SELECT sim_iccid, service, outcome, at FROM sim_service_usage
      WHERE outcome IN ('sold', 'cancelled')`,
  );
  const violations: string[] = [];
  let judged = 0;
  for (const refusal of input.refusals) {
    const { askedAt: from, answeredAt: to } = refusal;
    judged++;
    const free = input.sims.filter((sim) => {
      if (sim.country !== refusal.country) return false;
      if (input.victimSims.has(sim.iccid) && to >= input.killedAt) return false;
      const held = input.holds.some(
        (h) => h.iccid === sim.iccid && h.mayFrom <= to && h.mayUntil >= from,
      );
      if (held) return false;
      const seen = usage.filter(
        (u) => u.sim_iccid === sim.iccid && u.service === refusal.service && num(u.at) <= to,
      );
      if (seen.some((u) => u.outcome === 'sold')) return false;
      return seen.filter((u) => u.outcome === 'cancelled').length < input.maxCancels;
    });
    if (free.length > 0) {
      violations.push(
        `no_numbers for ${refusal.service}/${refusal.country} asked ${from}, answered ${to}, ` +
          `while ${free.map((s) => s.iccid).join(', ')} were free`,
      );
    }
  }
  return { violations, counts: { refusals: input.refusals.length, refusalsJudged: judged } };
}

/**
 * What the cluster test's clients do: purchases with idempotency keys, each followed by a cancel,
 * a swap, or an SMS (injected through the control API of the host whose modem holds the SIM)
 * and a finish; and outbound messages through the Messaging API. Every request goes through the
 * HostRouter, so a client of a killed host carries on at another host with the same keys.
 */
import { prng } from '../helpers/prng.js';
import type { NoNumbers, ObservedHold } from './cluster-invariants.js';
import type { HostRouter, RoutedReply } from './cluster-router.js';

export interface Customer {
  readonly id: string;
  readonly key: string;
}

/** Where a SIM sits: the host index and the simulated modem's index on it. */
export interface SimHome {
  readonly host: number;
  readonly modem: number;
  readonly iccid: string;
}

/** One SMS the test had the simulated network deliver. */
export interface InjectedSms {
  readonly orderId: string;
  readonly customerId: string;
  readonly iccid: string;
  readonly host: number;
  readonly text: string;
  /** The test saw the order receive it (over the API). */
  matched: boolean;
}

export interface WorkloadOptions {
  readonly router: HostRouter;
  readonly customers: readonly Customer[];
  /** By phone number (E.164). */
  readonly homes: ReadonlyMap<string, SimHome>;
  readonly controlUrl: (host: number) => string;
  readonly pairs: readonly { readonly service: string; readonly country: string }[];
  /** Each purchase and message draws from its own PRNG seeded from this: replayable by seed. */
  readonly seed: number;
  /** The Messaging API key (the operator's). */
  readonly messagesKey: string;
  /** Numbers of our SIMs, for messages that ask for a sender. */
  readonly senders: readonly string[];
  /** Patience for one SMS to reach its order. */
  readonly smsTimeoutMs: number;
  /** Resolves once the test has seen this (killed) host's SIMs offline: it was reaped. */
  readonly reaped: (host: number) => Promise<void>;
  /** How long after that an SMS stored by the dead host may take to reach its order. */
  readonly afterReapMs: number;
  /**
   * How long a client retries a key whose claim the dead host holds (409 idempotency_conflict)
   * before that is a failure: the host's lease must end within it, and then the claim is taken
   * over and the retry gets the original outcome.
   */
  readonly conflictPatienceMs: number;
}

export interface Tally {
  purchases: number;
  bought: number;
  noNumbers: number;
  /**
   * Requests answered 409 idempotency_conflict at first (their key's first request was in flight
   * on the host that died), retried with the same key until the real answer came.
   */
  waitedForDeadHolder: number;
  /** Cancels and finishes the dead host had carried out: the retry found them done. */
  actionsDoneByDeadHost: number;
  cancelled: number;
  swapped: number;
  swapNoNumbers: number;
  finished: number;
  /** Orders on a SIM of the dead host, cancelled instead of given an SMS. */
  cancelledOnDeadHost: number;
  messages: number;
  /** Replayed answers (Idempotent-Replayed: true) after a failover. */
  replays: number;
  /** Anything else: the test fails on it, with these texts. */
  unexpected: string[];
}

const BUY = '/api/v1/customer/purchase';

/** An order of purchase `p`, and the client (host index) and customer that bought it. */
interface OrderRef {
  readonly client: number;
  readonly customer: Customer;
  readonly id: string;
  readonly p: number;
  /** Its hold on its current SIM, as the client saw it. */
  hold: { -readonly [K in keyof ObservedHold]: ObservedHold[K] };
}

/**
 * Task `n`'s own PRNG: seeds mixed (murmur3's finaliser), since the LCG's first draws for
 * neighbouring seeds are nearly equal.
 */
function randomFor(seed: number, n: number): () => number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ n;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return prng((h ^ (h >>> 16)) >>> 0);
}

/** Letters only: the code extractor must not take a digit of the marker for the code. */
function letters(n: number): string {
  let out = '';
  do {
    out = String.fromCharCode(97 + (n % 26)) + out;
    n = Math.floor(n / 26);
  } while (n > 0);
  return out;
}

const errorOf = (body: Record<string, unknown>): string =>
  typeof body.error === 'string' ? body.error : '';

export class Workload {
  readonly injected: InjectedSms[] = [];
  /** Every order's hold on each of its SIMs, as its client saw it. */
  readonly holds: ObservedHold[] = [];
  /** Purchases answered no_numbers. */
  readonly refusals: NoNumbers[] = [];
  /** The order each purchase's idempotency key was answered with (201), by key. */
  readonly orderOfKey = new Map<string, string>();
  /** Bodies of the messages queued (202), by id. */
  readonly messages = new Map<string, string>();
  readonly tally: Tally = {
    purchases: 0,
    bought: 0,
    noNumbers: 0,
    waitedForDeadHolder: 0,
    actionsDoneByDeadHost: 0,
    cancelled: 0,
    swapped: 0,
    swapNoNumbers: 0,
    finished: 0,
    cancelledOnDeadHost: 0,
    messages: 0,
    replays: 0,
    unexpected: [],
  };

  constructor(private readonly o: WorkloadOptions) {}

  private fail(what: string, reply: { status: number; body: unknown }): void {
    this.tally.unexpected.push(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
  }

  /**
   * POST with an idempotency key through the router; counts replays. A key whose first request
   * was in flight on the host that died answers 409 idempotency_conflict until that host's lease
   * is over: the client asks again with the same key (after the Retry-After second) and must
   * then get the original outcome. `conflicted` says whether it had to.
   */
  private async post(host: number, path: string, key: string, idem: string, body?: unknown) {
    const giveUpAt = Date.now() + this.o.conflictPatienceMs;
    let conflicted = false;
    for (;;) {
      const reply = await this.o.router.call(host, 'POST', path, {
        key,
        headers: { 'idempotency-key': idem },
        ...(body === undefined ? {} : { body }),
      });
      if (reply.headers.get('idempotent-replayed') === 'true') this.tally.replays++;
      const conflict = reply.status === 409 && errorOf(reply.body) === 'idempotency_conflict';
      if (!conflict || Date.now() > giveUpAt) return { ...reply, conflicted };
      if (!conflicted) this.tally.waitedForDeadHolder++;
      conflicted = true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  /** Purchase `p`: bought, then cancelled, swapped, or given an SMS and finished. */
  async purchase(p: number): Promise<void> {
    const { customers, pairs, seed } = this.o;
    const random = randomFor(seed, p);
    const customer = customers[p % customers.length]!;
    const client = p % this.o.router.size;
    const pair = pairs[p % pairs.length]!;
    this.tally.purchases++;
    const askedAt = Date.now();
    const idem = `buy-${seed}-${p}`;
    const bought = await this.post(client, BUY, customer.key, idem, pair);
    if (bought.status === 409 && errorOf(bought.body) === 'no_numbers') {
      this.tally.noNumbers++;
      this.refusals.push({ ...pair, askedAt, answeredAt: Date.now() });
      return;
    }
    if (bought.status !== 201) return this.fail(`purchase ${p}`, bought);
    this.tally.bought++;
    const id = String(bought.body.order_id);
    this.orderOfKey.set(idem, id);
    let phone = String(bought.body.phone_number);
    const order: OrderRef = { client, customer, id, p, hold: this.hold(phone, id, askedAt) };
    const roll = random();
    if (roll < 0.15) {
      await this.cancel(order, 'cancelled');
      return;
    }
    if (roll < 0.35) {
      const swap = await this.act(order, 'swap', (o) => o.phone_number !== phone);
      if (swap.status === 200) {
        this.tally.swapped++;
        this.release(order.hold, swap.sentAt);
        phone = String(swap.body.phone_number);
        order.hold = this.hold(phone, id, swap.sentAt);
      } else if (swap.status === 409 && errorOf(swap.body) === 'no_numbers') {
        this.tally.swapNoNumbers++;
      } else {
        return this.fail(`swap ${p}`, swap);
      }
      if (roll < 0.2) {
        await this.cancel(order, 'cancelled');
        return;
      }
    }
    await this.smsAndFinish(order, phone, random);
  }

  /**
   * POST cancel, swap or finish with its idempotency key (waiting out the dead host's claim,
   * see `post`). A swap's retry answers the swap the dead host made. A cancel or finish is a
   * state transition that records no effect: its retry, if the dead host had carried it out,
   * finds the order closed and answers 409 bad_status; the client then reads the order and is
   * done when `done(order)` says the action took effect.
   */
  private async act(
    order: OrderRef,
    action: 'cancel' | 'swap' | 'finish',
    done: (current: Record<string, unknown>) => boolean,
  ): Promise<RoutedReply & { readonly sentAt: number }> {
    const path =
      action === 'finish'
        ? `/api/v1/customer/order/${order.id}/finish`
        : `/api/v1/customer/${action}/${order.id}`;
    const idem = `${action}-${this.o.seed}-${order.p}`;
    // From here on the action may take effect at any moment.
    const sentAt = Date.now();
    const reply = await this.post(order.client, path, order.customer.key, idem);
    if (!reply.conflicted || reply.status !== 409 || errorOf(reply.body) !== 'bad_status') {
      return { ...reply, sentAt };
    }
    const current = await this.o.router.call(
      order.client,
      'GET',
      `/api/v1/customer/order/${order.id}`,
      { key: order.customer.key },
    );
    if (current.status !== 200 || !done(current.body)) return { ...reply, sentAt };
    this.tally.actionsDoneByDeadHost++;
    return { ...current, sentAt };
  }

  /**
   * A hold of the SIM with this number: surely from now (the answer that gave it just came),
   * perhaps from `askedAt` (when the request that took it was sent).
   */
  private hold(phone: string, orderId: string, askedAt: number): OrderRef['hold'] {
    const hold = {
      iccid: this.o.homes.get(phone)?.iccid ?? `unknown ${phone}`,
      orderId,
      from: Date.now(),
      until: Number.POSITIVE_INFINITY,
      mayFrom: askedAt,
      mayUntil: Number.POSITIVE_INFINITY,
    };
    this.holds.push(hold);
    return hold;
  }

  /** The request ending `hold` was sent at `sentAt` and has just been answered. */
  private release(hold: OrderRef['hold'], sentAt: number): void {
    hold.until = sentAt;
    hold.mayUntil = Date.now();
  }

  private async cancel(order: OrderRef, tally: 'cancelled' | 'cancelledOnDeadHost') {
    const cancelled = await this.act(order, 'cancel', (o) => o.status === 'cancelled');
    if (cancelled.status === 200) this.release(order.hold, cancelled.sentAt);
    if (cancelled.status === 200) this.tally[tally]++;
    else if (tally === 'cancelled') this.fail(`cancel ${order.p}`, cancelled);
    return cancelled;
  }

  private async finish(order: OrderRef): Promise<void> {
    const finished = await this.act(order, 'finish', (o) => o.status === 'finished');
    if (finished.status === 200) this.release(order.hold, finished.sentAt);
    if (finished.status === 200) this.tally.finished++;
    else this.fail(`finish ${order.p}`, finished);
  }

  private async smsAndFinish(order: OrderRef, phone: string, random: () => number) {
    const { p } = order;
    const home = this.o.homes.get(phone);
    if (!home)
      return this.fail(`purchase ${p}: ${phone} is no known SIM`, { status: 0, body: null });
    if (this.o.router.isDown(home.host)) return this.cancelOnDeadHost(order);
    const code = String(10_000 + Math.floor(random() * 90_000));
    const text = `Your code is ${code} for order ${letters(this.o.seed)} ${letters(p)}`;
    const sms: InjectedSms = {
      orderId: order.id,
      customerId: order.customer.id,
      iccid: home.iccid,
      host: home.host,
      text,
      matched: false,
    };
    try {
      const response = await fetch(`${this.o.controlUrl(home.host)}/modems/${home.modem}/sms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: 'Telegram', text }),
      });
      if (response.status !== 201) {
        return this.fail(`inject ${p}`, { status: response.status, body: await response.text() });
      }
    } catch (error) {
      if (!this.o.router.isDown(home.host)) throw error;
      return this.cancelOnDeadHost(order);
    }
    this.injected.push(sms);
    const deadline = Date.now() + this.o.smsTimeoutMs;
    let reapedAt: number | undefined;
    while (!(await this.hasSms(order, text))) {
      if (this.o.router.isDown(home.host)) {
        // Its host died: the SMS went with its modem, or was stored, and is then matched by
        // the host that reaps the dead one (if the dead one did not match it first).
        if (reapedAt === undefined) {
          await this.o.reaped(home.host);
          reapedAt = Date.now();
        }
        if (Date.now() > reapedAt + this.o.afterReapMs) return this.cancelOnDeadHost(order);
      } else if (Date.now() > deadline) {
        return this.fail(`SMS of purchase ${p} on ${home.iccid} not matched`, {
          status: 0,
          body: null,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    sms.matched = true;
    await this.finish(order);
  }

  /** Whether the order shows this SMS now. */
  private async hasSms(order: OrderRef, text: string): Promise<boolean> {
    const path = `/api/v1/customer/order/${order.id}`;
    const seen = await this.o.router.call(order.client, 'GET', path, { key: order.customer.key });
    if (seen.status !== 200)
      throw new Error(`GET ${path}: ${seen.status} ${JSON.stringify(seen.body)}`);
    return ((seen.body.messages ?? []) as { content?: string }[]).some((m) => m.content === text);
  }

  /**
   * The order's SIM is on the dead host: cancel it. If the SMS reached the order before the
   * host died, the cancel is refused (bad_status) and the order is finished instead.
   */
  private async cancelOnDeadHost(order: OrderRef): Promise<void> {
    const cancelled = await this.cancel(order, 'cancelledOnDeadHost');
    if (cancelled.status === 200) return;
    if (cancelled.status !== 409 || errorOf(cancelled.body) !== 'bad_status') {
      return this.fail(`cancel on dead host ${order.p}`, cancelled);
    }
    await this.finish(order);
  }

  /** Outbound message `m` through the Messaging API of host m mod N. */
  async message(m: number): Promise<void> {
    const { seed, senders } = this.o;
    const random = randomFor(seed, 1_000_000 + m);
    const recipients = ['+4479110', '+1415555', '+4917612', '+7925123'];
    const to = `${recipients[m % recipients.length]}${String(1000 + m).padStart(4, '0')}`;
    const long = m % 5 === 0 ? ` ${'and a longer tail to need two parts '.repeat(5)}` : '';
    const body = `cluster message ${letters(seed)} ${letters(m)}${long}`;
    const pinned = m % 10 === 3 && senders.length > 0;
    const request = {
      to,
      body,
      ...(pinned
        ? {
            from: senders[Math.floor(random() * senders.length)]!,
            valid_until: new Date(Date.now() + 45_000).toISOString(),
          }
        : {}),
    };
    const reply = await this.post(
      m % this.o.router.size,
      '/api/v1/messages',
      this.o.messagesKey,
      `msg-${seed}-${m}`,
      request,
    );
    if (reply.status !== 202) return this.fail(`message ${m}`, reply);
    this.tally.messages++;
    this.messages.set(String(reply.body.id), body);
  }
}

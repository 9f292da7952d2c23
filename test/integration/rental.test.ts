import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, startDaemon, type Daemon } from '../../src/daemon/index.js';
import type { Order } from '../../src/domain/index.js';
import { ManualClock, silentLogger } from '../../src/shared/index.js';
import { advanceBy } from '../helpers/advance.js';

/**
 * Number rental end to end inside the daemon: simulated modems (in-memory), the modem pool, a
 * real SQLite file and the order engine on one ManualClock, so holds and lifetimes pass without
 * sleeping. The SMS go the whole way: simulated network → AT → PDU codec → store → matching.
 */
const benches: Array<{ daemon: Daemon; dir: string }> = [];
afterEach(async () => {
  for (const b of benches.splice(0)) {
    await b.daemon.stop();
    await rm(b.dir, { recursive: true, force: true });
  }
});

interface Rig {
  readonly daemon: Daemon;
  readonly clock: ManualClock;
  readonly dir: string;
}

async function start(dir: string, clock: ManualClock): Promise<Daemon> {
  const config = loadConfig(
    undefined,
    { dataDir: dir, modems: ['simulated:5'], port: 0, logLevel: 'silent' },
    {},
  );
  const daemon = await startDaemon(
    { ...config, simulatorControlPort: 0 },
    { clock, logger: silentLogger },
  );
  for (
    let i = 0;
    i < 200 && daemon.pool.modems().filter((m) => m.state === 'ready').length < 5;
    i++
  ) {
    await clock.advance(100);
  }
  expect(daemon.pool.modems().filter((m) => m.state === 'ready')).toHaveLength(5);
  return daemon;
}

async function rig(): Promise<Rig> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-rental-'));
  const clock = new ManualClock(Date.UTC(2026, 10, 22, 12));
  const daemon = await start(dir, clock);
  benches.push({ daemon, dir });
  return { daemon, clock, dir };
}

async function customer(d: Daemon, email: string, usd: number) {
  const created = await d.rental.customers.createCustomer(email);
  const { key } = await d.rental.customers.createKey(created.id, { scopes: ['orders'] });
  if (usd > 0) await d.rental.customers.credit(created.id, usd * 10_000);
  return { customerId: created.id, apiKeyId: key.id };
}

/** The simulated modem holding the SIM an order was given. */
function modemOf(d: Daemon, order: Order) {
  const modem = d.simulator!.bank.modems.find((m) => m.identity.iccid === order.simIccid);
  if (!modem) throw new Error(`no simulated modem with ${order.simIccid}`);
  return modem;
}

async function until(clock: ManualClock, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await clock.advance(50);
  }
  throw new Error('condition not reached');
}

const codeOf = (r: Rig, customerId: string, order: Order) => async (): Promise<string | null> =>
  (await r.daemon.rental.orders.get(customerId, order.id)).lastCode;

describe('number rental over simulated modems', () => {
  it('sells a number, delivers the codes of real SMS, retries, finishes and bills exactly', async () => {
    const r = await rig();
    const { orders, customers } = r.daemon.rental;
    const alice = await customer(r.daemon, 'alice@example.com', 10);
    const order = await orders.purchase(alice, { service: 'tg', country: 'GB' });
    expect(order).toMatchObject({
      status: 'waiting',
      service: 'tg',
      country: 'GB',
      priceUnits: 5000,
    });
    expect(order.phoneNumber).toMatch(/^\+44/);
    expect(await customers.balance(alice.customerId)).toBe(95_000);

    modemOf(r.daemon, order).injectSms({
      from: 'Telegram',
      text: 'Telegram code: 48213. You can also tap on this link to log in: https://t.me/login/48213',
    });
    await until(r.clock, async () => (await codeOf(r, alice.customerId, order)()) === '48213');
    expect((await orders.get(alice.customerId, order.id)).status).toBe('received');

    await orders.retry(alice.customerId, order.id);
    modemOf(r.daemon, order).injectSms({
      from: 'Telegram',
      text: 'Login code: 77125. Do not give this code to anyone, even if they say they are from Telegram!',
    });
    await until(r.clock, async () => (await codeOf(r, alice.customerId, order)()) === '77125');
    const finished = await orders.finish(alice.customerId, order.id);
    expect(finished.status).toBe('finished');
    const detail = await orders.get(alice.customerId, order.activationId);
    expect(detail.messages.map((m) => m.code)).toEqual(['48213', '77125']);
    expect(await customers.balance(alice.customerId)).toBe(95_000);

    // The SIM was sold for Telegram: the next Telegram number comes from the other UK SIM,
    // while WhatsApp may still get this one.
    const next = await orders.purchase(alice, { service: 'tg', country: 'GB' });
    expect(next.simIccid).not.toBe(order.simIccid);
    await expect(orders.purchase(alice, { service: 'tg', country: 'GB' })).rejects.toMatchObject({
      code: 'no_numbers',
    });
    const whatsapp = await orders.purchase(alice, { service: 'wa', country: 'GB' });
    expect(whatsapp.simIccid).toBe(order.simIccid);
  });

  it('refuses a cancel inside the hold, refunds after it, and swaps to another SIM of the country', async () => {
    const r = await rig();
    const { orders, customers } = r.daemon.rental;
    const bob = await customer(r.daemon, 'bob@example.com', 2);
    const first = await orders.purchase(bob, { service: 'wa', country: 'GB' });
    await expect(orders.cancel(bob.customerId, first.id)).rejects.toMatchObject({
      code: 'too_early',
      details: { secondsRemaining: 120 },
    });
    await advanceBy(r.clock, 121_000, 1000);
    const swapped = await orders.swap(bob.customerId, first.id);
    expect(swapped.previousNumber).toBe(first.phoneNumber);
    expect(swapped.order.id).toBe(first.id);
    expect(swapped.order.simIccid).not.toBe(first.simIccid);
    await expect(orders.cancel(bob.customerId, first.id)).rejects.toMatchObject({
      code: 'too_early',
    });
    await advanceBy(r.clock, 121_000, 1000);
    const cancelled = await orders.cancel(bob.customerId, first.id);
    expect(cancelled).toMatchObject({ refundUnits: 5000, order: { status: 'cancelled' } });
    expect(await customers.balance(bob.customerId)).toBe(20_000);
    const ledger = await customers.ledger(bob.customerId, {});
    expect(ledger.items.map((e) => [e.type, e.amountUnits, e.balanceAfterUnits])).toEqual([
      ['refund', 5000, 20_000],
      ['purchase', -5000, 15_000],
      ['deposit', 20_000, 20_000],
    ]);
  });

  it("never lets one customer see or touch another customer's order", async () => {
    const r = await rig();
    const { orders } = r.daemon.rental;
    const alice = await customer(r.daemon, 'a@example.com', 5);
    const mallory = await customer(r.daemon, 'm@example.com', 5);
    const order = await orders.purchase(alice, { service: 'go', country: 'US' });
    for (const attempt of [
      () => orders.get(mallory.customerId, order.id),
      () => orders.get(mallory.customerId, order.activationId),
      () => orders.finish(mallory.customerId, order.id),
      () => orders.retry(mallory.customerId, order.id),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ code: 'order_not_found' });
    }
    await advanceBy(r.clock, 121_000, 1000);
    await expect(orders.cancel(mallory.customerId, order.id)).rejects.toMatchObject({
      code: 'order_not_found',
    });
    expect((await orders.get(alice.customerId, order.id)).status).toBe('waiting');
  });

  it('expires orders across a restart: refunded without an SMS, finished with one', async () => {
    const r = await rig();
    const alice = await customer(r.daemon, 'alice@example.com', 5);
    const silent = await r.daemon.rental.orders.purchase(alice, { service: 'ds', country: 'GB' });
    const answered = await r.daemon.rental.orders.purchase(alice, { service: 'ds', country: 'US' });
    modemOf(r.daemon, answered).injectSms({
      from: 'Discord',
      text: 'Your Discord verification code is 583921',
    });
    await until(
      r.clock,
      async () =>
        (await r.daemon.rental.orders.get(alice.customerId, answered.id)).status === 'received',
    );

    // Restart: the running daemon stops, time passes beyond the lifetime, a new one starts.
    await r.daemon.stop();
    benches.pop();
    await r.clock.advance(21 * 60_000);
    const again = await start(r.dir, r.clock);
    benches.push({ daemon: again, dir: r.dir });
    expect((await again.rental.orders.get(alice.customerId, silent.id)).status).toBe('expired');
    expect((await again.rental.orders.get(alice.customerId, answered.id)).status).toBe('finished');
    expect(await again.rental.customers.balance(alice.customerId)).toBe(45_000);
  });
});

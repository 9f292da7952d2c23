import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, startDaemon, type Daemon } from '../../src/daemon/index.js';
import { extractCode, type Order, type Principal } from '../../src/domain/index.js';
import { ManualClock, silentLogger } from '../../src/shared/index.js';

/**
 * Sandbox end to end inside the daemon (simulated modems, real SQLite file, one ManualClock): a
 * sp_test_ key buys a number and, a few seconds later, the daemon's synthetic SMS travels the
 * real pipeline (simulated network → AT → PDU → store → matching) to the order.
 */
const benches: Array<{ daemon: Daemon; dir: string }> = [];
afterEach(async () => {
  for (const b of benches.splice(0)) {
    await b.daemon.stop();
    await rm(b.dir, { recursive: true, force: true });
  }
});

async function start(dir: string, clock: ManualClock): Promise<Daemon> {
  const config = loadConfig(
    undefined,
    { dataDir: dir, modems: ['simulated:5'], port: 0, logLevel: 'silent' },
    {},
  );
  expect(config.orders).toMatchObject({
    liveOnSimulated: true,
    sandboxSmsDelaySeconds: 3,
    sandboxStartingBalanceUsd: 100,
  });
  const daemon = await startDaemon(
    { ...config, simulatorControlPort: 0 },
    { clock, logger: silentLogger },
  );
  for (let i = 0; i < 200 && daemon.pool.modems().some((m) => m.state !== 'ready'); i++) {
    await clock.advance(100);
  }
  expect(daemon.pool.modems().filter((m) => m.state === 'ready')).toHaveLength(5);
  return daemon;
}

async function rig(): Promise<{ daemon: Daemon; clock: ManualClock; dir: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-sandbox-'));
  const clock = new ManualClock(Date.UTC(2026, 10, 22, 12));
  const daemon = await start(dir, clock);
  benches.push({ daemon, dir });
  return { daemon, clock, dir };
}

async function sandboxCustomer(d: Daemon, email: string): Promise<Principal> {
  const created = await d.rental.customers.createCustomer(email);
  const { key, plainKey } = await d.rental.customers.createKey(created.id, { sandbox: true });
  expect(plainKey).toMatch(/^sp_test_/);
  return { customerId: created.id, apiKeyId: key.id };
}

/** Advances in 50 ms steps until the order has `count` messages; returns the time it took. */
async function waitForMessages(
  d: Daemon,
  clock: ManualClock,
  who: Principal,
  order: Order,
  count: number,
): Promise<number> {
  const from = clock.now();
  for (let i = 0; i < 300; i++) {
    const detail = await d.rental.orders.get(who.customerId, order.id);
    if (detail.messages.length >= count) return clock.now() - from;
    await clock.advance(50);
  }
  throw new Error(`order ${order.id} never got ${count} messages`);
}

describe('sandbox keys over simulated modems', () => {
  it('delivers a synthetic code after the delay, another after a retry, on play money only', async () => {
    const { daemon, clock } = await rig();
    const { orders, customers } = daemon.rental;
    const dev = await sandboxCustomer(daemon, 'dev@example.com');
    expect(await customers.balance(dev.customerId, true)).toBe(1_000_000);

    const order = await orders.purchase(dev, { service: 'tg', country: 'GB' });
    expect(order).toMatchObject({ sandbox: true, status: 'waiting', priceUnits: 5000 });
    await clock.advance(2_000);
    expect((await orders.get(dev.customerId, order.id)).messages).toHaveLength(0);
    const took = await waitForMessages(daemon, clock, dev, order, 1);
    expect(took).toBeLessThan(3_000);

    const received = await orders.get(dev.customerId, order.id);
    expect(received.status).toBe('received');
    const first = received.messages[0]!;
    expect(first.sender).toBe('Telegram');
    expect(first.text).toMatch(/^Your Telegram code is \d{5}\. Do not give this code to anyone\.$/);
    expect(first.code).toBe(extractCode(first.text));
    expect(received.lastCode).toBe(first.code);

    await orders.retry(dev.customerId, order.id);
    await waitForMessages(daemon, clock, dev, order, 2);
    const retried = await orders.get(dev.customerId, order.id);
    expect(retried.status).toBe('received');
    expect(retried.messages[1]?.code).toMatch(/^\d{5}$/);
    expect(retried.lastCode).toBe(retried.messages[1]?.code);
    await orders.finish(dev.customerId, order.id);

    expect(await customers.balance(dev.customerId, false)).toBe(0);
    expect(await customers.balance(dev.customerId, true)).toBe(995_000);
    const ledger = await customers.ledger(dev.customerId, {});
    expect(
      ledger.items.map((e) => [e.sandbox, e.type, e.amountUnits, e.balanceAfterUnits]),
    ).toEqual([
      [true, 'purchase', -5000, 995_000],
      [true, 'admin_credit', 1_000_000, 1_000_000],
    ]);
    expect(await daemon.sandbox.runOnce()).toBe(0); // the schedule was consumed
  });

  it('still delivers when the daemon restarts between purchase and due time', async () => {
    const r = await rig();
    const dev = await sandboxCustomer(r.daemon, 'dev@example.com');
    const order = await r.daemon.rental.orders.purchase(dev, { service: 'wa', country: 'US' });
    await r.clock.advance(1_000);
    await r.daemon.stop();
    benches.pop();
    await r.clock.advance(10_000); // the SMS fell due while nothing was running

    const again = await start(r.dir, r.clock);
    benches.push({ daemon: again, dir: r.dir });
    await waitForMessages(again, r.clock, dev, order, 1);
    const detail = await again.rental.orders.get(dev.customerId, order.id);
    expect(detail.status).toBe('received');
    expect(detail.messages[0]?.sender).toBe('WhatsApp');
    expect(detail.lastCode).toMatch(/^\d{6}$/);
  });
});

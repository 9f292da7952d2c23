import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/domain/index.js';
import { OrderFixture, SECOND, T0, iccid } from '../domain/order-fixture.js';

/**
 * Sandbox over the real SQLite store: SIM isolation, the SMS schedule rows (the play money is in
 * test/store/contract/customers.contract.test.ts, on both engines).
 */
let fx: OrderFixture;
afterEach(() => fx.close());

async function setup(rules: { liveOnSimulated?: boolean } = {}): Promise<OrderFixture> {
  fx = new OrderFixture(rules);
  await fx.seed();
  return fx;
}

async function sandboxPrincipal(email: string): Promise<Principal> {
  const customer = await fx.customers.createCustomer(email);
  const { key } = await fx.customers.createKey(customer.id, { sandbox: true });
  return { customerId: customer.id, apiKeyId: key.id };
}

interface DeliveryRow {
  order_id: string;
  kind: string;
  sim_iccid: string;
  due_at: number;
  delivered_at: number | null;
}

const deliveries = (): DeliveryRow[] =>
  fx.store.db.prepare<[], DeliveryRow>('SELECT * FROM sandbox_deliveries ORDER BY id').all();

describe('SIM isolation between sandbox and live orders', () => {
  it('never gives a sandbox order a real SIM, nor a live order a simulated one', async () => {
    await setup({ liveOnSimulated: false });
    await fx.addSim({ iccid: iccid(1) }); // /dev/ttyUSB-…: a real SIM
    await fx.addSim({ iccid: iccid(2), path: 'simulated:0' });
    const live = await fx.customer('live@example.com');
    const test = await sandboxPrincipal('test@example.com');
    expect(await fx.catalog.availability('tg', 'GB', false)).toBe(1);
    expect(await fx.catalog.availability('tg', 'GB', true)).toBe(1);

    const sandboxOrder = await fx.orders.purchase(test, { service: 'tg', country: 'GB' });
    expect(sandboxOrder).toMatchObject({ sandbox: true, simIccid: iccid(2) });
    expect(await fx.catalog.availability('tg', 'GB', true)).toBe(0);
    expect(await fx.catalog.availability('tg', 'GB', false)).toBe(1);
    await expect(fx.orders.purchase(test, { service: 'wa', country: 'GB' })).rejects.toMatchObject({
      code: 'no_numbers',
    });

    const liveOrder = await fx.orders.purchase(live, { service: 'tg', country: 'GB' });
    expect(liveOrder).toMatchObject({ sandbox: false, simIccid: iccid(1) });
    await expect(fx.orders.purchase(live, { service: 'wa', country: 'GB' })).rejects.toMatchObject({
      code: 'no_numbers',
    });
    const prices = await fx.catalog.prices({ service: 'wa', country: 'GB' }, true);
    expect(prices).toEqual([expect.objectContaining({ available: 0 })]);
  });

  it('lets live orders use simulated SIMs when liveOnSimulated is set (the demo)', async () => {
    await setup({ liveOnSimulated: true });
    await fx.addSim({ iccid: iccid(2), path: 'simulated:0' });
    const live = await fx.customer('live@example.com');
    expect(await fx.catalog.availability('tg', 'GB', false)).toBe(1);
    const order = await fx.orders.purchase(live, { service: 'tg', country: 'GB' });
    expect(order.simIccid).toBe(iccid(2));
    expect(deliveries()).toEqual([]); // live orders get no synthetic SMS
  });
});

describe('the synthetic SMS schedule', () => {
  it('writes a delivery row with the purchase, the retry and the swap of a sandbox order', async () => {
    await setup();
    await fx.addSim({ iccid: iccid(1), path: 'simulated:0' });
    await fx.addSim({ iccid: iccid(2), path: 'simulated:1' });
    const test = await sandboxPrincipal('test@example.com');
    const order = await fx.orders.purchase(test, { service: 'tg', country: 'GB' });
    expect(await fx.customers.balance(test.customerId, true)).toBe(1_000_000 - 5000);
    expect(await fx.customers.balance(test.customerId, false)).toBe(0);
    expect(deliveries()).toEqual([
      expect.objectContaining({
        order_id: order.id,
        kind: 'purchase',
        sim_iccid: order.simIccid,
        due_at: T0 + 3 * SECOND,
        delivered_at: null,
      }),
    ]);

    await fx.clock.advance(121 * SECOND);
    const { order: swapped } = await fx.orders.swap(test.customerId, order.id);
    expect(deliveries()[1]).toMatchObject({
      kind: 'swap',
      sim_iccid: swapped.simIccid,
      due_at: fx.clock.now() + 3 * SECOND,
    });

    const due = await fx.store.sandboxDeliveries.due(fx.clock.now() + 3 * SECOND, 10);
    expect(due.map((d) => [d.kind, d.slotPath, d.order.simIccid])).toEqual([
      ['purchase', 'simulated:0', iccid(2)],
      ['swap', 'simulated:1', iccid(2)],
    ]);
    expect(due[1]?.service).toEqual({ code: 'tg', name: 'Telegram' });
    await fx.store.sandboxDeliveries.complete(due[0]!.id, 'skipped', fx.clock.now());
    await fx.store.sandboxDeliveries.postpone(due[1]!.id, fx.clock.now() + 60 * SECOND);
    expect(await fx.store.sandboxDeliveries.due(fx.clock.now() + 3 * SECOND, 10)).toEqual([]);

    // A code arrives; the retry schedules the next one, a repeated retry does not.
    await fx.matching.onInboundSms({
      iccid: iccid(2),
      inboundMessageId: null,
      sender: 'Telegram',
      text: 'Your Telegram code is 48213.',
      sentAt: fx.clock.now(),
      receivedAt: fx.clock.now(),
    });
    await fx.orders.retry(test.customerId, order.id);
    await fx.orders.retry(test.customerId, order.id);
    expect(deliveries().map((d) => d.kind)).toEqual(['purchase', 'swap', 'retry']);
  });

  it('writes nothing for a refused sandbox purchase', async () => {
    await setup();
    await fx.addSim({ iccid: iccid(1) }); // real only: nothing for a sandbox key
    const test = await sandboxPrincipal('test@example.com');
    await expect(fx.orders.purchase(test, { service: 'tg', country: 'GB' })).rejects.toMatchObject({
      code: 'no_numbers',
    });
    expect(deliveries()).toEqual([]);
  });
});

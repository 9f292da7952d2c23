/**
 * SandboxDeliveryPort on both engines, with the sandbox's SIM isolation: sandbox orders get
 * simulated SIMs only, and their purchase, swap and retry schedule a synthetic SMS as a row that
 * `due`, `complete` and `postpone` work through (the play money is in
 * customers.contract.test.ts). On PostgreSQL each host sees only the rows of the SIMs it drives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/domain/index.js';
import { OrderFixture, SECOND, T0, iccid } from '../../unit/domain/order-fixture.js';
import { ENGINES, type EngineName } from './engines.js';

interface DeliveryRow {
  order_id: string;
  kind: string;
  sim_iccid: string;
  due_at: number;
  delivered_at: number | null;
}

for (const engine of ENGINES) {
  describe(`SandboxDeliveryPort on ${engine}`, () => {
    let fx: OrderFixture<EngineName>;
    afterEach(() => fx.close());

    async function setup(rules: { liveOnSimulated?: boolean } = {}): Promise<void> {
      fx = await OrderFixture.open(engine, rules);
      await fx.seed();
    }

    async function sandboxPrincipal(email: string): Promise<Principal> {
      const customer = await fx.customers.createCustomer(email);
      const { key } = await fx.customers.createKey(customer.id, { sandbox: true });
      return { customerId: customer.id, apiKeyId: key.id };
    }

    const deliveries = (): Promise<DeliveryRow[]> =>
      fx.rows<DeliveryRow>('SELECT * FROM sandbox_deliveries ORDER BY id');

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
        await expect(
          fx.orders.purchase(test, { service: 'wa', country: 'GB' }),
        ).rejects.toMatchObject({
          code: 'no_numbers',
        });

        const liveOrder = await fx.orders.purchase(live, { service: 'tg', country: 'GB' });
        expect(liveOrder).toMatchObject({ sandbox: false, simIccid: iccid(1) });
        await expect(
          fx.orders.purchase(live, { service: 'wa', country: 'GB' }),
        ).rejects.toMatchObject({
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
        expect(await deliveries()).toEqual([]); // live orders get no synthetic SMS
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
        expect(await deliveries()).toEqual([
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
        expect((await deliveries())[1]).toMatchObject({
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
        expect((await deliveries()).map((d) => d.kind)).toEqual(['purchase', 'swap', 'retry']);
      });

      it('completes a row once, and postpones only a row not yet delivered', async () => {
        await setup();
        await fx.addSim({ iccid: iccid(1), path: 'simulated:0' });
        const test = await sandboxPrincipal('test@example.com');
        await fx.orders.purchase(test, { service: 'tg', country: 'GB' });
        const later = T0 + 3 * SECOND;
        const [due] = await fx.store.sandboxDeliveries.due(later, 10);
        expect(due).toMatchObject({ kind: 'purchase', attempts: 0, slotPath: 'simulated:0' });
        await fx.store.sandboxDeliveries.postpone(due!.id, later + SECOND);
        expect(await fx.store.sandboxDeliveries.due(later, 10)).toEqual([]);
        const [again] = await fx.store.sandboxDeliveries.due(later + SECOND, 10);
        expect(again).toMatchObject({ id: due!.id, attempts: 1 });
        await fx.store.sandboxDeliveries.complete(due!.id, 'injected', later + SECOND);
        // A second report (another attempt finishing late) changes nothing.
        await fx.store.sandboxDeliveries.complete(due!.id, 'failed', later + 2 * SECOND);
        await fx.store.sandboxDeliveries.postpone(due!.id, later + 9 * SECOND);
        expect(await fx.store.sandboxDeliveries.due(later + 10 * SECOND, 10)).toEqual([]);
        expect(
          await fx.rows('SELECT attempts, delivered_at, outcome FROM sandbox_deliveries'),
        ).toEqual([{ attempts: 1, delivered_at: later + SECOND, outcome: 'injected' }]);
      });

      // Hosts share one PostgreSQL database; only the host driving a simulated modem can inject.
      if (engine === 'postgres') {
        it('gives each host the rows of the SIMs it drives only', async () => {
          await setup();
          const hostB = await fx.otherHost('host-b');
          await fx.addSim({ iccid: iccid(1), path: 'simulated:0' });
          await fx.addSim({ iccid: iccid(2), path: 'simulated:0' }, hostB.inventory);
          const test = await sandboxPrincipal('test@example.com');
          const first = await fx.orders.purchase(test, { service: 'tg', country: 'GB' });
          const second = await fx.orders.purchase(test, { service: 'tg', country: 'GB' });
          expect([first.simIccid, second.simIccid]).toEqual([iccid(1), iccid(2)]);
          const later = T0 + 3 * SECOND;
          const mine = await fx.store.sandboxDeliveries.due(later, 10);
          const theirs = await hostB.sandboxDeliveries.due(later, 10);
          expect(mine.map((d) => [d.orderId, d.simIccid])).toEqual([[first.id, iccid(1)]]);
          expect(theirs.map((d) => [d.orderId, d.simIccid])).toEqual([[second.id, iccid(2)]]);
        });
      }

      it('writes nothing for a refused sandbox purchase', async () => {
        await setup();
        await fx.addSim({ iccid: iccid(1) }); // real only: nothing for a sandbox key
        const test = await sandboxPrincipal('test@example.com');
        await expect(
          fx.orders.purchase(test, { service: 'tg', country: 'GB' }),
        ).rejects.toMatchObject({
          code: 'no_numbers',
        });
        expect(await deliveries()).toEqual([]);
      });
    });
  });
}

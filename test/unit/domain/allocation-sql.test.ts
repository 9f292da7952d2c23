import { afterEach, describe, expect, it } from 'vitest';
import {
  leastRecentlyUsed,
  OrderService,
  type AllocationPolicy,
} from '../../../src/domain/index.js';
import { ENGINES, type EngineName } from '../../store/contract/engines.js';
import { MINUTE, OrderFixture, iccid } from './order-fixture.js';

/** The same LRU rules, but not the built-in object: the store takes the JavaScript path. */
const lruInJs: AllocationPolicy = { name: 'lru', pick: (c) => leastRecentlyUsed.pick(c) };

async function run(engine: EngineName, policy: AllocationPolicy | undefined): Promise<string[]> {
  const fx = await OrderFixture.open(engine);
  try {
    await fx.seed();
    for (let i = 1; i <= 12; i++) await fx.addSim({ iccid: iccid(i) });
    const orders = new OrderService(fx.store.orders, fx.clock, policy ? { policy } : {});
    const c = await fx.customer('lru@example.com', 10_000_000, { maxOpenOrders: 100 });
    const picked: string[] = [];
    const services = ['tg', 'wa', 'go'];
    for (let step = 0; step < 40; step++) {
      const order = await orders.purchase(c, { service: services[step % 3]!, country: 'GB' });
      picked.push(order.simIccid);
      await fx.clock.advance(((step * 7) % 5) * 1000);
      if (step % 4 === 3) {
        await fx.clock.advance(3 * MINUTE);
        await orders.cancel(c.customerId, order.id);
      }
      if (step % 9 === 8) {
        await fx.clock.advance(21 * MINUTE);
        await orders.expireDue();
      }
    }
    return picked;
  } finally {
    await fx.close();
  }
}

for (const engine of ENGINES) {
  describe(`LRU allocation in SQL (sims.last_assigned_at index walk, ${engine})`, () => {
    let picked: string[] | undefined;
    afterEach(() => (picked = undefined));

    it('picks exactly what the leastRecentlyUsed policy picks from all candidates', async () => {
      picked = await run(engine, undefined);
      expect(picked).toEqual(await run(engine, lruInJs));
      expect(new Set(picked).size).toBe(12);
    });
  });
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSimpoolError, type ErrorCode } from '../../../src/shared/index.js';
import { ENGINES, type EngineName } from '../../store/contract/engines.js';
import { MINUTE, OrderFixture, T0, iccid } from './order-fixture.js';

async function refusedWith(
  promise: Promise<unknown>,
  code: ErrorCode,
): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    if (isSimpoolError(error, code)) return { ...error.details };
    throw error;
  }
  throw new Error(`expected ${code}, but it succeeded`);
}

for (const engine of ENGINES) {
  describe(`purchasing a number (${engine})`, () => {
    let fx: OrderFixture<EngineName>;
    beforeEach(async () => {
      fx = await OrderFixture.open(engine);
      await fx.seed();
    });
    afterEach(() => fx.close());

    it('creates a waiting order, debits the price and writes the event', async () => {
      await fx.addSim({ iccid: iccid(1), msisdn: '447700900001' });
      const alice = await fx.customer('alice@example.com', 100_000);
      const order = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
      expect(order).toMatchObject({
        status: 'waiting',
        service: 'tg',
        country: 'GB',
        priceUnits: 5000,
        simIccid: iccid(1),
        phoneNumber: '+447700900001',
        activationId: 100000001,
        createdAt: T0,
        holdUntil: T0 + 2 * MINUTE,
        expiresAt: T0 + 20 * MINUTE,
      });
      expect(order.id).toMatch(/^ord_[0-9A-Z]{26}$/);
      expect(await fx.customers.balance(alice.customerId)).toBe(95_000);
      const ledger = await fx.customers.ledger(alice.customerId);
      expect(ledger.items[0]).toMatchObject({
        type: 'purchase',
        amountUnits: -5000,
        balanceBeforeUnits: 100_000,
        balanceAfterUnits: 95_000,
        orderId: order.id,
      });
      const events = await fx.store.events.eventsSince(0, 100, { customerId: alice.customerId });
      expect(events.map((e) => e.type)).toEqual([
        'balance.changed',
        'balance.changed',
        'order.created',
      ]);
      expect(events[2]?.data).toMatchObject({ order_id: order.id, price: 0.5, status: 'waiting' });
      // The numeric sms-activate country id works as well; activation ids count up.
      await fx.addSim({ iccid: iccid(2) });
      const second = await fx.orders.purchase(alice, { service: 'tg', country: '16' });
      expect(second.activationId).toBe(100000002);
    });

    describe('refusals change nothing', () => {
      beforeEach(() => fx.addSim({ iccid: iccid(1) }));

      async function expectUnchanged(
        act: () => Promise<unknown>,
        code: ErrorCode,
      ): Promise<Record<string, unknown>> {
        const before = await fx.snapshot();
        const details = await refusedWith(act(), code);
        expect(await fx.snapshot()).toEqual(before);
        return details;
      }

      it('insufficient balance, with required and current in USD', async () => {
        const bob = await fx.customer('bob@example.com', 4999);
        const details = await expectUnchanged(
          () => fx.orders.purchase(bob, { service: 'tg', country: 'GB' }),
          'insufficient_balance',
        );
        expect(details).toEqual({ required: 0.5, current: 0.4999 });
      });

      it('unknown service and unknown country', async () => {
        const bob = await fx.customer('bob@example.com');
        await expectUnchanged(
          () => fx.orders.purchase(bob, { service: 'zz9', country: 'GB' }),
          'unknown_service',
        );
        await expectUnchanged(
          () => fx.orders.purchase(bob, { service: 'tg', country: '9999' }),
          'unknown_country',
        );
        await expectUnchanged(
          () => fx.orders.purchase(bob, { service: 'tg', country: 'XX' }),
          'unknown_country',
        );
      });

      it('a disabled service is unknown to buyers', async () => {
        const bob = await fx.customer('bob@example.com');
        await fx.catalog.updateService('tg', { enabled: false });
        await expectUnchanged(
          () => fx.orders.purchase(bob, { service: 'tg', country: 'GB' }),
          'unknown_service',
        );
      });

      it('max price below the price', async () => {
        const bob = await fx.customer('bob@example.com');
        const details = await expectUnchanged(
          () => fx.orders.purchase(bob, { service: 'tg', country: 'GB', maxPriceUnits: 4999 }),
          'max_price_exceeded',
        );
        expect(details).toEqual({ price: 0.5 });
        await fx.orders.purchase(bob, { service: 'tg', country: 'GB', maxPriceUnits: 5000 });
      });

      it('channels limit of the key', async () => {
        await fx.addSim({ iccid: iccid(2) });
        const bob = await fx.customer('bob@example.com', 100_000, { maxOpenOrders: 1 });
        await fx.orders.purchase(bob, { service: 'tg', country: 'GB' });
        await expectUnchanged(
          () => fx.orders.purchase(bob, { service: 'wa', country: 'GB' }),
          'channels_limit',
        );
      });

      it('banned customer, with the end of the ban', async () => {
        const bob = await fx.customer('bob@example.com');
        const until = T0 + 24 * 60 * MINUTE;
        await fx.customers.ban(bob.customerId, until);
        const details = await expectUnchanged(
          () => fx.orders.purchase(bob, { service: 'tg', country: 'GB' }),
          'key_banned',
        );
        expect(details).toEqual({ until: new Date(until).toISOString() });
      });

      it('no numbers in that country', async () => {
        const bob = await fx.customer('bob@example.com');
        await expectUnchanged(
          () => fx.orders.purchase(bob, { service: 'tg', country: 'DE' }),
          'no_numbers',
        );
        // sms-activate's virtual US (12) is listed but never sold.
        await expectUnchanged(
          () => fx.orders.purchase(bob, { service: 'tg', country: '12' }),
          'no_numbers',
        );
      });
    });
  });

  describe(`which SIMs a purchase may get (${engine})`, () => {
    let fx: OrderFixture<EngineName>;
    beforeEach(async () => {
      fx = await OrderFixture.open(engine, { maxCancelsPerService: 2, cooldownMs: 10 * MINUTE });
      await fx.seed();
    });
    afterEach(() => fx.close());

    async function buyer() {
      return fx.customer(`c${await fx.count('customers')}@example.com`, 1_000_000, {
        maxOpenOrders: 100,
      });
    }

    async function expectNoNumbers(service = 'tg'): Promise<void> {
      const c = await buyer();
      await refusedWith(fx.orders.purchase(c, { service, country: 'GB' }), 'no_numbers');
      expect(await fx.catalog.availability(service, 'GB')).toBe(0);
    }

    it('skips a SIM that is not ready', async () => {
      await fx.addSim({ iccid: iccid(1), status: 'degraded' });
      await expectNoNumbers();
    });

    it('skips a SIM that is not registered (roaming is fine)', async () => {
      await fx.addSim({ iccid: iccid(1), registration: 'searching' });
      await expectNoNumbers();
      await fx.addSim({ iccid: iccid(2), registration: 'roaming' });
      expect(await fx.catalog.availability('tg', 'GB')).toBe(1);
    });

    it('skips a SIM without a known number', async () => {
      await fx.addSim({ iccid: iccid(1), msisdn: null });
      await expectNoNumbers();
    });

    it('skips a SIM of another country', async () => {
      await fx.addSim({ iccid: iccid(1), country: 'DE' });
      await expectNoNumbers();
      expect(await fx.catalog.availability('tg', 'DE')).toBe(1);
    });

    it('skips a SIM in an open order', async () => {
      await fx.addSim({ iccid: iccid(1) });
      await fx.orders.purchase(await buyer(), { service: 'tg', country: 'GB' });
      await expectNoNumbers('wa');
    });

    it('never sells a SIM twice for one service, but does for another', async () => {
      await fx.addSim({ iccid: iccid(1) });
      const c = await buyer();
      const order = await fx.orders.purchase(c, { service: 'tg', country: 'GB' });
      await fx.matching.onInboundSms({
        iccid: iccid(1),
        inboundMessageId: 1,
        sender: 'Telegram',
        text: 'Telegram code: 48213',
        sentAt: T0 + 1000,
        receivedAt: T0 + 2000,
      });
      await fx.orders.finish(c.customerId, order.id);
      await fx.clock.advance(20 * MINUTE); // past the cooldown
      await expectNoNumbers('tg');
      expect(await fx.catalog.availability('wa', 'GB')).toBe(1);
    });

    it('skips a SIM blacklisted for the service', async () => {
      await fx.addSim({ iccid: iccid(1) });
      await fx.catalog.blacklist(iccid(1), 'tg', 'banned by Telegram');
      await expectNoNumbers('tg');
      expect(await fx.catalog.availability('wa', 'GB')).toBe(1);
      await fx.catalog.unblacklist(iccid(1), 'tg');
      expect(await fx.catalog.availability('tg', 'GB')).toBe(1);
    });

    it('skips a SIM cancelled N times for the service', async () => {
      await fx.addSim({ iccid: iccid(1) });
      const c = await buyer();
      for (let i = 0; i < 2; i++) {
        expect(await fx.catalog.availability('tg', 'GB')).toBe(1);
        const order = await fx.orders.purchase(c, { service: 'tg', country: 'GB' });
        await fx.clock.advance(2 * MINUTE);
        await fx.orders.cancel(c.customerId, order.id);
        await fx.clock.advance(10 * MINUTE);
      }
      await expectNoNumbers('tg');
      expect(await fx.catalog.availability('wa', 'GB')).toBe(1);
    });

    it('waits for the cooldown after a rental', async () => {
      await fx.addSim({ iccid: iccid(1) });
      const c = await buyer();
      const order = await fx.orders.purchase(c, { service: 'tg', country: 'GB' });
      await fx.clock.advance(2 * MINUTE);
      await fx.orders.cancel(c.customerId, order.id);
      await fx.clock.advance(10 * MINUTE - 1);
      await expectNoNumbers('wa');
      await fx.clock.advance(1);
      expect(await fx.catalog.availability('wa', 'GB')).toBe(1);
    });

    it('gives the least recently used SIM, never-used first', async () => {
      const c = await buyer();
      await fx.addSim({ iccid: iccid(1) });
      await fx.addSim({ iccid: iccid(2) });
      const first = await fx.orders.purchase(c, { service: 'tg', country: 'GB' });
      expect(first.simIccid).toBe(iccid(1)); // both new: by ICCID
      await fx.clock.advance(MINUTE);
      const second = await fx.orders.purchase(c, { service: 'wa', country: 'GB' });
      expect(second.simIccid).toBe(iccid(2));
      await fx.clock.advance(2 * MINUTE);
      await fx.orders.cancel(c.customerId, first.id);
      await fx.orders.cancel(c.customerId, second.id);
      await fx.clock.advance(10 * MINUTE);
      await fx.addSim({ iccid: iccid(3) });
      expect((await fx.orders.purchase(c, { service: 'go', country: 'GB' })).simIccid).toBe(
        iccid(3),
      );
      // SIM 1's rental started before SIM 2's.
      expect((await fx.orders.purchase(c, { service: 'go', country: 'GB' })).simIccid).toBe(
        iccid(1),
      );
    });
  });
}

/**
 * OrderPort on both engines when several processes share the database: on PostgreSQL several
 * hosts (a pool each, real concurrency), on SQLite several connections to the file. Every port
 * method, one by one, is under contract in the order domain tests, which run on both engines
 * (test/unit/domain/purchase.test.ts, order-lifecycle.test.ts, calls.test.ts,
 * allocation-sql.test.ts) and sandbox-deliveries.contract.test.ts; this suite holds what the
 * hosts race for: an SMS or a call reported twice, every host sweeping expiry, a cancel racing
 * the sweep, purchases from every host over a few SIMs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MatchingService,
  OrderService,
  type IncomingCallRecord,
  type InboundSms,
  type Principal,
} from '../../../src/domain/index.js';
import { ManualClock, isSimpoolError } from '../../../src/shared/index.js';
import { MINUTE, OrderFixture, SECOND, T0, iccid } from '../../unit/domain/order-fixture.js';
import { ENGINES, type EngineName } from './engines.js';

const HOSTS = 3;

for (const engine of ENGINES) {
  describe(`OrderPort on ${engine}, several hosts at once`, () => {
    let fx: OrderFixture<EngineName>;
    /** The services of every host: [0] is the fixture's own. */
    let hosts: { orders: OrderService; matching: MatchingService }[];
    let alice: Principal;

    beforeEach(async () => {
      fx = await OrderFixture.open(engine);
      await fx.seed();
      hosts = [{ orders: fx.orders, matching: fx.matching }];
      for (let i = 1; i < HOSTS; i++) {
        const store = await fx.otherHost(`host-${i}`);
        hosts.push({
          orders: new OrderService(store.orders, fx.clock),
          matching: new MatchingService(store.orders, fx.clock),
        });
      }
      alice = await fx.customer('alice@example.com', 100_000, { maxOpenOrders: 100 });
    });
    afterEach(() => fx.close());

    function sms(n: number, text = `Telegram code: ${48_210 + n}`): InboundSms {
      return {
        iccid: iccid(1),
        inboundMessageId: n,
        sender: 'Telegram',
        text,
        sentAt: fx.clock.now(),
        receivedAt: fx.clock.now(),
      };
    }

    it('matches an SMS reported by every host at once to its order once', async () => {
      await fx.addSim({ iccid: iccid(1) });
      const order = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
      for (const n of [1, 2]) {
        const results = await Promise.all(hosts.map((h) => h.matching.onInboundSms(sms(n))));
        expect(results.filter((r) => r.kind === 'matched')).toHaveLength(1);
        expect(results.filter((r) => r.kind === 'duplicate')).toEqual(
          Array.from({ length: HOSTS - 1 }, () => ({ kind: 'duplicate', orderId: order.id })),
        );
      }
      const detail = await fx.orders.get(alice.customerId, order.id);
      expect(detail).toMatchObject({ status: 'received', smsCount: 2, lastCode: '48212' });
      expect(detail.messages.map((m) => m.inboundMessageId)).toEqual([1, 2]);
      expect(await fx.count("sim_service_usage WHERE outcome = 'sold'")).toBe(1);
      expect(await fx.count("events WHERE type = 'sms.received'")).toBe(2);
    });

    it('records a call reported by every host at once once, and gives it to the order once', async () => {
      await fx.addSim({ iccid: iccid(1) });
      const order = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
      await fx.clock.advance(10 * SECOND);
      const call: IncomingCallRecord = {
        iccid: iccid(1),
        imei: null,
        caller: '+447700912345',
        startedAt: fx.clock.now() - 5 * SECOND,
        endedAt: fx.clock.now(),
        rings: 2,
        end: 'rejected',
      };
      const results = await Promise.all(hosts.map((h) => h.matching.onIncomingCall(call)));
      expect(results.filter((r) => r.kind === 'matched')).toEqual([
        expect.objectContaining({ code: '12345' }),
      ]);
      expect(results.filter((r) => r.kind === 'duplicate')).toHaveLength(HOSTS - 1);
      const detail = await fx.orders.get(alice.customerId, order.id);
      expect(detail.calls).toHaveLength(1);
      expect(detail).toMatchObject({ status: 'received', lastCode: '12345' });
      expect(await fx.count("events WHERE type = 'call.received'")).toBe(1);
    });

    it('closes and refunds each due order once when every host sweeps at once', async () => {
      for (let n = 1; n <= 8; n++) await fx.addSim({ iccid: iccid(n) });
      const orders = [];
      for (let n = 1; n <= 8; n++) {
        orders.push(
          await hosts[n % HOSTS]!.orders.purchase(alice, { service: 'tg', country: 'GB' }),
        );
      }
      // Half of them got a code (finished at the end, kept), half did not (expired, refunded).
      for (const [n, order] of orders.slice(0, 4).entries()) {
        await fx.matching.onInboundSms({ ...sms(n), iccid: order.simIccid });
      }
      await fx.clock.advance(20 * MINUTE);
      const reports = await Promise.all(hosts.map((h) => h.orders.expireDue()));
      const expired = reports.flatMap((r) => r.expired).sort();
      const finished = reports.flatMap((r) => r.finished).sort();
      expect(expired).toEqual(
        orders
          .slice(4)
          .map((o) => o.id)
          .sort(),
      );
      expect(finished).toEqual(
        orders
          .slice(0, 4)
          .map((o) => o.id)
          .sort(),
      );
      expect(await fx.count("ledger WHERE type = 'refund'")).toBe(4);
      expect(await fx.customers.balance(alice.customerId)).toBe(100_000 - 4 * 5000);
      expect(await fx.ledgerSum(alice.customerId)).toBe(100_000 - 4 * 5000);
      expect(await fx.orders.nextExpiry()).toBeNull();
      expect(await fx.count('order_numbers WHERE released_at IS NULL')).toBe(0);
    });

    it('refunds an order once when its cancel races the expiry sweep', async () => {
      await fx.addSim({ iccid: iccid(1) });
      // A service per round: three cancels would take the SIM off a service.
      for (const service of ['tg', 'wa', 'go', 'fb']) {
        const order = await fx.orders.purchase(alice, { service, country: 'GB' });
        await fx.clock.advance(20 * MINUTE);
        const [cancel, ...sweeps] = await Promise.allSettled([
          hosts[1]!.orders.cancel(alice.customerId, order.id),
          ...hosts.map((h) => h.orders.expireDue()),
        ]);
        const swept = sweeps.flatMap((s) => (s.status === 'fulfilled' ? s.value.expired : []));
        if (cancel.status === 'fulfilled') {
          expect(cancel.value.order.status).toBe('cancelled');
          expect(swept).toEqual([]);
        } else {
          expect(isSimpoolError(cancel.reason, 'bad_status')).toBe(true);
          expect(swept).toEqual([order.id]);
        }
        expect(sweeps.every((s) => s.status === 'fulfilled')).toBe(true);
        expect(await fx.count(`ledger WHERE type = 'refund' AND order_id = '${order.id}'`)).toBe(1);
      }
      expect(await fx.customers.balance(alice.customerId)).toBe(100_000);
    });

    /**
     * A host reads the time before it waits for the SIM (or its clock is a little behind): the
     * rental it starts must still not begin before the SIM's previous one ended, or the history
     * of one number would show two customers holding it at once.
     */
    it("starts a rental no earlier than the end of the SIM's previous one, whatever time the host read", async () => {
      await fx.addSim({ iccid: iccid(1) });
      const first = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
      await fx.addSim({ iccid: iccid(2) });
      const other = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
      expect([first.simIccid, other.simIccid]).toEqual([iccid(1), iccid(2)]);
      await fx.clock.advance(10 * MINUTE);
      const { order: cancelled } = await fx.orders.cancel(alice.customerId, first.id);
      // A host whose clock reads 8 minutes earlier: the release it cannot have seen yet.
      const behind = new OrderService(fx.store.orders, new ManualClock(T0 + 2 * MINUTE));
      const second = await behind.purchase(alice, { service: 'tg', country: 'GB' });
      expect(second.simIccid).toBe(iccid(1));
      expect(second.createdAt).toBeGreaterThanOrEqual(cancelled.closedAt!);
      expect(second.numberAssignedAt).toBeGreaterThanOrEqual(cancelled.closedAt!);
      // A swap onto a SIM released a moment ago, by a host 8 minutes behind again.
      await fx.clock.advance(10 * MINUTE);
      const { order: again } = await fx.orders.cancel(alice.customerId, second.id);
      const stillBehind = new OrderService(fx.store.orders, new ManualClock(T0 + 12 * MINUTE));
      const { order: swapped } = await stillBehind.swap(alice.customerId, other.id);
      expect(swapped.numberAssignedAt).toBeGreaterThanOrEqual(again.closedAt!);
      expect(swapped.simIccid).toBe(iccid(1));
      const history = await fx.rows<{
        order_id: string;
        assigned_at: number;
        released_at: number | null;
      }>(
        'SELECT order_id, assigned_at, released_at FROM order_numbers WHERE sim_iccid = ? ORDER BY id',
        [iccid(1)],
      );
      expect(history.map((row) => row.order_id)).toEqual([first.id, second.id, other.id]);
      for (let i = 1; i < history.length; i++) {
        expect(Number(history[i]!.assigned_at)).toBeGreaterThanOrEqual(
          Number(history[i - 1]!.released_at),
        );
      }
    });

    it('gives every SIM once to purchases from every host at once, and refuses only the rest', async () => {
      const sims = 6;
      for (let n = 1; n <= sims; n++) await fx.addSim({ iccid: iccid(n) });
      const attempts = await Promise.allSettled(
        Array.from({ length: 2 * sims }, (_, i) =>
          hosts[i % HOSTS]!.orders.purchase(alice, { service: 'tg', country: 'GB' }),
        ),
      );
      const sold = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value.simIccid] : []));
      expect(sold.sort()).toEqual(Array.from({ length: sims }, (_, i) => iccid(i + 1)));
      const refusals = attempts.flatMap((a) =>
        a.status === 'rejected' ? [a.reason as unknown] : [],
      );
      expect(refusals).toHaveLength(sims);
      expect(refusals.every((e) => isSimpoolError(e, 'no_numbers'))).toBe(true);
      expect(await fx.customers.balance(alice.customerId)).toBe(100_000 - sims * 5000);
      expect(await fx.ledgerSum(alice.customerId)).toBe(100_000 - sims * 5000);
    });
  });
}

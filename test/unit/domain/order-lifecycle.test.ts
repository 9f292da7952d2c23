import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/domain/index.js';
import { isSimpoolError, type ErrorCode } from '../../../src/shared/index.js';
import { ENGINES, type EngineName } from '../../store/contract/engines.js';
import { MINUTE, OrderFixture, SECOND, T0, iccid } from './order-fixture.js';

async function refusal(promise: Promise<unknown>): Promise<{ code: ErrorCode; details: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isSimpoolError(error)) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('expected a refusal');
}

const TELEGRAM_1 =
  'Telegram code: 48213\n\nYou can also tap on this link to log in:\nhttps://t.me/login/48213';
const TELEGRAM_2 =
  'Login code: 73105. Do not give this code to anyone, even if they say they are from Telegram!\n\nThis code can be used to log in to your Telegram account. We never ask it for anything else.';

for (const engine of ENGINES) {
  describe(`an order after purchase (${engine})`, () => {
    let fx: OrderFixture<EngineName>;
    let alice: Principal;
    beforeEach(async () => {
      fx = await OrderFixture.open(engine);
      await fx.seed();
      await fx.addSim({ iccid: iccid(1) });
      alice = await fx.customer('alice@example.com', 20_000);
    });
    afterEach(() => fx.close());

    function sms(n: number, text: string, sentAt = fx.clock.now() - SECOND) {
      return fx.matching.onInboundSms({
        iccid: iccid(1),
        inboundMessageId: n,
        sender: 'Telegram',
        text,
        sentAt,
        receivedAt: fx.clock.now(),
      });
    }

    it('cannot be cancelled inside the hold, and is refunded after it', async () => {
      const order = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
      await fx.clock.advance(100 * SECOND);
      const before = await fx.snapshot();
      expect(await refusal(fx.orders.cancel(alice.customerId, order.id))).toEqual({
        code: 'too_early',
        details: { secondsRemaining: 20 },
      });
      expect(await fx.snapshot()).toEqual(before);
      await fx.clock.advance(20 * SECOND);
      const { order: cancelled, refundUnits } = await fx.orders.cancel(
        alice.customerId,
        String(order.activationId),
      );
      expect(refundUnits).toBe(5000);
      expect(cancelled).toMatchObject({ status: 'cancelled', closedAt: T0 + 2 * MINUTE });
      const [refund] = (await fx.customers.ledger(alice.customerId)).items;
      expect(refund).toMatchObject({
        type: 'refund',
        amountUnits: 5000,
        balanceBeforeUnits: 15_000,
        balanceAfterUnits: 20_000,
        orderId: order.id,
      });
      expect(await fx.customers.balance(alice.customerId)).toBe(20_000);
      const detail = await fx.orders.get(alice.customerId, order.id);
      expect(detail.numbers).toEqual([
        expect.objectContaining({
          simIccid: iccid(1),
          releasedAt: T0 + 2 * MINUTE,
          releaseReason: 'cancelled',
        }),
      ]);
      expect((await refusal(fx.orders.cancel(alice.customerId, order.id))).code).toBe('bad_status');
    });

    it('swaps to another SIM, freeing the old one, and refuses when there is none', async () => {
      const order = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
      await fx.clock.advance(2 * MINUTE);
      const before = await fx.snapshot();
      expect((await refusal(fx.orders.swap(alice.customerId, order.id))).code).toBe('no_numbers');
      expect(await fx.snapshot()).toEqual(before);
      expect((await fx.orders.get(alice.customerId, order.id)).simIccid).toBe(iccid(1));

      await fx.addSim({ iccid: iccid(2), msisdn: '+447700900222' });
      const { order: swapped, previousNumber } = await fx.orders.swap(alice.customerId, order.id);
      expect(previousNumber).toBe(order.phoneNumber);
      expect(swapped).toMatchObject({
        id: order.id,
        status: 'waiting',
        simIccid: iccid(2),
        phoneNumber: '+447700900222',
        holdUntil: T0 + 4 * MINUTE,
        expiresAt: T0 + 22 * MINUTE,
      });
      const detail = await fx.orders.get(alice.customerId, order.id);
      expect(detail.numbers.map((n) => [n.simIccid, n.releaseReason])).toEqual([
        [iccid(1), 'swapped'],
        [iccid(2), null],
      ]);
      // The old SIM is free again for anybody; the swap cost nothing.
      expect(await fx.catalog.availability('wa', 'GB')).toBe(1);
      expect(await fx.customers.balance(alice.customerId)).toBe(15_000);
      // The hold restarted with the new number.
      expect((await refusal(fx.orders.swap(alice.customerId, order.id))).code).toBe('too_early');
    });

    it('receives a code, retries, receives the next code and finishes', async () => {
      const order = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
      await fx.clock.advance(30 * SECOND);
      expect((await refusal(fx.orders.retry(alice.customerId, order.id))).code).toBe('bad_status');
      const first = await sms(1, TELEGRAM_1);
      expect(first).toMatchObject({
        kind: 'matched',
        code: '48213',
        order: { status: 'received', smsCount: 1 },
      });
      expect((await refusal(fx.orders.cancel(alice.customerId, order.id))).code).toBe('bad_status');
      expect((await fx.orders.retry(alice.customerId, order.id)).status).toBe('retry');
      expect((await fx.orders.retry(alice.customerId, order.id)).status).toBe('retry');
      await fx.clock.advance(30 * SECOND);
      const second = await sms(2, TELEGRAM_2);
      expect(second).toMatchObject({
        kind: 'matched',
        code: '73105',
        order: { status: 'received', smsCount: 2, lastCode: '73105' },
      });
      expect(await sms(2, TELEGRAM_2)).toEqual({ kind: 'duplicate', orderId: order.id });
      const finished = await fx.orders.finish(alice.customerId, order.id);
      expect(finished).toMatchObject({ status: 'finished', closedAt: T0 + MINUTE });
      const detail = await fx.orders.get(alice.customerId, order.id);
      expect(detail.messages.map((m) => [m.code, m.text])).toEqual([
        ['48213', TELEGRAM_1],
        ['73105', TELEGRAM_2],
      ]);
      const usage = await fx.rows('SELECT outcome FROM sim_service_usage');
      expect(usage).toEqual([{ outcome: 'sold' }]);
      const events = await fx.store.events.eventsSince(0, 100, { customerId: alice.customerId });
      const smsEvent = events.find((e) => e.type === 'sms.received');
      expect(smsEvent?.data).toEqual({
        order_id: order.id,
        activation_id: order.activationId,
        phone_number: order.phoneNumber,
        service: 'tg',
        country: 'GB',
        code: '48213',
        full_text: TELEGRAM_1,
        sender: 'Telegram',
        received_at: new Date(T0 + 30 * SECOND).toISOString(),
      });
      expect(events.map((e) => e.type).filter((t) => t.startsWith('order.'))).toEqual([
        'order.created',
        'order.updated',
        'order.finished',
      ]);
      expect(await fx.customers.balance(alice.customerId)).toBe(15_000);
    });

    it('keeps a late SMS for a cancelled order away from the next customer on that SIM', async () => {
      const bob = await fx.customer('bob@example.com', 20_000);
      const first = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
      const sentForAlice = fx.clock.now() + 5 * SECOND; // sent, then delayed in the network
      await fx.clock.advance(2 * MINUTE);
      await fx.orders.cancel(alice.customerId, first.id);
      await fx.clock.advance(3 * MINUTE);
      const second = await fx.orders.purchase(bob, { service: 'tg', country: 'GB' });
      expect(second.simIccid).toBe(iccid(1));
      await fx.clock.advance(MINUTE);
      expect(await sms(1, TELEGRAM_1, sentForAlice)).toEqual({
        kind: 'unmatched',
        reason: 'sent_before_assignment',
      });
      expect((await fx.orders.get(bob.customerId, second.id)).status).toBe('waiting');
      expect(await fx.count('order_messages')).toBe(0);
      expect(await sms(2, TELEGRAM_2)).toMatchObject({ kind: 'matched', code: '73105' });
    });

    it('leaves an SMS on a SIM without an open order unmatched', async () => {
      expect(await sms(1, TELEGRAM_1)).toEqual({ kind: 'unmatched', reason: 'no_open_order' });
    });

    it('expires without SMS (refunded) and finishes with one, across a restart', async () => {
      await fx.addSim({ iccid: iccid(2) });
      const quiet = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
      const answered = await fx.orders.purchase(alice, { service: 'wa', country: 'GB' });
      expect(answered.simIccid).toBe(iccid(2));
      await fx.matching.onInboundSms({
        iccid: iccid(2),
        inboundMessageId: 7,
        sender: 'WhatsApp',
        text: 'Your WhatsApp code: 123-456',
        sentAt: T0 + SECOND,
        receivedAt: T0 + 2 * SECOND,
      });
      expect(await fx.orders.nextExpiry()).toBe(T0 + 20 * MINUTE);
      await fx.reopen(); // the daemon restarts: the timers are rows
      await fx.clock.advance(20 * MINUTE - 1);
      expect(await fx.orders.expireDue()).toEqual({ expired: [], finished: [] });
      await fx.clock.advance(1);
      expect(await fx.orders.expireDue()).toEqual({ expired: [quiet.id], finished: [answered.id] });
      expect(await fx.orders.expireDue()).toEqual({ expired: [], finished: [] });
      expect((await fx.orders.get(alice.customerId, quiet.id)).status).toBe('expired');
      expect((await fx.orders.get(alice.customerId, answered.id)).status).toBe('finished');
      expect(await fx.customers.balance(alice.customerId)).toBe(15_000);
      expect(await fx.ledgerSum(alice.customerId)).toBe(15_000);
      const usage = await fx.rows(
        'SELECT sim_iccid, service, outcome FROM sim_service_usage ORDER BY id',
      );
      expect(usage).toEqual([
        { sim_iccid: iccid(2), service: 'wa', outcome: 'sold' },
        { sim_iccid: iccid(1), service: 'tg', outcome: 'expired' },
      ]);
      expect(await fx.orders.nextExpiry()).toBeNull();
    });

    it('hides one customer’s order from another', async () => {
      const mallory = await fx.customer('mallory@example.com', 20_000);
      const order = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
      await fx.clock.advance(5 * MINUTE);
      for (const ref of [order.id, String(order.activationId)]) {
        expect((await refusal(fx.orders.get(mallory.customerId, ref))).code).toBe(
          'order_not_found',
        );
        expect((await refusal(fx.orders.cancel(mallory.customerId, ref))).code).toBe(
          'order_not_found',
        );
        expect((await refusal(fx.orders.swap(mallory.customerId, ref))).code).toBe(
          'order_not_found',
        );
        expect((await refusal(fx.orders.finish(mallory.customerId, ref))).code).toBe(
          'order_not_found',
        );
        expect((await refusal(fx.orders.retry(mallory.customerId, ref))).code).toBe(
          'order_not_found',
        );
      }
      expect((await fx.orders.list(mallory.customerId)).items).toEqual([]);
      expect((await fx.orders.get(alice.customerId, order.id)).status).toBe('waiting');
    });

    it('lists a customer’s orders newest first, page by page', async () => {
      for (let i = 2; i <= 5; i++) await fx.addSim({ iccid: iccid(i) });
      const big = await fx.customer('big@example.com', 100_000);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await fx.orders.purchase(big, { service: 'tg', country: 'GB' })).id);
      const page1 = await fx.orders.list(big.customerId, { limit: 2 });
      expect(page1.items.map((o) => o.id)).toEqual([ids[4], ids[3]]);
      const page2 = await fx.orders.list(big.customerId, { limit: 2, cursor: page1.nextCursor! });
      const page3 = await fx.orders.list(big.customerId, { limit: 2, cursor: page2.nextCursor! });
      expect([...page2.items, ...page3.items].map((o) => o.id)).toEqual([ids[2], ids[1], ids[0]]);
      expect(page3.nextCursor).toBeNull();
      expect((await fx.orders.list(big.customerId, { status: 'finished' })).items).toEqual([]);
    });
  });
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callCode, type IncomingCallRecord, type Principal } from '../../../src/domain/index.js';
import { isSimpoolError } from '../../../src/shared/index.js';
import type { SqliteStore } from '../../../src/store/index.js';
import { ENGINES, type EngineName } from '../../store/contract/engines.js';
import { MINUTE, OrderFixture, SECOND, T0, iccid } from './order-fixture.js';

for (const engine of ENGINES) {
  describe(`incoming calls as data (${engine})`, () => {
    let fx: OrderFixture<EngineName>;
    let alice: Principal;
    beforeEach(async () => {
      fx = await OrderFixture.open(engine);
      await fx.seed();
      await fx.addSim({ iccid: iccid(1) });
      alice = await fx.customer('alice@example.com', 20_000);
    });
    afterEach(() => fx.close());

    function call(overrides: Partial<IncomingCallRecord> = {}): IncomingCallRecord {
      const now = fx.clock.now();
      return {
        iccid: iccid(1),
        imei: '356938035643809',
        caller: '+447700912345',
        startedAt: now - 5 * SECOND,
        endedAt: now,
        rings: 1,
        end: 'rejected',
        ...overrides,
      };
    }

    function callRows() {
      return fx.rows<{ sim_iccid: string; order_id: string | null; code: string | null }>(
        'SELECT sim_iccid, order_id, code FROM calls ORDER BY id',
      );
    }

    it('gives a call to the open order; a missed-call service reads the caller’s last digits', async () => {
      const order = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
      await fx.clock.advance(30 * SECOND);
      const result = await fx.matching.onIncomingCall(call());
      expect(result).toMatchObject({ kind: 'matched', code: '12345' });
      const detail = await fx.orders.get(alice.customerId, order.id);
      expect(detail.status).toBe('received');
      expect(detail.lastCode).toBe('12345');
      expect(detail.calls).toEqual([
        {
          id: expect.any(Number) as number,
          caller: '+447700912345',
          code: '12345',
          rings: 1,
          startedAt: T0 + 25 * SECOND,
          endedAt: T0 + 30 * SECOND,
        },
      ]);
      const events = await fx.store.events.eventsSince(0, 100);
      const received = events.filter((e) => e.type === 'call.received');
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({
        customerId: alice.customerId,
        orderId: order.id,
        data: {
          order_id: order.id,
          caller: '+447700912345',
          code: '12345',
          rings: 1,
          started_at: new Date(T0 + 25 * SECOND).toISOString(),
        },
      });
      // The code sold the number: the order finishes at its end, nothing is refunded.
      await fx.clock.advance(20 * MINUTE);
      expect(await fx.orders.expireDue()).toEqual({ expired: [], finished: [order.id] });
      expect(await fx.customers.balance(alice.customerId)).toBe(15_000);
    });

    // The PostgreSQL webhook repository is written on another branch: SQLite only until then.
    if (engine === 'sqlite') {
      it('a webhook endpoint subscribed to call.received gets the call with its code', async () => {
        const { webhooks } = fx.store as SqliteStore;
        await webhooks.insertEndpoint({
          id: 'whe_calls',
          customerId: alice.customerId,
          url: 'https://hooks.example.com/calls',
          events: ['call.received'],
          description: '',
          thresholdUnits: null,
          secret: 'whsec_test',
          now: fx.clock.now(),
        });
        await fx.clock.advance(SECOND);
        const order = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
        await fx.matching.onIncomingCall(call({ startedAt: fx.clock.now() }));
        await webhooks.fanOut(100, fx.clock.now());
        const due = await webhooks.claimDue(fx.clock.now(), 10);
        expect(due.map((d) => d.eventType)).toEqual(['call.received']);
        const body = JSON.parse(due[0]?.payload ?? '{}') as { type: string; data: unknown };
        expect(body.type).toBe('call.received');
        expect(body.data).toMatchObject({
          order_id: order.id,
          caller: '+447700912345',
          code: '12345',
        });
      });
    }

    it('a service that does not verify by call gets the call without a code; the order still waits', async () => {
      const order = await fx.orders.purchase(alice, { service: 'fb', country: 'GB' });
      const result = await fx.matching.onIncomingCall(call({ startedAt: fx.clock.now() }));
      expect(result).toMatchObject({ kind: 'matched', code: null });
      const detail = await fx.orders.get(alice.customerId, order.id);
      expect(detail.status).toBe('waiting');
      expect(detail.calls).toHaveLength(1);
      await fx.clock.advance(20 * MINUTE);
      expect(await fx.orders.expireDue()).toEqual({ expired: [order.id], finished: [] });
    });

    it('records a call on its SIM without an order, once however often it is reported', async () => {
      expect(await fx.matching.onIncomingCall(call())).toMatchObject({
        kind: 'unmatched',
        reason: 'no_open_order',
      });
      expect(await fx.matching.onIncomingCall(call())).toEqual({ kind: 'duplicate' });
      expect(await callRows()).toEqual([{ sim_iccid: iccid(1), order_id: null, code: null }]);
    });

    it('a call that rang before the number was assigned is not the new renter’s', async () => {
      const early = call({ startedAt: T0 - 10 * MINUTE, endedAt: T0 - 10 * MINUTE });
      const order = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
      expect(await fx.matching.onIncomingCall(early)).toMatchObject({
        kind: 'unmatched',
        reason: 'sent_before_assignment',
      });
      const detail = await fx.orders.get(alice.customerId, order.id);
      expect(detail.calls).toEqual([]);
      expect(detail.status).toBe('waiting');
    });

    it('a coded call then an SMS sells the (SIM, service) pair once', async () => {
      await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
      await fx.matching.onIncomingCall(call({ startedAt: fx.clock.now() }));
      await fx.matching.onInboundSms({
        iccid: iccid(1),
        inboundMessageId: 1,
        sender: 'Telegram',
        text: 'Telegram code: 48213',
        sentAt: fx.clock.now(),
        receivedAt: fx.clock.now(),
      });
      expect(await fx.count("sim_service_usage WHERE outcome = 'sold'")).toBe(1);
    });

    it('seeds call verification for WhatsApp, Viber and Telegram; the operator may change it', async () => {
      expect((await fx.catalog.getService('wa')).callCodeDigits).toBe(6);
      expect((await fx.catalog.getService('tg')).callCodeDigits).toBe(5);
      expect((await fx.catalog.getService('fb')).callCodeDigits).toBeNull();
      expect((await fx.catalog.updateService('fb', { callCodeDigits: 4 })).callCodeDigits).toBe(4);
      expect((await fx.catalog.getService('fb')).callCodeDigits).toBe(4);
      for (const bad of [0, 13, 2.5]) {
        await expect(fx.catalog.updateService('fb', { callCodeDigits: bad })).rejects.toSatisfy(
          (e) => isSimpoolError(e, 'validation_failed'),
        );
      }
      expect((await fx.catalog.getService('fb')).callCodeDigits).toBe(4);
      expect((await fx.catalog.updateService('fb', { callCodeDigits: null })).callCodeDigits).toBe(
        null,
      );
    });
  });
}

describe('callCode', () => {
  it('takes the last digits of the caller; none when withheld, too short, or not a call service', () => {
    expect(callCode('+44 7700 912345', 5)).toBe('12345');
    expect(callCode('07700912345', 6)).toBe('912345');
    expect(callCode(null, 5)).toBeNull();
    expect(callCode('+123', 5)).toBeNull();
    expect(callCode('+447700912345', null)).toBeNull();
  });
});

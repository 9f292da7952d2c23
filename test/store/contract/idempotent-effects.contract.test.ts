/**
 * The effects of keyed requests on both engines (common/idempotent-effects.ts): a purchase, a
 * swap and a message send record their Idempotency-Key claim in their own transaction; the
 * re-run of a retry that took the claim over (its holder died) answers with the same resource
 * instead of a second one, and an attempt whose claim was taken over is refused, writing nothing.
 *
 * The first holder is a host with no row in `hosts` (dead from the start), so its claim gives
 * way to the next claim at once, as a crashed host's does once reaped.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MessagingService,
  type ClaimHolder,
  type ClaimedIdempotencyKey,
  type Principal,
} from '../../../src/domain/index.js';
import { isSimpoolError } from '../../../src/shared/index.js';
import { MINUTE, OrderFixture, iccid } from '../../unit/domain/order-fixture.js';
import { ENGINES, type EngineName } from './engines.js';

const DEAD_HOST: ClaimHolder = { hostId: 'host-gone', epoch: 1 };

for (const engine of ENGINES) {
  describe(`idempotent effects on ${engine}`, () => {
    let fx: OrderFixture<EngineName>;
    let alice: Principal;
    let attempts: number;

    beforeEach(async () => {
      fx = await OrderFixture.open(engine);
      await fx.seed();
      for (const n of [1, 2, 3]) await fx.addSim({ iccid: iccid(n) });
      alice = await fx.customer('alice@example.com', 100_000);
      attempts = 0;
    });
    afterEach(() => fx.close());

    /** Claims `key` as the API does (the first holder is dead); the claim the request carries. */
    async function claim(key: string, fingerprint = 'fp'): Promise<ClaimedIdempotencyKey> {
      const scope = `${alice.customerId}:live`;
      const claimId = `attempt-${++attempts}`;
      const now = fx.clock.now();
      const found = await fx.store.idempotency.claim(
        { scope, key, fingerprint, claimId, holder: attempts === 1 ? DEAD_HOST : null },
        now,
        { expiredBefore: now - 86_400_000, abandonedBefore: now - 300_000 },
      );
      expect(found).toBeNull();
      return { scope, key, claimId };
    }

    const refused = (promise: Promise<unknown>) =>
      promise.then(
        () => 'done',
        (error: unknown) => (isSimpoolError(error, 'idempotency_conflict') ? 'conflict' : error),
      );

    it('a purchase re-run after a takeover returns the same order, charged once', async () => {
      const first = await claim('buy-1');
      const bought = await fx.orders.purchase(alice, {
        service: 'tg',
        country: 'GB',
        claimedKey: first,
      });
      const before = await fx.snapshot();
      const retry = await claim('buy-1');
      const again = await fx.orders.purchase(alice, {
        service: 'tg',
        country: 'GB',
        claimedKey: retry,
      });
      expect(again).toEqual(bought);
      expect(await fx.snapshot()).toEqual(before);
      expect(await fx.count("ledger WHERE type = 'purchase'")).toBe(1);
      expect(await fx.customers.balance(alice.customerId)).toBe(100_000 - bought.priceUnits);
      expect(
        await fx.rows('SELECT effect_kind, effect_id, claim_id FROM idempotency_keys'),
      ).toEqual([{ effect_kind: 'order', effect_id: bought.id, claim_id: retry.claimId }]);
    });

    it('an attempt whose claim was taken over buys nothing; the taker buys once', async () => {
      const first = await claim('buy-2');
      const retry = await claim('buy-2');
      const before = await fx.snapshot();
      const late = fx.orders.purchase(alice, { service: 'tg', country: 'GB', claimedKey: first });
      expect(await refused(late)).toBe('conflict');
      expect(await fx.snapshot()).toEqual(before);
      const bought = await fx.orders.purchase(alice, {
        service: 'tg',
        country: 'GB',
        claimedKey: retry,
      });
      expect(await fx.count('orders')).toBe(1);
      expect(
        await refused(
          fx.orders.purchase(alice, { service: 'tg', country: 'GB', claimedKey: first }),
        ),
      ).toBe('conflict');
      expect((await fx.orders.list(alice.customerId)).items.map((o) => o.id)).toEqual([bought.id]);
    });

    it('a swap re-run after a takeover answers the same swap, not a second one', async () => {
      const order = await fx.orders.purchase(alice, { service: 'tg', country: 'GB' });
      await fx.clock.advance(2 * MINUTE); // past the hold
      const first = await claim('swap-1');
      const swapped = await fx.orders.swap(alice.customerId, order.id, first);
      expect(swapped.previousNumber).toBe(order.phoneNumber);
      expect(swapped.order.phoneNumber).not.toBe(order.phoneNumber);
      const before = await fx.snapshot();
      const again = await fx.orders.swap(alice.customerId, order.id, await claim('swap-1'));
      expect(again).toEqual(swapped);
      expect(await fx.snapshot()).toEqual(before);
      expect(await fx.count('order_numbers')).toBe(2);
    });

    it('a message send re-run after a takeover answers the same message: one message, one SMS', async () => {
      const messaging = new MessagingService(fx.store.messaging, fx.clock);
      const principal = { ...alice, scopes: ['messages' as const], sandbox: false };
      const input = { to: '+447700900123', body: 'Your table is ready' };
      const first = await claim('send-1');
      const queued = await messaging.send({ ...input, claimedKey: first }, principal);
      const again = await messaging.send(
        { ...input, claimedKey: await claim('send-1') },
        principal,
      );
      expect(again).toEqual(queued);
      expect(await fx.count('outbound_messages')).toBe(1);
      expect(await fx.count('outbound_parts')).toBe(queued.parts);
      const late = messaging.send({ ...input, claimedKey: first }, principal);
      expect(await refused(late)).toBe('conflict');
      expect(await fx.count('outbound_messages')).toBe(1);
    });
  });
}

/**
 * WebhookPort on both engines, endpoints and fan-out: endpoints scoped to their owner (changes,
 * deactivation, un-pausing, deletion with the log) and the fan-out of outbox events into one
 * delivery per (endpoint, event). Claims and outcomes: webhook-claims.contract.test.ts; the
 * cross-host races: ../postgres-webhook-races.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from './engines.js';
import { HOUR, MINUTE, T0, endpoint, sms, useWebhookDatabase } from './webhook-fixtures.js';

for (const engine of ENGINES) {
  describe(`WebhookPort endpoints and fan-out on ${engine}`, () => {
    const w = useWebhookDatabase(engine);

    describe('endpoints', () => {
      it("are their owner's: another customer neither sees, changes nor deletes them", async () => {
        const mine = await w.store.webhooks.insertEndpoint(endpoint('cus_1'));
        const admin = await w.store.webhooks.insertEndpoint(endpoint(null, ['modem.offline']));
        expect(mine).toMatchObject({
          customerId: 'cus_1',
          events: ['sms.received'],
          active: true,
          paused: false,
          pausedAt: null,
          pauseReason: null,
          failureCount: 0,
          failingSince: null,
          createdAt: T0 - HOUR,
          updatedAt: T0 - HOUR,
        });
        expect(mine).not.toHaveProperty('secret');
        const other = { customerId: 'cus_2' };
        expect(await w.store.webhooks.getEndpoint({ customerId: 'cus_1' }, mine.id)).toEqual(mine);
        expect(await w.store.webhooks.getEndpoint(other, mine.id)).toBeUndefined();
        expect(await w.store.webhooks.getEndpoint(other, admin.id)).toBeUndefined();
        expect(await w.store.webhooks.getEndpoint({ admin: true }, mine.id)).toEqual(mine);
        expect(await w.store.webhooks.listEndpoints({ customerId: 'cus_1' })).toEqual([mine]);
        expect(await w.store.webhooks.listEndpoints(other)).toEqual([]);
        expect(await w.store.webhooks.listEndpoints({ admin: true })).toEqual([mine, admin]);
        expect(
          await w.store.webhooks.updateEndpoint(other, mine.id, { url: 'x' }, T0),
        ).toBeUndefined();
        expect(await w.store.webhooks.deleteEndpoint(other, mine.id)).toBe(false);
        expect(await w.store.webhooks.getEndpoint({ admin: true }, mine.id)).toEqual(mine);
      });

      it('updates what the patch names; deactivating cancels the queue, un-pausing makes it due now', async () => {
        const e = await w.store.webhooks.insertEndpoint(endpoint('cus_1'));
        await w.store.append([sms('cus_1', 1), sms('cus_1', 2)]);
        expect(await w.store.webhooks.fanOut(100, T0)).toBe(2);
        const scope = { customerId: 'cus_1' };

        const paused = await w.store.webhooks.updateEndpoint(
          scope,
          e.id,
          { paused: true, pausedAt: T0, pauseReason: 'manual', description: 'on hold' },
          T0 + 1,
        );
        expect(paused).toMatchObject({
          paused: true,
          pausedAt: T0,
          pauseReason: 'manual',
          description: 'on hold',
          url: e.url,
          updatedAt: T0 + 1,
        });
        // Paused by its owner: nothing claimed, nothing due.
        expect(await w.store.webhooks.claimDue(T0 + HOUR, 10)).toEqual([]);
        expect(await w.store.webhooks.nextDueAt()).toBeNull();

        // Retried later than now, then un-paused by hand: due at once.
        await w.exec('UPDATE webhook_deliveries SET next_attempt_at = ?', [T0 + 5 * HOUR]);
        await w.store.webhooks.updateEndpoint(
          scope,
          e.id,
          { paused: false, pausedAt: null, pauseReason: null, failureCount: 0, failingSince: null },
          T0 + 2,
        );
        expect(await w.store.webhooks.nextDueAt()).toBe(T0 + 2);

        const off = await w.store.webhooks.updateEndpoint(scope, e.id, { active: false }, T0 + 3);
        expect(off).toMatchObject({ active: false, updatedAt: T0 + 3 });
        expect((await w.deliveries()).map((d) => d.status)).toEqual(['cancelled', 'cancelled']);
        const log = await w.store.webhooks.listDeliveries(e.id, { limit: 10 });
        expect(log.items.map((d) => [d.status, d.nextAttemptAt, d.errorMessage])).toEqual([
          ['cancelled', null, 'endpoint disabled'],
          ['cancelled', null, 'endpoint disabled'],
        ]);
      });

      it('deletes an endpoint with its delivery log', async () => {
        const e = await w.store.webhooks.insertEndpoint(endpoint('cus_1'));
        await w.store.append([sms('cus_1', 1)]);
        await w.store.webhooks.fanOut(100, T0);
        expect(await w.store.webhooks.deleteEndpoint({ customerId: 'cus_1' }, e.id)).toBe(true);
        expect(await w.store.webhooks.deleteEndpoint({ admin: true }, e.id)).toBe(false);
        expect(await w.deliveries()).toEqual([]);
        expect(await w.store.webhooks.listEndpoints({ admin: true })).toEqual([]);
      });
    });

    describe('fan-out', () => {
      it('makes one delivery per subscribed endpoint and event, and advances past them', async () => {
        const one = await w.store.webhooks.insertEndpoint(endpoint('cus_1'));
        const two = await w.store.webhooks.insertEndpoint(endpoint('cus_2'));
        const all = await w.store.webhooks.insertEndpoint(endpoint(null));
        await w.store.webhooks.insertEndpoint(endpoint('cus_1', ['order.cancelled']));
        // Created after the events: it does not get them.
        await w.store.webhooks.insertEndpoint(endpoint('cus_1', ['sms.received'], T0 + MINUTE));
        await w.store.append([sms('cus_1', 1), sms('cus_2', 2), sms('cus_1', 3)]);

        expect(await w.store.webhooks.fanOut(2, T0)).toBe(2);
        expect(await w.store.webhooks.fanOut(2, T0)).toBe(1);
        expect(await w.store.webhooks.fanOut(2, T0)).toBe(0);
        const made = await w.deliveries();
        const queue = (id: string) => made.filter((d) => d.endpoint_id === id);
        expect([one, two, all].map((e) => queue(e.id).length)).toEqual([2, 1, 3]);
        expect(made).toHaveLength(6);
        expect(made.every((d) => d.status === 'pending' && d.claimed_by_host === null)).toBe(true);

        const log = await w.store.webhooks.listDeliveries(all.id, { limit: 2 });
        expect(log.items).toHaveLength(2);
        const rest = await w.store.webhooks.listDeliveries(all.id, {
          limit: 2,
          cursor: log.nextCursor!,
        });
        expect(rest.nextCursor).toBeNull();
        // Pages newest id first; the envelope id is the outbox event's, the same for every endpoint.
        const paged = [...log.items, ...rest.items];
        expect(paged.map((d) => d.id)).toEqual(
          paged
            .map((d) => d.id)
            .sort()
            .reverse(),
        );
        const events = await w.store.eventsSince(0);
        expect(paged.map((d) => d.eventId).sort()).toEqual(events.map((e) => e.id).sort());
        expect(paged[0]).toMatchObject({
          endpointId: all.id,
          eventType: 'sms.received',
          attempt: 0,
          status: 'pending',
          nextAttemptAt: T0,
          responseStatus: null,
          deliveredAt: null,
          createdAt: T0,
        });
      });

      it('never queues an (endpoint, event) twice, whoever inserts it', async () => {
        const e = await w.store.webhooks.insertEndpoint(endpoint('cus_1'));
        await w.store.append([sms('cus_1', 1)]);
        await w.store.webhooks.fanOut(10, T0);
        const [first] = await w.deliveries();
        const eventId = (await w.store.eventsSince(0))[0]!.id;
        // A test event (insertDelivery) is a delivery of its own event id.
        const test = await w.store.webhooks.insertDelivery({
          id: 'whd_test',
          endpointId: e.id,
          eventId: 'evt_test',
          eventType: 'sms.received',
          payload: '{"test":true}',
          nextAttemptAt: T0 + 1,
          createdAt: T0 + 1,
        });
        expect(test).toMatchObject({ id: 'whd_test', status: 'pending', attempt: 0 });
        // The cursor moved back (a second fan-out of the same events): nothing new.
        await w.exec('UPDATE webhook_cursor SET last_seq = 0');
        expect(await w.store.webhooks.fanOut(10, T0)).toBe(1);
        const rows = await w.opened.rows<{ event_id: string }>(
          'SELECT event_id FROM webhook_deliveries ORDER BY rowid',
        );
        expect(rows.map((r) => r.event_id)).toEqual([eventId, 'evt_test']);
        expect((await w.deliveries())[0]).toEqual(first);
      });
    });
  });
}

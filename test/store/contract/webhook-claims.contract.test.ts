/**
 * WebhookPort on both engines, claims and outcomes: each endpoint's queue (only its head claimed,
 * one in flight), claims named by host, outcomes (retry, success, pause and resume told through
 * the outbox, 410 Gone, the owner's choice winning, a late answer refused), releasing this host's
 * claims after a restart, and the next due time.
 */
import { describe, expect, it } from 'vitest';
import { decideAttempt } from '../../../src/domain/index.js';
import { DELIVERY_CLAIM_MS } from '../../../src/store/common/webhook-rows.js';
import { ENGINES } from './engines.js';
import {
  HOUR,
  MINUTE,
  T0,
  endpoint,
  gone,
  ok,
  refused,
  sms,
  useWebhookDatabase,
} from './webhook-fixtures.js';

for (const engine of ENGINES) {
  describe(`WebhookPort claims and outcomes on ${engine}`, () => {
    const w = useWebhookDatabase(engine);

    describe('claims and outcomes', () => {
      it("claims each endpoint's oldest pending delivery only, one in flight, named by this host", async () => {
        const one = await w.store.webhooks.insertEndpoint(endpoint('cus_1'));
        const two = await w.store.webhooks.insertEndpoint(endpoint('cus_2'));
        await w.store.append([sms('cus_1', 1), sms('cus_1', 2), sms('cus_2', 3)]);
        await w.store.webhooks.fanOut(10, T0);
        expect(await w.store.webhooks.nextDueAt()).toBe(T0);
        // Not yet due.
        expect(await w.store.webhooks.claimDue(T0 - 1, 10)).toEqual([]);

        const claimed = await w.store.webhooks.claimDue(T0, 10);
        expect(claimed.map((c) => c.endpointId)).toEqual([one.id, two.id]);
        expect(claimed[0]).toMatchObject({
          eventType: 'sms.received',
          attempt: 0,
          url: one.url,
          secret: 'whsec_' + one.id.slice(4),
          failureCount: 0,
          failingSince: null,
          paused: false,
        });
        expect(JSON.parse(claimed[0]!.payload)).toMatchObject({
          type: 'sms.received',
          account_id: 'cus_1',
          data: { n: 1 },
        });
        const inFlight = await w.deliveries("status = 'delivering'");
        expect(inFlight.map((d) => [d.id, d.claimed_by_host, d.claimed_until])).toEqual(
          claimed.map((c) => [c.id, 'host-a', T0 + DELIVERY_CLAIM_MS]),
        );
        // Both endpoints have one in flight: nothing more, and nothing due.
        expect(await w.store.webhooks.claimDue(T0, 10)).toEqual([]);
        expect(await w.store.webhooks.nextDueAt()).toBeNull();

        expect(await w.attempt(claimed[0]!, ok, T0 + 1)).toBeNull();
        const [done] = (await w.store.webhooks.listDeliveries(one.id, { limit: 10 })).items.filter(
          (d) => d.id === claimed[0]!.id,
        );
        expect(done).toMatchObject({
          status: 'succeeded',
          attempt: 1,
          responseStatus: 204,
          deliveredAt: T0 + 1,
          nextAttemptAt: null,
        });
        expect((await w.deliveries('id = ?', [done!.id]))[0]).toMatchObject({
          claimed_by_host: null,
          claimed_until: null,
        });
        // The queue moves on: the endpoint's next delivery.
        const next = await w.store.webhooks.claimDue(T0 + 1, 10);
        expect(next.map((c) => c.endpointId)).toEqual([one.id]);
        expect(next[0]!.id).not.toBe(claimed[0]!.id);
      });

      it('keeps a failed delivery at the head of its queue until it succeeds', async () => {
        const e = await w.store.webhooks.insertEndpoint(endpoint('cus_1'));
        await w.store.append([sms('cus_1', 1), sms('cus_1', 2)]);
        await w.store.webhooks.fanOut(10, T0);
        const [first] = await w.store.webhooks.claimDue(T0, 10);
        expect(await w.attempt(first!, refused, T0)).toBeNull();
        expect(await w.store.webhooks.getEndpoint({ admin: true }, e.id)).toMatchObject({
          failureCount: 1,
          failingSince: T0,
          updatedAt: T0,
        });
        expect(await w.store.webhooks.nextDueAt()).toBe(T0 + MINUTE);
        expect(await w.store.webhooks.claimDue(T0 + MINUTE - 1, 10)).toEqual([]);
        const [again] = await w.store.webhooks.claimDue(T0 + MINUTE, 10);
        expect(again).toMatchObject({ id: first!.id, attempt: 1, failureCount: 1 });
        await w.attempt(again!, ok, T0 + MINUTE);
        expect(await w.store.webhooks.getEndpoint({ admin: true }, e.id)).toMatchObject({
          failureCount: 0,
          failingSince: null,
        });
      });

      it('pauses after failing for the configured span, probes, resumes, telling the owner each time', async () => {
        const failing = await w.store.webhooks.insertEndpoint(endpoint('cus_1'));
        const watcher = await w.store.webhooks.insertEndpoint(
          endpoint('cus_1', ['webhook.paused', 'webhook.resumed']),
        );
        await w.store.append([sms('cus_1', 1)]);
        await w.store.webhooks.fanOut(10, T0);
        await w.exec(
          'UPDATE webhook_endpoints SET failure_count = 9, failing_since = ? WHERE id = ?',
          [T0 - 25 * HOUR, failing.id],
        );
        const [claimed] = await w.store.webhooks.claimDue(T0, 10);
        expect(await w.attempt(claimed!, refused, T0)).toBe('pause');
        expect(await w.store.webhooks.getEndpoint({ admin: true }, failing.id)).toMatchObject({
          paused: true,
          pauseReason: 'failures',
          pausedAt: T0,
          failureCount: 10,
        });
        const [paused] = await w.store.eventsSince(1);
        expect(paused).toMatchObject({
          type: 'webhook.paused',
          customerId: 'cus_1',
          data: { endpoint_id: failing.id, failure_count: 10 },
        });
        // Paused by failures: still probed, every probe interval.
        expect(await w.store.webhooks.nextDueAt()).toBe(T0 + 30 * MINUTE);
        await w.store.webhooks.fanOut(10, T0);
        const probes = await w.store.webhooks.claimDue(T0 + 30 * MINUTE, 10);
        const probe = probes.find((c) => c.endpointId === failing.id)!;
        expect(probe.paused).toBe(true);
        expect(await w.attempt(probe, ok, T0 + 31 * MINUTE)).toBe('resume');
        expect(await w.store.webhooks.getEndpoint({ admin: true }, failing.id)).toMatchObject({
          paused: false,
          pauseReason: null,
          pausedAt: null,
          failureCount: 0,
          failingSince: null,
        });
        expect((await w.store.eventsSince(0)).map((e) => e.type)).toEqual([
          'sms.received',
          'webhook.paused',
          'webhook.resumed',
        ]);
        // The watcher heard both; the failing endpoint never hears about itself.
        await w.store.webhooks.fanOut(10, T0 + HOUR);
        const told = await w.store.webhooks.listDeliveries(watcher.id, { limit: 10 });
        expect(told.items.map((d) => d.eventType).sort()).toEqual([
          'webhook.paused',
          'webhook.resumed',
        ]);
        const own = await w.store.webhooks.listDeliveries(failing.id, { limit: 10 });
        expect(own.items.map((d) => d.eventType)).toEqual(['sms.received']);
      });

      it("lets the owner's pause made during an attempt stand, and disables on 410 Gone", async () => {
        const e = await w.store.webhooks.insertEndpoint(endpoint('cus_1'));
        await w.store.append([sms('cus_1', 1), sms('cus_1', 2)]);
        await w.store.webhooks.fanOut(10, T0);
        await w.exec('UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?', [
          T0 - 25 * HOUR,
          e.id,
        ]);
        const [claimed] = await w.store.webhooks.claimDue(T0, 10);
        await w.store.webhooks.updateEndpoint(
          { customerId: 'cus_1' },
          e.id,
          { paused: true, pausedAt: T0, pauseReason: 'manual' },
          T0,
        );
        // The attempt would pause it for failures; the owner's pause stands, untouched.
        expect(await w.attempt(claimed!, refused, T0 + 1)).toBeNull();
        expect(await w.store.webhooks.getEndpoint({ admin: true }, e.id)).toMatchObject({
          paused: true,
          pauseReason: 'manual',
          failureCount: 0,
          updatedAt: T0,
        });
        expect((await w.store.eventsSince(0)).map((ev) => ev.type)).not.toContain('webhook.paused');

        await w.store.webhooks.updateEndpoint(
          { customerId: 'cus_1' },
          e.id,
          { paused: false, pausedAt: null, pauseReason: null },
          T0 + 2,
        );
        const [head] = await w.store.webhooks.claimDue(T0 + 2, 10);
        expect(head!.id).toBe(claimed!.id);
        expect(await w.attempt(head!, gone, T0 + 3)).toBeNull();
        expect(await w.store.webhooks.getEndpoint({ admin: true }, e.id)).toMatchObject({
          active: false,
        });
        expect((await w.deliveries()).map((d) => d.status)).toEqual(['failed', 'cancelled']);
      });

      it("refuses an outcome once the claim is released or another host's", async () => {
        const e = await w.store.webhooks.insertEndpoint(endpoint('cus_1'));
        await w.store.append([sms('cus_1', 1)]);
        await w.store.webhooks.fanOut(10, T0);
        const [mine] = await w.store.webhooks.claimDue(T0, 10);
        // Host A's claim went back to the queue (as the reaper does) and host B took it.
        await w.exec(
          "UPDATE webhook_deliveries SET status = 'pending', claimed_by_host = NULL, claimed_until = NULL",
        );
        const hostB = w.host('host-b');
        const [theirs] = await hostB.webhooks.claimDue(T0 + 1, 10);
        expect(theirs!.id).toBe(mine!.id);

        // A's late answer changes neither the delivery nor the endpoint.
        expect(await w.attempt(mine!, refused, T0 + 2)).toBeNull();
        expect(await w.deliveries()).toEqual([
          expect.objectContaining({ status: 'delivering', claimed_by_host: 'host-b' }),
        ]);
        expect(await w.store.webhooks.getEndpoint({ admin: true }, e.id)).toMatchObject({
          failureCount: 0,
          failingSince: null,
        });
        // B's is recorded.
        await hostB.webhooks.recordAttempt(decideAttempt(theirs!, ok, T0 + 3));
        expect((await w.deliveries())[0]).toMatchObject({ status: 'succeeded' });
      });

      it('releases only its own claims (and unnamed ones from before hosts) after a restart', async () => {
        await w.store.webhooks.insertEndpoint(endpoint('cus_1'));
        await w.store.webhooks.insertEndpoint(endpoint('cus_2'));
        await w.store.webhooks.insertEndpoint(endpoint(null));
        await w.store.append([sms('cus_1', 1), sms('cus_2', 2)]);
        await w.store.webhooks.fanOut(10, T0);
        const hostB = w.host('host-b');
        const [b] = await hostB.webhooks.claimDue(T0, 1);
        const [a, c] = await w.store.webhooks.claimDue(T0, 10);
        expect(new Set([a!.endpointId, b!.endpointId, c!.endpointId]).size).toBe(3);
        // A delivery claimed before claims were named (before migration 13).
        await w.exec('UPDATE webhook_deliveries SET claimed_by_host = NULL WHERE id = ?', [c!.id]);

        // Host A restarts: its claim and the unnamed one go back to the queue, B's stays.
        const restarted = w.host('host-a');
        expect(await restarted.webhooks.releaseInFlight()).toBe(2);
        const states = new Map((await w.deliveries()).map((d) => [d.id, d]));
        expect(states.get(a!.id)).toMatchObject({ status: 'pending', claimed_by_host: null });
        expect(states.get(c!.id)).toMatchObject({ status: 'pending', claimed_by_host: null });
        expect(states.get(b!.id)).toMatchObject({
          status: 'delivering',
          claimed_by_host: 'host-b',
        });
        expect(await restarted.webhooks.releaseInFlight()).toBe(0);
        const again = await restarted.webhooks.claimDue(T0, 10);
        expect(again.map((d) => d.id).sort()).toEqual([a!.id, c!.id].sort());
        expect(again[0]!.attempt).toBe(0);
      });
    });
  });
}

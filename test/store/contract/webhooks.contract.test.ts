/**
 * WebhookPort on both engines: endpoints (scoped to their owner), the fan-out of outbox events
 * into one delivery per (endpoint, event), each endpoint's queue (only its head claimed, one in
 * flight), claims named by host, outcomes (retry, success, pause and resume told through the
 * outbox, 410 Gone, the owner's choice winning), releasing this host's claims after a restart,
 * and the next due time. The cross-host races: webhooks-race.postgres.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decideAttempt,
  type AttemptResult,
  type ClaimedDelivery,
  type NewEndpoint,
  type WebhookEventType,
} from '../../../src/domain/index.js';
import type { NewEvent } from '../../../src/store/common/events.js';
import { DELIVERY_CLAIM_MS } from '../../../src/store/common/webhook-rows.js';
import { openEngineStore, type EngineStore } from './engine-store.js';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';

const T0 = Date.UTC(2026, 2, 1, 12);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const ok: AttemptResult = { kind: 'response', status: 204, body: '', retryAfter: null };
const refused: AttemptResult = { kind: 'error', message: 'connect ECONNREFUSED' };
const gone: AttemptResult = { kind: 'response', status: 410, body: 'gone', retryAfter: null };

let endpoints = 0;
function endpoint(
  customerId: string | null,
  events: readonly WebhookEventType[] = ['sms.received'],
  now = T0 - HOUR,
): NewEndpoint {
  const n = String(++endpoints).padStart(3, '0');
  return {
    id: `whe_${n}`,
    customerId,
    url: `https://hooks.example.com/${n}`,
    events,
    description: `endpoint ${n}`,
    thresholdUnits: null,
    secret: `whsec_${n}`,
    now,
  };
}

const sms = (customerId: string, n: number, now = T0): NewEvent => ({
  type: 'sms.received',
  customerId,
  orderId: null,
  data: { n },
  now,
});

interface DeliveryState {
  readonly id: string;
  readonly endpoint_id: string;
  readonly status: string;
  readonly claimed_by_host: string | null;
  readonly claimed_until: number | null;
}

for (const engine of ENGINES) {
  describe(`WebhookPort on ${engine}`, () => {
    let opened: EngineDatabase;
    let stores: EngineStore[];
    let store: EngineStore;

    /** The store as host `hostId` builds it, on the same database. */
    const host = (hostId: string): EngineStore => {
      const opened_ = openEngineStore(opened, { hostId });
      stores.push(opened_);
      return opened_;
    };
    const exec = (sql: string, params?: readonly unknown[]) => opened.exec(sql, params);
    const deliveries = (where = '1 = 1', params: readonly unknown[] = []) =>
      opened.rows<DeliveryState>(
        `SELECT id, endpoint_id, status, claimed_by_host, claimed_until FROM webhook_deliveries
          WHERE ${where} ORDER BY rowid`,
        params,
      );
    const customer = (id: string) =>
      exec('INSERT INTO customers (id, email, created_at) VALUES (?, ?, ?)', [
        id,
        `${id}@example.com`,
        T0 - 2 * HOUR,
      ]);
    /** Claims, then records `result` for each claimed delivery, as the worker does. */
    const attempt = async (claimed: ClaimedDelivery, result: AttemptResult, at: number) =>
      store.webhooks.recordAttempt(decideAttempt(claimed, result, at));

    beforeEach(async () => {
      opened = await openEngineDatabase(engine, 'webhooks');
      stores = [];
      store = host('host-a');
      await customer('cus_1');
      await customer('cus_2');
    });
    afterEach(async () => {
      for (const s of stores) await s.close();
      await opened.close();
    });

    describe('endpoints', () => {
      it("are their owner's: another customer neither sees, changes nor deletes them", async () => {
        const mine = await store.webhooks.insertEndpoint(endpoint('cus_1'));
        const admin = await store.webhooks.insertEndpoint(endpoint(null, ['modem.offline']));
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
        expect(await store.webhooks.getEndpoint({ customerId: 'cus_1' }, mine.id)).toEqual(mine);
        expect(await store.webhooks.getEndpoint(other, mine.id)).toBeUndefined();
        expect(await store.webhooks.getEndpoint(other, admin.id)).toBeUndefined();
        expect(await store.webhooks.getEndpoint({ admin: true }, mine.id)).toEqual(mine);
        expect(await store.webhooks.listEndpoints({ customerId: 'cus_1' })).toEqual([mine]);
        expect(await store.webhooks.listEndpoints(other)).toEqual([]);
        expect(await store.webhooks.listEndpoints({ admin: true })).toEqual([mine, admin]);
        expect(
          await store.webhooks.updateEndpoint(other, mine.id, { url: 'x' }, T0),
        ).toBeUndefined();
        expect(await store.webhooks.deleteEndpoint(other, mine.id)).toBe(false);
        expect(await store.webhooks.getEndpoint({ admin: true }, mine.id)).toEqual(mine);
      });

      it('updates what the patch names; deactivating cancels the queue, un-pausing makes it due now', async () => {
        const e = await store.webhooks.insertEndpoint(endpoint('cus_1'));
        await store.append([sms('cus_1', 1), sms('cus_1', 2)]);
        expect(await store.webhooks.fanOut(100, T0)).toBe(2);
        const scope = { customerId: 'cus_1' };

        const paused = await store.webhooks.updateEndpoint(
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
        expect(await store.webhooks.claimDue(T0 + HOUR, 10)).toEqual([]);
        expect(await store.webhooks.nextDueAt()).toBeNull();

        // Retried later than now, then un-paused by hand: due at once.
        await exec('UPDATE webhook_deliveries SET next_attempt_at = ?', [T0 + 5 * HOUR]);
        await store.webhooks.updateEndpoint(
          scope,
          e.id,
          { paused: false, pausedAt: null, pauseReason: null, failureCount: 0, failingSince: null },
          T0 + 2,
        );
        expect(await store.webhooks.nextDueAt()).toBe(T0 + 2);

        const off = await store.webhooks.updateEndpoint(scope, e.id, { active: false }, T0 + 3);
        expect(off).toMatchObject({ active: false, updatedAt: T0 + 3 });
        expect((await deliveries()).map((d) => d.status)).toEqual(['cancelled', 'cancelled']);
        const log = await store.webhooks.listDeliveries(e.id, { limit: 10 });
        expect(log.items.map((d) => [d.status, d.nextAttemptAt, d.errorMessage])).toEqual([
          ['cancelled', null, 'endpoint disabled'],
          ['cancelled', null, 'endpoint disabled'],
        ]);
      });

      it('deletes an endpoint with its delivery log', async () => {
        const e = await store.webhooks.insertEndpoint(endpoint('cus_1'));
        await store.append([sms('cus_1', 1)]);
        await store.webhooks.fanOut(100, T0);
        expect(await store.webhooks.deleteEndpoint({ customerId: 'cus_1' }, e.id)).toBe(true);
        expect(await store.webhooks.deleteEndpoint({ admin: true }, e.id)).toBe(false);
        expect(await deliveries()).toEqual([]);
        expect(await store.webhooks.listEndpoints({ admin: true })).toEqual([]);
      });
    });

    describe('fan-out', () => {
      it('makes one delivery per subscribed endpoint and event, and advances past them', async () => {
        const one = await store.webhooks.insertEndpoint(endpoint('cus_1'));
        const two = await store.webhooks.insertEndpoint(endpoint('cus_2'));
        const all = await store.webhooks.insertEndpoint(endpoint(null));
        await store.webhooks.insertEndpoint(endpoint('cus_1', ['order.cancelled']));
        // Created after the events: it does not get them.
        await store.webhooks.insertEndpoint(endpoint('cus_1', ['sms.received'], T0 + MINUTE));
        await store.append([sms('cus_1', 1), sms('cus_2', 2), sms('cus_1', 3)]);

        expect(await store.webhooks.fanOut(2, T0)).toBe(2);
        expect(await store.webhooks.fanOut(2, T0)).toBe(1);
        expect(await store.webhooks.fanOut(2, T0)).toBe(0);
        const made = await deliveries();
        const queue = (id: string) => made.filter((d) => d.endpoint_id === id);
        expect([one, two, all].map((e) => queue(e.id).length)).toEqual([2, 1, 3]);
        expect(made).toHaveLength(6);
        expect(made.every((d) => d.status === 'pending' && d.claimed_by_host === null)).toBe(true);

        const log = await store.webhooks.listDeliveries(all.id, { limit: 2 });
        expect(log.items).toHaveLength(2);
        const rest = await store.webhooks.listDeliveries(all.id, {
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
        const events = await store.eventsSince(0);
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
        const e = await store.webhooks.insertEndpoint(endpoint('cus_1'));
        await store.append([sms('cus_1', 1)]);
        await store.webhooks.fanOut(10, T0);
        const [first] = await deliveries();
        const eventId = (await store.eventsSince(0))[0]!.id;
        // A test event (insertDelivery) is a delivery of its own event id.
        const test = await store.webhooks.insertDelivery({
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
        await exec('UPDATE webhook_cursor SET last_seq = 0');
        expect(await store.webhooks.fanOut(10, T0)).toBe(1);
        const rows = await opened.rows<{ event_id: string }>(
          'SELECT event_id FROM webhook_deliveries ORDER BY rowid',
        );
        expect(rows.map((r) => r.event_id)).toEqual([eventId, 'evt_test']);
        expect((await deliveries())[0]).toEqual(first);
      });
    });

    describe('claims and outcomes', () => {
      it("claims each endpoint's oldest pending delivery only, one in flight, named by this host", async () => {
        const one = await store.webhooks.insertEndpoint(endpoint('cus_1'));
        const two = await store.webhooks.insertEndpoint(endpoint('cus_2'));
        await store.append([sms('cus_1', 1), sms('cus_1', 2), sms('cus_2', 3)]);
        await store.webhooks.fanOut(10, T0);
        expect(await store.webhooks.nextDueAt()).toBe(T0);
        // Not yet due.
        expect(await store.webhooks.claimDue(T0 - 1, 10)).toEqual([]);

        const claimed = await store.webhooks.claimDue(T0, 10);
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
        const inFlight = await deliveries("status = 'delivering'");
        expect(inFlight.map((d) => [d.id, d.claimed_by_host, d.claimed_until])).toEqual(
          claimed.map((c) => [c.id, 'host-a', T0 + DELIVERY_CLAIM_MS]),
        );
        // Both endpoints have one in flight: nothing more, and nothing due.
        expect(await store.webhooks.claimDue(T0, 10)).toEqual([]);
        expect(await store.webhooks.nextDueAt()).toBeNull();

        expect(await attempt(claimed[0]!, ok, T0 + 1)).toBeNull();
        const [done] = (await store.webhooks.listDeliveries(one.id, { limit: 10 })).items.filter(
          (d) => d.id === claimed[0]!.id,
        );
        expect(done).toMatchObject({
          status: 'succeeded',
          attempt: 1,
          responseStatus: 204,
          deliveredAt: T0 + 1,
          nextAttemptAt: null,
        });
        expect((await deliveries('id = ?', [done!.id]))[0]).toMatchObject({
          claimed_by_host: null,
          claimed_until: null,
        });
        // The queue moves on: the endpoint's next delivery.
        const next = await store.webhooks.claimDue(T0 + 1, 10);
        expect(next.map((c) => c.endpointId)).toEqual([one.id]);
        expect(next[0]!.id).not.toBe(claimed[0]!.id);
      });

      it('keeps a failed delivery at the head of its queue until it succeeds', async () => {
        const e = await store.webhooks.insertEndpoint(endpoint('cus_1'));
        await store.append([sms('cus_1', 1), sms('cus_1', 2)]);
        await store.webhooks.fanOut(10, T0);
        const [first] = await store.webhooks.claimDue(T0, 10);
        expect(await attempt(first!, refused, T0)).toBeNull();
        expect(await store.webhooks.getEndpoint({ admin: true }, e.id)).toMatchObject({
          failureCount: 1,
          failingSince: T0,
          updatedAt: T0,
        });
        expect(await store.webhooks.nextDueAt()).toBe(T0 + MINUTE);
        expect(await store.webhooks.claimDue(T0 + MINUTE - 1, 10)).toEqual([]);
        const [again] = await store.webhooks.claimDue(T0 + MINUTE, 10);
        expect(again).toMatchObject({ id: first!.id, attempt: 1, failureCount: 1 });
        await attempt(again!, ok, T0 + MINUTE);
        expect(await store.webhooks.getEndpoint({ admin: true }, e.id)).toMatchObject({
          failureCount: 0,
          failingSince: null,
        });
      });

      it('pauses after failing for the configured span, probes, resumes, telling the owner each time', async () => {
        const failing = await store.webhooks.insertEndpoint(endpoint('cus_1'));
        const watcher = await store.webhooks.insertEndpoint(
          endpoint('cus_1', ['webhook.paused', 'webhook.resumed']),
        );
        await store.append([sms('cus_1', 1)]);
        await store.webhooks.fanOut(10, T0);
        await exec(
          'UPDATE webhook_endpoints SET failure_count = 9, failing_since = ? WHERE id = ?',
          [T0 - 25 * HOUR, failing.id],
        );
        const [claimed] = await store.webhooks.claimDue(T0, 10);
        expect(await attempt(claimed!, refused, T0)).toBe('pause');
        expect(await store.webhooks.getEndpoint({ admin: true }, failing.id)).toMatchObject({
          paused: true,
          pauseReason: 'failures',
          pausedAt: T0,
          failureCount: 10,
        });
        const [paused] = await store.eventsSince(1);
        expect(paused).toMatchObject({
          type: 'webhook.paused',
          customerId: 'cus_1',
          data: { endpoint_id: failing.id, failure_count: 10 },
        });
        // Paused by failures: still probed, every probe interval.
        expect(await store.webhooks.nextDueAt()).toBe(T0 + 30 * MINUTE);
        await store.webhooks.fanOut(10, T0);
        const probes = await store.webhooks.claimDue(T0 + 30 * MINUTE, 10);
        const probe = probes.find((c) => c.endpointId === failing.id)!;
        expect(probe.paused).toBe(true);
        expect(await attempt(probe, ok, T0 + 31 * MINUTE)).toBe('resume');
        expect(await store.webhooks.getEndpoint({ admin: true }, failing.id)).toMatchObject({
          paused: false,
          pauseReason: null,
          pausedAt: null,
          failureCount: 0,
          failingSince: null,
        });
        expect((await store.eventsSince(0)).map((e) => e.type)).toEqual([
          'sms.received',
          'webhook.paused',
          'webhook.resumed',
        ]);
        // The watcher heard both; the failing endpoint never hears about itself.
        await store.webhooks.fanOut(10, T0 + HOUR);
        const told = await store.webhooks.listDeliveries(watcher.id, { limit: 10 });
        expect(told.items.map((d) => d.eventType).sort()).toEqual([
          'webhook.paused',
          'webhook.resumed',
        ]);
        const own = await store.webhooks.listDeliveries(failing.id, { limit: 10 });
        expect(own.items.map((d) => d.eventType)).toEqual(['sms.received']);
      });

      it("lets the owner's pause made during an attempt stand, and disables on 410 Gone", async () => {
        const e = await store.webhooks.insertEndpoint(endpoint('cus_1'));
        await store.append([sms('cus_1', 1), sms('cus_1', 2)]);
        await store.webhooks.fanOut(10, T0);
        await exec('UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?', [
          T0 - 25 * HOUR,
          e.id,
        ]);
        const [claimed] = await store.webhooks.claimDue(T0, 10);
        await store.webhooks.updateEndpoint(
          { customerId: 'cus_1' },
          e.id,
          { paused: true, pausedAt: T0, pauseReason: 'manual' },
          T0,
        );
        // The attempt would pause it for failures; the owner's pause stands, untouched.
        expect(await attempt(claimed!, refused, T0 + 1)).toBeNull();
        expect(await store.webhooks.getEndpoint({ admin: true }, e.id)).toMatchObject({
          paused: true,
          pauseReason: 'manual',
          failureCount: 0,
          updatedAt: T0,
        });
        expect((await store.eventsSince(0)).map((ev) => ev.type)).not.toContain('webhook.paused');

        await store.webhooks.updateEndpoint(
          { customerId: 'cus_1' },
          e.id,
          { paused: false, pausedAt: null, pauseReason: null },
          T0 + 2,
        );
        const [head] = await store.webhooks.claimDue(T0 + 2, 10);
        expect(head!.id).toBe(claimed!.id);
        expect(await attempt(head!, gone, T0 + 3)).toBeNull();
        expect(await store.webhooks.getEndpoint({ admin: true }, e.id)).toMatchObject({
          active: false,
        });
        expect((await deliveries()).map((d) => d.status)).toEqual(['failed', 'cancelled']);
      });

      it("refuses an outcome once the claim is released or another host's", async () => {
        const e = await store.webhooks.insertEndpoint(endpoint('cus_1'));
        await store.append([sms('cus_1', 1)]);
        await store.webhooks.fanOut(10, T0);
        const [mine] = await store.webhooks.claimDue(T0, 10);
        // Host A's claim went back to the queue (as the reaper does) and host B took it.
        await exec(
          "UPDATE webhook_deliveries SET status = 'pending', claimed_by_host = NULL, claimed_until = NULL",
        );
        const hostB = host('host-b');
        const [theirs] = await hostB.webhooks.claimDue(T0 + 1, 10);
        expect(theirs!.id).toBe(mine!.id);

        // A's late answer changes neither the delivery nor the endpoint.
        expect(await attempt(mine!, refused, T0 + 2)).toBeNull();
        expect(await deliveries()).toEqual([
          expect.objectContaining({ status: 'delivering', claimed_by_host: 'host-b' }),
        ]);
        expect(await store.webhooks.getEndpoint({ admin: true }, e.id)).toMatchObject({
          failureCount: 0,
          failingSince: null,
        });
        // B's is recorded.
        await hostB.webhooks.recordAttempt(decideAttempt(theirs!, ok, T0 + 3));
        expect((await deliveries())[0]).toMatchObject({ status: 'succeeded' });
      });

      it('releases only its own claims (and unnamed ones from before hosts) after a restart', async () => {
        await store.webhooks.insertEndpoint(endpoint('cus_1'));
        await store.webhooks.insertEndpoint(endpoint('cus_2'));
        await store.webhooks.insertEndpoint(endpoint(null));
        await store.append([sms('cus_1', 1), sms('cus_2', 2)]);
        await store.webhooks.fanOut(10, T0);
        const hostB = host('host-b');
        const [b] = await hostB.webhooks.claimDue(T0, 1);
        const [a, c] = await store.webhooks.claimDue(T0, 10);
        expect(new Set([a!.endpointId, b!.endpointId, c!.endpointId]).size).toBe(3);
        // A delivery claimed before claims were named (before migration 13).
        await exec('UPDATE webhook_deliveries SET claimed_by_host = NULL WHERE id = ?', [c!.id]);

        // Host A restarts: its claim and the unnamed one go back to the queue, B's stays.
        const restarted = host('host-a');
        expect(await restarted.webhooks.releaseInFlight()).toBe(2);
        const states = new Map((await deliveries()).map((d) => [d.id, d]));
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

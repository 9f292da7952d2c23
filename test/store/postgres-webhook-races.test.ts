/**
 * Webhook delivery across hosts on PostgreSQL: three hosts (three pools on one database), each
 * with its own store, append events, fan out and claim at the same time, as their workers do.
 *
 * - Every (endpoint, event) gets exactly one delivery row; none is skipped.
 * - An endpoint never has two deliveries in flight, on any host (checked after every claim, in
 *   the database and against what the hosts hold), and its queue goes out in event order.
 * - Each attempt of a delivery is claimed by exactly one host.
 * - A host whose claim was taken back (as the reaper does for a dead host) answers too late:
 *   its outcome is refused, whether the delivery waits in the queue or another host holds it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decideAttempt, type AttemptResult, type ClaimedDelivery } from '../../src/domain/index.js';
import type { NewEvent } from '../../src/store/common/events.js';
import {
  createPostgresStore,
  openPostgres,
  type PostgresDatabase,
} from '../../src/store/postgres/index.js';
import { freshMigratedPostgresDatabase } from '../helpers/postgres.js';
import { prng } from '../helpers/prng.js';

const T0 = Date.UTC(2026, 2, 1, 12);
const HOUR = 3_600_000;
/** Claims look a day ahead: every retry (a minute after its attempt at T0) is due. */
const CLAIM_AT = T0 + 24 * HOUR;
const ENDPOINTS = 4;
const PRODUCER_TRANSACTIONS = 40;
const MAX_ROUNDS = 20_000;
/** A 2xx only a host whose claim was taken back sends: no row may ever carry it. */
const LATE_STATUS = 299;

const ok: AttemptResult = { kind: 'response', status: 200, body: 'ok', retryAfter: null };
const refused: AttemptResult = { kind: 'error', message: 'connect ECONNREFUSED' };
const late: AttemptResult = { kind: 'response', status: LATE_STATUS, body: '', retryAfter: null };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Host {
  readonly id: string;
  readonly db: PostgresDatabase;
  readonly store: ReturnType<typeof createPostgresStore>;
}

async function startHost(url: string, id: string): Promise<Host> {
  const db = await openPostgres(url, { hostId: id, poolSize: 6 });
  const store = createPostgresStore(db, { hostId: id });
  cleanups.push(async () => {
    await store.events.close();
    await db.close();
  });
  return { id, db, store };
}

describe('webhook deliveries on three PostgreSQL hosts', () => {
  it('fan out once per (endpoint, event), one in flight per endpoint, late outcomes refused', async () => {
    const url = await freshMigratedPostgresDatabase('webhook_races');
    const hosts = await Promise.all(['host-1', 'host-2', 'host-3'].map((id) => startHost(url, id)));
    const [first] = hosts;
    const db = first!.db;
    for (let n = 1; n <= ENDPOINTS; n++) {
      await first!.store.webhooks.insertEndpoint({
        id: `whe_${n}`,
        customerId: null,
        url: `https://hooks.example.com/${n}`,
        events: ['sms.received'],
        description: '',
        thresholdUnits: null,
        secret: `whsec_${n}`,
        now: T0 - 2 * HOUR,
      });
    }

    const problems: string[] = [];
    /** What each host holds now, by endpoint (set once claimed, cleared before recording). */
    const holding = new Map<string, string>();
    /** Who claimed each attempt of each delivery. */
    const claimedBy = new Map<string, string>();
    /** Deliveries succeeded, in order, by endpoint. */
    const succeeded = new Map<string, string[]>();
    const claimsByHost = new Map<string, number>();
    let lateRefused = 0;
    let lateWhileTaken = 0;
    let producersDone = false;

    const produce = async (host: Host, seed: number) => {
      const random = prng(seed);
      for (let t = 0; t < PRODUCER_TRANSACTIONS; t++) {
        const count = 1 + Math.floor(random() * 3);
        const events: NewEvent[] = Array.from({ length: count }, (_, n) => ({
          type: 'sms.received',
          customerId: `cus_${seed}`,
          orderId: null,
          data: { host: host.id, t, n },
          now: T0 - HOUR,
        }));
        await host.db.transaction(async (client) => {
          for (const event of events) await host.store.events.append(client, event);
        });
      }
    };

    const inFlightTwice = async (): Promise<string[]> => {
      const { rows } = await db.query<{ endpoint_id: string }>(
        `SELECT endpoint_id FROM webhook_deliveries WHERE status = 'delivering'
          GROUP BY endpoint_id HAVING COUNT(*) > 1`,
      );
      return rows.map((r) => r.endpoint_id);
    };

    const allDelivered = async (): Promise<boolean> => {
      const { rows } = await db.query<{ n: number }>(
        "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status <> 'succeeded'",
      );
      return rows[0]!.n === 0;
    };

    /** The reaper's release of one of `host`'s claims; then waits (bounded) for another host
     * to take it, so the late outcome meets another host's claim when it can. */
    const takeBack = async (host: Host, delivery: ClaimedDelivery): Promise<boolean> => {
      await db.transaction((client) =>
        client.query(
          `UPDATE webhook_deliveries SET status = 'pending', claimed_by_host = NULL,
             claimed_until = NULL WHERE id = $1 AND claimed_by_host = $2`,
          [delivery.id, host.id],
        ),
      );
      holding.delete(delivery.endpointId);
      // That attempt never happened: the next claim of the delivery makes it again.
      claimedBy.delete(`${delivery.id}#${delivery.attempt}`);
      for (let poll = 0; poll < 200; poll++) {
        const { rows } = await db.query<{ claimed_by_host: string | null; status: string }>(
          'SELECT claimed_by_host, status FROM webhook_deliveries WHERE id = $1',
          [delivery.id],
        );
        const row = rows[0]!;
        if (row.status !== 'pending') return row.claimed_by_host !== null;
      }
      return false;
    };

    const handle = async (host: Host, delivery: ClaimedDelivery, random: () => number) => {
      const roll = random();
      if (roll < 0.1) {
        if (await takeBack(host, delivery)) lateWhileTaken++;
        await host.store.webhooks.recordAttempt(decideAttempt(delivery, late, T0));
        const after = await db.query<{ response_status: number | null }>(
          'SELECT response_status FROM webhook_deliveries WHERE id = $1',
          [delivery.id],
        );
        if (after.rows[0]?.response_status === LATE_STATUS) {
          problems.push(`${host.id}'s late outcome for ${delivery.id} was recorded`);
        } else lateRefused++;
        return;
      }
      const result = roll < 0.35 ? refused : ok;
      // Cleared before recording: until that commits, the row still says `delivering`.
      holding.delete(delivery.endpointId);
      await host.store.webhooks.recordAttempt(decideAttempt(delivery, result, T0));
      if (result === ok) {
        const order = succeeded.get(delivery.endpointId) ?? [];
        order.push(delivery.eventId);
        succeeded.set(delivery.endpointId, order);
      }
    };

    const work = async (host: Host, seed: number) => {
      const random = prng(seed);
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const fanned = await host.store.webhooks.fanOut(25, T0);
        const claimed = await host.store.webhooks.claimDue(CLAIM_AT, 3);
        for (const delivery of claimed) {
          const other = holding.get(delivery.endpointId);
          if (other !== undefined) {
            problems.push(`${delivery.endpointId}: ${host.id} claimed while ${other} held one`);
          }
          holding.set(delivery.endpointId, host.id);
          const key = `${delivery.id}#${delivery.attempt}`;
          const before = claimedBy.get(key);
          if (before !== undefined) problems.push(`${key} claimed by ${before} and ${host.id}`);
          claimedBy.set(key, host.id);
          claimsByHost.set(host.id, (claimsByHost.get(host.id) ?? 0) + 1);
        }
        if (claimed.length > 0) {
          for (const endpoint of await inFlightTwice()) {
            problems.push(`${endpoint} has two deliveries in flight`);
          }
        }
        await Promise.all(claimed.map((delivery) => handle(host, delivery, random)));
        if (producersDone && fanned === 0 && claimed.length === 0 && (await allDelivered())) {
          return;
        }
      }
      problems.push(`${host.id} did not finish in ${MAX_ROUNDS} rounds`);
    };

    const producing = Promise.all(hosts.map((host, i) => produce(host, i + 1))).then(() => {
      producersDone = true;
    });
    await Promise.all([producing, ...hosts.map((host, i) => work(host, 100 + i))]);

    expect(problems).toEqual([]);
    const events = await db.query<{ id: string }>(
      'SELECT id FROM events WHERE seq IS NOT NULL ORDER BY seq',
    );
    const total = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM events');
    expect(events.rows.length).toBe(total.rows[0]!.n);
    const rows = await db.query<{ n: number; pairs: number; missing: number }>(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT (endpoint_id, event_id)) AS pairs,
         (SELECT COUNT(*) FROM events ev CROSS JOIN webhook_endpoints w
           WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d
                             WHERE d.endpoint_id = w.id AND d.event_id = ev.id)) AS missing
       FROM webhook_deliveries`,
    );
    expect(rows.rows[0]).toEqual({
      n: events.rows.length * ENDPOINTS,
      pairs: events.rows.length * ENDPOINTS,
      missing: 0,
    });
    // Each endpoint's queue went out in event order, each event once.
    const order = events.rows.map((e) => e.id);
    for (let n = 1; n <= ENDPOINTS; n++) expect(succeeded.get(`whe_${n}`)).toEqual(order);
    const recorded = await db.query<{ n: number }>(
      'SELECT COUNT(*) AS n FROM webhook_deliveries WHERE response_status = $1',
      [LATE_STATUS],
    );
    expect(recorded.rows[0]!.n).toBe(0);
    expect(lateRefused).toBeGreaterThan(0);
    expect(lateWhileTaken).toBeGreaterThan(0);
    // Every host claimed its share: the hosts really raced.
    for (const host of hosts) expect(claimsByHost.get(host.id) ?? 0).toBeGreaterThan(10);
  }, 240_000);
});

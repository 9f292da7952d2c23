/**
 * Claims across hosts on PostgreSQL: three pools (hosts) pick SIMs for purchases at once, and
 * claim idempotency keys at once. A SIM is never handed to two open orders, no pick answers
 * "none" while a free eligible SIM exists (it waits for SIMs other transactions hold), and of
 * several claims of one key exactly one wins.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  leastRecentlyUsed,
  randomPolicy,
  type AllocationPolicy,
  type EligibilityRules,
} from '../../src/domain/index.js';
import type { PostgresClient } from '../../src/store/postgres/index.js';
import { PostgresSimEligibility } from '../../src/store/postgres/sim-eligibility.js';
import { prng } from '../helpers/prng.js';
import { closeHosts, openHosts, type Host } from './postgres-hosts.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MINUTE = 60_000;
const RULES: EligibilityRules = { maxCancelsPerService: 3, cooldownMs: 0 };
const eligibility = new PostgresSimEligibility();

const iccid = (n: number) => `894400000000000${String(n).padStart(4, '0')}`;

/** Thrown to roll a transaction back after its pick (a purchase refused late). */
class Spoiled extends Error {}

describe('SIM picks across three hosts sharing PostgreSQL', () => {
  let hosts: Host[] = [];
  afterEach(() => closeHosts(hosts));

  async function setup(sims: number, label: string): Promise<void> {
    hosts = await openHosts(label, 3, 6);
    const { customers } = hosts[0]!.store;
    await customers.createCustomer({
      id: 'cus_a',
      email: 'a@example.com',
      createdAt: T0,
      bannedUntil: null,
    });
    await customers.insertKey({
      id: 'key_a',
      customerId: 'cus_a',
      prefix: 'sp_live_aaaa',
      hash: 'hash-a',
      scopes: ['orders'],
      sandbox: false,
      maxOpenOrders: null,
      label: null,
      createdAt: T0,
    });
    for (let n = 1; n <= sims; n++) {
      await hosts[0]!.db.query(
        `INSERT INTO sims (iccid, msisdn, country, slot_path, status, status_changed_at,
           registration, first_seen_at, last_seen_at)
         VALUES ($1, $2, 'GB', $3, 'ready', 0, 'home', 0, 0)`,
        [iccid(n), `+4477009${String(n).padStart(5, '0')}`, `/dev/ttyUSB${n}`],
      );
    }
  }

  /** What the order code does with the SIM it picked: the open order and its number row. */
  async function takeSim(client: PostgresClient, orderId: string, sim: string, now: number) {
    await client.query(
      `INSERT INTO orders (id, customer_id, api_key_id, sandbox, service, country, price_units,
         sim_iccid, phone_number, status, created_at, number_assigned_at, hold_until, expires_at,
         updated_at)
       VALUES ($1, 'cus_a', 'key_a', 0, 'tg', 'GB', 0, $2, $3, 'waiting', $4, $4, $4, $5, $4)`,
      [orderId, sim, `+${sim.slice(-8)}`, now, now + 20 * MINUTE],
    );
    await client.query(
      `INSERT INTO order_numbers (order_id, sim_iccid, phone_number, assigned_at)
       VALUES ($1, $2, $3, $4)`,
      [orderId, sim, `+${sim.slice(-8)}`, now],
    );
  }

  function purchase(host: Host, policy: AllocationPolicy, orderId: string, now: number) {
    return host.db.transaction(async (client) => {
      const sim = await eligibility.pick(client, policy, 'tg', 'GB', RULES, now, false);
      if (sim) await takeSim(client, orderId, sim.iccid, now);
      return sim?.iccid;
    });
  }

  /** Picks a SIM, holds it a few round trips, then rolls back: the SIM must come free again. */
  async function spoiler(host: Host, policy: AllocationPolicy, now: number): Promise<void> {
    try {
      await host.db.transaction(async (client) => {
        await eligibility.pick(client, policy, 'tg', 'GB', RULES, now, false);
        for (let i = 0; i < 3; i++) await client.query('SELECT 1');
        throw new Spoiled();
      });
    } catch (error) {
      if (!(error instanceof Spoiled)) throw error;
    }
  }

  async function releaseAll(now: number): Promise<void> {
    await hosts[0]!.db.transaction(async (client) => {
      await client.query(
        `UPDATE orders SET status = 'expired', closed_at = $1, updated_at = $1
          WHERE status = 'waiting'`,
        [now],
      );
      await client.query(
        `UPDATE order_numbers SET released_at = $1, release_reason = 'expired'
          WHERE released_at IS NULL`,
        [now],
      );
    });
  }

  it('gives each of many concurrent purchases its own SIM, and every SIM while any is free', async () => {
    const sims = 12;
    await setup(sims, 'picks');
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      const now = T0 + round * MINUTE;
      const policy = round % 2 === 0 ? leastRecentlyUsed : randomPolicy(prng(round));
      const random = prng(100 + round);
      // 18 purchases for 12 SIMs and 6 transactions that pick and roll back, in a shuffled order
      // over the three hosts.
      const work: (() => Promise<string | undefined>)[] = [];
      for (let i = 0; i < sims + 6; i++) {
        work.push(() => purchase(hosts[i % 3]!, policy, `ord_${round}_${i}`, now));
      }
      for (let i = 0; i < 6; i++) {
        work.push(() => spoiler(hosts[(i + 1) % 3]!, policy, now).then(() => undefined));
      }
      work.sort(() => random() - 0.5);
      const picked = (await Promise.all(work.map((run) => run()))).filter(
        (sim): sim is string => sim !== undefined,
      );
      // Every SIM sold (none answered "none" while one was free), none sold twice.
      expect(picked).toHaveLength(sims);
      expect(new Set(picked).size).toBe(sims);
      const open = await hosts[1]!.db.query<{ n: number }>(
        "SELECT COUNT(DISTINCT sim_iccid) AS n FROM orders WHERE status = 'waiting'",
      );
      expect(open.rows[0]?.n).toBe(sims);
      await releaseAll(now + 30_000);
    }
    // Each SIM rented once per round: its number history never overlaps.
    const history = await hosts[2]!.db.query<{ sim_iccid: string; n: number }>(
      'SELECT sim_iccid, COUNT(*) AS n FROM order_numbers GROUP BY sim_iccid ORDER BY sim_iccid',
    );
    expect(history.rows).toEqual(
      Array.from({ length: sims }, (_, i) => ({ sim_iccid: iccid(i + 1), n: rounds })),
    );
  });

  it('waits for a SIM another host holds: gets it when that host rolls back, none when it buys it', async () => {
    await setup(1, 'pick_wait');
    const [a, b] = [hosts[0]!, hosts[1]!];
    for (const outcome of ['rollback', 'commit'] as const) {
      const now = T0 + (outcome === 'rollback' ? 0 : MINUTE);
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      let held!: () => void;
      const holding = new Promise<void>((resolve) => (held = resolve));
      const first = a.db
        .transaction(async (client) => {
          const sim = await eligibility.pick(
            client,
            leastRecentlyUsed,
            'tg',
            'GB',
            RULES,
            now,
            false,
          );
          expect(sim?.iccid).toBe(iccid(1));
          await takeSim(client, `ord_a_${outcome}`, sim!.iccid, now);
          held();
          await finished;
          if (outcome === 'rollback') throw new Spoiled();
        })
        .catch((error: unknown) => {
          if (!(error instanceof Spoiled)) throw error;
        });
      await holding;
      let answered = false;
      const second = purchase(b, leastRecentlyUsed, `ord_b_${outcome}`, now).finally(() => {
        answered = true;
      });
      // B waits on A's lock (rather than answering at once) until A ends.
      let waited = false;
      while (!waited && !answered) {
        const waiting = await hosts[2]!.db.query<{ n: number }>(
          `SELECT COUNT(*) AS n FROM pg_stat_activity
            WHERE application_name = 'simpool:host-1' AND wait_event_type = 'Lock'`,
        );
        waited = waiting.rows[0]?.n === 1;
      }
      finish();
      expect(waited).toBe(true);
      await first;
      expect(await second).toBe(outcome === 'rollback' ? iccid(1) : undefined);
      await releaseAll(now + 1);
    }
  });
});

describe('idempotency claims across three hosts sharing PostgreSQL', () => {
  let hosts: Host[] = [];
  afterEach(() => closeHosts(hosts));

  it('lets exactly one of three hosts claiming a key at once win, fresh or over a dead record', async () => {
    hosts = await openHosts('claims', 3);
    const now = T0 + 48 * 60 * MINUTE;
    const limits = { expiredBefore: now - 24 * 60 * MINUTE, abandonedBefore: now - 5 * MINUTE };
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    // Half the keys have a dead record already (a claim abandoned by a crashed request), and
    // other customers have expired records the claims prune as they go.
    for (const [i, key] of keys.entries()) {
      if (i % 2 === 1) {
        await hosts[0]!.db.query(
          `INSERT INTO idempotency_keys (scope, key, fingerprint, created_at)
           VALUES ('cus_a:live', $1, 'crashed', $2)`,
          [key, limits.abandonedBefore - 1],
        );
      }
      await hosts[0]!.db.query(
        `INSERT INTO idempotency_keys (scope, key, fingerprint, status_code, body, created_at)
         VALUES ('cus_old:live', $1, 'old', 201, '{}', $2)`,
        [key, limits.expiredBefore - 1],
      );
    }
    const claims = keys.flatMap((key) =>
      hosts.map(async (host) => ({
        key,
        host: host.id,
        record: await host.store.idempotency.claim(
          { scope: 'cus_a:live', key, fingerprint: host.id, claimId: host.id, holder: null },
          now,
          limits,
        ),
      })),
    );
    const results = await Promise.all(claims);
    for (const key of keys) {
      const mine = results.filter((r) => r.key === key);
      const winners = mine.filter((r) => r.record === null);
      expect(winners, key).toHaveLength(1);
      for (const loser of mine.filter((r) => r.record !== null)) {
        expect(loser.record).toEqual({
          scope: 'cus_a:live',
          key,
          fingerprint: winners[0]!.host,
          createdAt: now,
          response: null,
        });
      }
    }
    const left = await hosts[1]!.db.query<{ scope: string; n: number }>(
      'SELECT scope, COUNT(*) AS n FROM idempotency_keys GROUP BY scope',
    );
    expect(left.rows).toEqual([{ scope: 'cus_a:live', n: keys.length }]);
  });

  it('claims the key after all when its live record is released between the claim and the read', async () => {
    hosts = await openHosts('claims_released', 2);
    const [holder, claimer] = hosts as [Host, Host];
    const limits = { expiredBefore: T0 - 24 * 60 * MINUTE, abandonedBefore: T0 - 5 * MINUTE };
    const claim = (host: Host, fingerprint: string) =>
      host.store.idempotency.claim(
        { scope: 'cus_a:live', key: 'k', fingerprint, claimId: fingerprint, holder: null },
        T0,
        limits,
      );
    expect(await claim(holder, 'holder')).toBeNull();
    // The holder's request fails and releases the key just after the claimer's claim statement
    // found it live, before the claimer reads the record.
    const query = claimer.db.query.bind(claimer.db);
    let released = false;
    claimer.db.query = async (sql: string, params?: unknown[]) => {
      if (!released && sql.startsWith('SELECT * FROM idempotency_keys')) {
        released = true;
        await holder.store.idempotency.release('cus_a:live', 'k');
      }
      return query(sql, params);
    };
    expect(await claim(claimer, 'claimer')).toBeNull();
    expect(released).toBe(true);
    expect(await claim(holder, 'again')).toMatchObject({ fingerprint: 'claimer' });
  });
});

/**
 * The outbound queue shared by several hosts on one PostgreSQL database (several `openPostgres`
 * pools = several hosts, real concurrency): parts claimed exactly once whatever the races, each
 * message bound to one SIM, each host sending through its own SIMs only, start-up recovery
 * touching only the restarting host's work, wake-ups heard across hosts, and fenced writes.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboundPartToSend } from '../../src/pool/index.js';
import { WriteBatch } from '../../src/pool/write-batch.js';
import { ManualClock } from '../../src/shared/index.js';
import {
  createPostgresStore,
  openPostgres,
  PostgresListener,
  type ListenerState,
  type PostgresDatabase,
} from '../../src/store/postgres/index.js';
import { freshMigratedPostgresDatabase, requirePostgres } from '../helpers/postgres.js';
import { T0, outboundMessage } from '../unit/store/helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Host {
  readonly id: string;
  readonly db: PostgresDatabase;
  readonly store: ReturnType<typeof createPostgresStore>;
  readonly sims: readonly string[];
}

function simOf(host: number, sim: number): string {
  return `89490200000000${String(host).padStart(2, '0')}${String(sim).padStart(3, '0')}`;
}

/** `count` hosts on one fresh database, each driving `simsPerHost` SIMs (seeded). */
async function openHosts(
  label: string,
  count: number,
  simsPerHost: number,
  options: { readonly listener?: (db: PostgresDatabase) => Promise<PostgresListener> } = {},
): Promise<{ url: string; hosts: Host[] }> {
  const url = await freshMigratedPostgresDatabase(label);
  const hosts: Host[] = [];
  for (let h = 1; h <= count; h++) {
    const id = `host-${h}`;
    const db = await openPostgres(url, { hostId: id });
    cleanups.push(() => db.close());
    const listener = options.listener ? await options.listener(db) : undefined;
    const store = createPostgresStore(db, { hostId: id, ...(listener ? { listener } : {}) });
    cleanups.push(async () => {
      await store.outbound.close();
      await store.events.close();
    });
    const sims = Array.from({ length: simsPerHost }, (_, s) => simOf(h, s + 1));
    for (const iccid of sims) {
      await db.query(
        `INSERT INTO sims (iccid, status, status_changed_at, first_seen_at, last_seen_at, host_id)
         VALUES ($1, 'ready', 0, 0, 0, $2)`,
        [iccid, id],
      );
    }
    hosts.push({ id, db, store, sims });
  }
  return { url, hosts };
}

/** Values pushed by callbacks, and a way to wait for the n-th one (no sleeps). */
class Counter {
  count = 0;
  private waiters: { n: number; resolve: () => void }[] = [];

  hit = (): void => {
    this.count++;
    this.waiters = this.waiters.filter((w) => {
      if (this.count < w.n) return true;
      w.resolve();
      return false;
    });
  };

  reached(n: number): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}

interface Claim {
  readonly host: string;
  readonly iccid: string;
  readonly part: OutboundPartToSend;
}

describe('the outbound queue shared by several hosts on PostgreSQL', () => {
  it('claims every part exactly once, binds every message to one SIM, each host through its own SIMs', async () => {
    const { hosts } = await openHosts('outbound_race', 3, 3);
    const allSims = hosts.flatMap((h) => h.sims);
    const MESSAGES = Number(process.env.RACE_MESSAGES ?? 300);
    const at = T0 + 60_000;
    const pinned = new Map<string, string>();
    // Queued through every host's API, some asked for one SIM (of any host).
    for (let i = 0; i < MESSAGES; i += 30) {
      await Promise.all(
        Array.from({ length: 30 }, (_, k) => {
          const n = i + k;
          const id = `msg_${String(n).padStart(4, '0')}`;
          const iccid = n % 7 === 0 ? allSims[(n / 7) % allSims.length]! : null;
          if (iccid !== null) pinned.set(id, iccid);
          return hosts[n % hosts.length]!.store.outbound.enqueue(
            outboundMessage(id, { parts: 2 + (n % 2), createdAt: T0 + n, iccid }),
          );
        }),
      );
    }

    const claims: Claim[] = [];
    let lost = 0;
    // One worker per SIM, as the pool runs them: list what its SIM may take, claim parts one
    // by one through the host's group commit, send, release what it could not finish. A host's
    // router hands its free SIMs different messages (here: each starts at its own place in the
    // list); the hosts' routers know nothing of each other, so their SIMs race.
    const worker = async (host: Host, batch: WriteBatch, slot: number): Promise<void> => {
      const iccid = host.sims[slot]!;
      for (let round = 0; round < 2_000; round++) {
        const listed = await host.store.outbound.listRoutable(at, 8, {
          ready: [iccid],
          urgentReady: [iccid],
        });
        if (listed.length === 0) return;
        const start = slot % listed.length;
        for (const message of [...listed.slice(start), ...listed.slice(0, start)]) {
          let claimed = 0;
          let done = false;
          for (;;) {
            const part = await batch.claim(message.id, iccid, at);
            if (!part) break;
            claimed++;
            claims.push({ host: host.id, iccid, part });
            await batch.record({
              kind: 'markPartSent',
              messageId: part.messageId,
              sequence: part.sequence,
              iccid,
              messageReference: claims.length % 256,
              at,
            });
            if (part.sequence === part.total) {
              done = true;
              break;
            }
          }
          if (!done) await batch.record({ kind: 'release', messageId: message.id, at });
          if (claimed > 0) break;
          lost++;
        }
      }
      throw new Error(`the worker of ${iccid} did not finish`);
    };
    await Promise.all(
      hosts.flatMap((host) => {
        const batch = new WriteBatch((steps) => host.store.outbound.applySendSteps(steps));
        return host.sims.map((_, slot) => worker(host, batch, slot));
      }),
    );

    const db = hosts[0]!.db;
    // Every part claimed exactly once (by the workers, and by the history's record of claims).
    const totalParts = Number(
      (await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM outbound_parts')).rows[0]!.n,
    );
    const keys = claims.map((c) => `${c.part.messageId}#${c.part.sequence}`);
    expect(claims).toHaveLength(totalParts);
    expect(new Set(keys).size).toBe(totalParts);
    const twice = await db.query(
      `SELECT message_id, sequence FROM outbound_history
        WHERE sequence IS NOT NULL AND status = 'sending'
        GROUP BY message_id, sequence HAVING COUNT(*) <> 1`,
    );
    expect(twice.rows).toEqual([]);
    // Every message sent, all of it through the one SIM it was bound to (the asked-for one).
    const messages = await db.query<{
      id: string;
      status: string;
      sender_iccid: string;
      sims: string[];
    }>(
      `SELECT m.id, m.status, m.sender_iccid, array_agg(DISTINCT p.sim_iccid) AS sims
         FROM outbound_messages m JOIN outbound_parts p ON p.message_id = m.id
        GROUP BY m.id ORDER BY m.id`,
    );
    expect(messages.rows).toHaveLength(MESSAGES);
    for (const row of messages.rows) {
      expect(row).toMatchObject({ status: 'sent', sims: [row.sender_iccid] });
      if (pinned.has(row.id)) expect(row.sender_iccid).toBe(pinned.get(row.id));
    }
    // Each host claimed, and only through SIMs it drives.
    const owner = new Map(hosts.flatMap((h) => h.sims.map((iccid) => [iccid, h.id] as const)));
    for (const claim of claims) expect(owner.get(claim.iccid)).toBe(claim.host);
    const stored = await db.query<{ sim_iccid: string; n: number }>(
      'SELECT sim_iccid, COUNT(*) AS n FROM outbound_parts GROUP BY sim_iccid',
    );
    for (const row of stored.rows) {
      const byHost = claims.filter((c) => c.iccid === row.sim_iccid);
      expect(byHost).toHaveLength(row.n);
    }
    for (const host of hosts) {
      expect(claims.filter((c) => c.host === host.id).length).toBeGreaterThan(0);
    }
    // The hosts did race: some listed messages were taken by another SIM first.
    expect(lost).toBeGreaterThan(0);
  }, 180_000);

  it("recovers at start-up only the restarting host's parts, while another host keeps sending", async () => {
    const { hosts } = await openHosts('outbound_requeue', 2, 2);
    const [a, b] = hosts as [Host, Host];
    for (const id of ['a-claimed', 'a-direct', 'b-claimed', 'b-direct', 'b-stored']) {
      await a.store.outbound.enqueue(outboundMessage(id));
    }
    const at = T0 + 1_000;
    await a.store.outbound.claimPart('a-claimed', a.sims[0]!, at);
    await a.store.outbound.claimPart('a-direct', a.sims[1]!, at);
    await a.store.outbound.recordDirectSend('a-direct', 1);
    await b.store.outbound.claimPart('b-claimed', b.sims[0]!, at);
    await b.store.outbound.claimPart('b-direct', b.sims[1]!, at);
    await b.store.outbound.recordDirectSend('b-direct', 1);
    await b.store.outbound.claimPart('b-stored', b.sims[0]!, at);
    await b.store.outbound.recordStoredSlot('b-stored', 1, { storage: 'SM', index: 2 });

    // Host A restarts while B is busy sending.
    expect(await a.store.outbound.requeueInterrupted(at + 1, 'at-most-once')).toEqual({
      requeued: 1,
      unknown: 1,
      awaitingSlot: 0,
    });
    const status = async (id: string) => (await a.store.outbound.getMessage(id))?.status;
    expect(await status('a-claimed')).toBe('queued');
    expect(await status('a-direct')).toBe('unknown');
    for (const id of ['b-claimed', 'b-direct', 'b-stored'])
      expect(await status(id)).toBe('sending');
    expect(await b.store.outbound.slottedParts(b.sims[0]!)).toMatchObject([
      { messageId: 'b-stored', status: 'sending', slot: { storage: 'SM', index: 2 } },
    ]);
    // B's sends go on as if nothing happened.
    await b.store.outbound.markPartSent('b-claimed', 1, b.sims[0]!, 1, at + 2);
    await b.store.outbound.markPartSent('b-direct', 1, b.sims[1]!, 2, at + 2);
    expect(await status('b-claimed')).toBe('sent');
    expect(await status('b-direct')).toBe('sent');
    // A's requeued message is anyone's again: B may take it.
    expect(await b.store.outbound.claimPart('a-claimed', b.sims[1]!, at + 3)).toMatchObject({
      messageId: 'a-claimed',
      attempts: 1,
    });
  });

  it('wakes the routers of every host when a message is queued on any, and after a lost LISTEN connection', async () => {
    const clock = new ManualClock();
    const states: ListenerState[] = [];
    const { url, hosts } = await openHosts('outbound_wake', 2, 1, {
      listener: async (db) => {
        const listener = await PostgresListener.start(db, {
          clock,
          minBackoffMs: 10,
          maxBackoffMs: 40,
          heartbeatMs: 0,
          onStateChange: (state) => states.push(state),
        });
        cleanups.push(() => listener.close());
        return listener;
      },
    });
    const [a, b] = hosts as [Host, Host];
    const wakesOnB = new Counter();
    b.store.outbound.onQueued(wakesOnB.hit);
    await b.store.outbound.startListening();

    await a.store.outbound.enqueue(outboundMessage('from-a'));
    await wakesOnB.reached(1);
    const queued = await b.store.outbound.listRoutable(T0, 10, { ready: [], urgentReady: [] });
    expect(queued.map((m) => m.id)).toEqual(['from-a']);

    // Work put back in the queue by A (its SIM failed it) wakes B too.
    const before = wakesOnB.count;
    await a.store.outbound.claimPart('from-a', a.sims[0]!, T0);
    await a.store.outbound.markPartFailed(
      'from-a',
      1,
      { permanent: false, cmsError: 38, detail: 'network out of order', tryElsewhere: true },
      T0,
    );
    await wakesOnB.reached(before + 1);

    // B's LISTEN connection is cut: once back, B routes again (it may have missed work).
    const admin = new pg.Client({ connectionString: requirePostgres() });
    await admin.connect();
    cleanups.push(() => admin.end());
    const backends = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = $1 AND application_name = 'simpool:host-2' AND query LIKE 'LISTEN%'`,
      [new URL(url).pathname.slice(1)],
    );
    expect(backends.rows).toHaveLength(1);
    const cut = wakesOnB.count;
    const connectedBefore = states.filter((s) => s === 'connected').length;
    await admin.query('SELECT pg_terminate_backend($1)', [backends.rows[0]!.pid]);
    while (!states.includes('disconnected')) await new Promise((r) => setImmediate(r));
    await a.store.outbound.enqueue(outboundMessage('while-cut', { createdAt: T0 + 1 }));
    await clock.advance(40); // B's reconnect backoff
    await wakesOnB.reached(cut + 1);
    expect(states.filter((s) => s === 'connected').length).toBe(connectedBefore + 1);

    // And it hears again.
    const heard = wakesOnB.count;
    await a.store.outbound.enqueue(outboundMessage('after', { createdAt: T0 + 2 }));
    await wakesOnB.reached(heard + 1);
  });

  it("refuses the modem side's writes of a host whose epoch moved on, writing nothing", async () => {
    const { hosts } = await openHosts('outbound_fenced', 1, 1);
    const [host] = hosts as [Host];
    const iccid = host.sims[0]!;
    await host.db.query(
      `INSERT INTO hosts (id, epoch, lease_until, started_at, renewed_at, version)
       VALUES ($1, 1, 0, 0, 0, 'test')`,
      [host.id],
    );
    // The session of epoch 1, as the host registry binds it: checked inside each transaction.
    host.store.fencing.bind({
      async assertCurrent(client) {
        const row = await client.query<{ epoch: number }>(
          'SELECT epoch FROM hosts WHERE id = $1 FOR SHARE',
          [host.id],
        );
        if (row.rows[0]?.epoch !== 1) throw new Error('fenced: epoch 1 is no longer current');
      },
    });
    await host.store.outbound.enqueue(outboundMessage('m', { parts: 2 }));
    await host.store.outbound.claimPart('m', iccid, T0);

    // Another process took the host id (a new epoch): this one may no longer write.
    await host.db.query('UPDATE hosts SET epoch = 2 WHERE id = $1', [host.id]);
    const refused = async (write: Promise<unknown>) =>
      expect(write).rejects.toThrow('fenced: epoch 1 is no longer current');
    await refused(host.store.outbound.markPartSent('m', 1, iccid, 1, T0));
    await refused(host.store.outbound.recordStoredSlot('m', 1, { storage: 'SM', index: 1 }));
    await refused(host.store.outbound.recordDirectSend('m', 1));
    await refused(host.store.outbound.clearSlot('m', 1, { storage: 'SM', index: 1 }));
    await refused(host.store.outbound.markPartUnknown('m', 1, 'x', T0));
    await refused(
      host.store.outbound.markPartFailed(
        'm',
        1,
        { permanent: true, cmsError: null, detail: 'x' },
        T0,
      ),
    );
    await refused(host.store.outbound.release('m', T0));
    await refused(host.store.outbound.claimPart('m', iccid, T0));
    await refused(host.store.outbound.requeueInterrupted(T0, 'at-most-once'));
    await refused(
      host.store.outbound.applySendSteps([{ kind: 'release', messageId: 'm', at: T0 }]),
    );
    expect(await host.store.outbound.getParts('m')).toMatchObject([
      { status: 'sending', messageReference: null },
      { status: 'queued' },
    ]);
    expect((await host.store.outbound.getMessage('m'))?.status).toBe('sending');
    // The API side is no modem's: queueing still works.
    await host.store.outbound.enqueue(outboundMessage('later'));
  });
});

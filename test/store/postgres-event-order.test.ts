/**
 * The PostgreSQL outbox across hosts (several pools on one database): transactions commit in any
 * order, and readers following `seq > cursor` still see every committed event exactly once, in
 * order; wake-ups cross hosts and survive a lost LISTEN connection.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../src/domain/index.js';
import { ManualClock } from '../../src/shared/index.js';
import type { NewEvent } from '../../src/store/common/events.js';
import {
  openPostgres,
  PostgresOutboxWriter,
  type ListenerState,
  type PostgresDatabase,
  type PostgresOutboxOptions,
} from '../../src/store/postgres/index.js';
import { freshMigratedPostgresDatabase, requirePostgres } from '../helpers/postgres.js';
import { prng } from '../helpers/prng.js';
import { WakeCounter } from '../helpers/wake-counter.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Host {
  readonly name: string;
  readonly db: PostgresDatabase;
  readonly writer: PostgresOutboxWriter;
  readonly errors: Error[];
}

async function startHost(
  url: string,
  name: string,
  options: Omit<PostgresOutboxOptions, 'onError'> = {},
): Promise<Host> {
  const db = await openPostgres(url, { hostId: name, poolSize: 12 });
  const errors: Error[] = [];
  const writer = new PostgresOutboxWriter(db, { ...options, onError: (e) => errors.push(e) });
  cleanups.push(async () => {
    await writer.close();
    await db.close();
  });
  return { name, db, writer, errors };
}

class RollBack extends Error {}

function keyOf(event: DomainEvent): string {
  return `${String(event.data['txn'])}:${String(event.data['n'])}`;
}

function newEvent(txn: number, n: number): NewEvent {
  return {
    type: 'order.updated',
    customerId: `cus_${txn % 4}`,
    orderId: null,
    data: { txn, n },
    now: txn,
  };
}

/** A push reader as the WebSocket feeds are: woken by subscribe, reads pages after its cursor. */
class FeedReader {
  readonly seen: DomainEvent[] = [];
  readonly problems: string[] = [];
  private cursor = 0;
  private pumping = false;
  private again = false;
  private waiters: { readonly keys: readonly string[]; readonly resolve: () => void }[] = [];
  private readonly seenKeys = new Set<string>();

  constructor(
    readonly host: Host,
    private readonly pageSize: number,
  ) {
    host.writer.subscribe(() => this.pump());
  }

  /** Resolves once every key was seen; fails naming the first missing one otherwise. */
  saw(keys: readonly string[], timeoutMs = 10_000): Promise<void> {
    if (keys.every((key) => this.seenKeys.has(key))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const missing = keys.find((key) => !this.seenKeys.has(key));
        reject(new Error(`reader on ${this.host.name} never saw event ${missing}`));
      }, timeoutMs);
      this.waiters.push({
        keys,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  private pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.again = false;
          await this.readToTheEnd();
        } while (this.again);
      } catch (error) {
        this.problems.push(String(error));
      } finally {
        this.pumping = false;
      }
    })();
  }

  private async readToTheEnd(): Promise<void> {
    for (;;) {
      const page = await this.host.writer.eventsSince(this.cursor, this.pageSize);
      for (const event of page) {
        if (event.seq <= this.cursor) this.problems.push(`seq ${event.seq} after ${this.cursor}`);
        if (this.seenKeys.has(keyOf(event))) this.problems.push(`${keyOf(event)} twice`);
        this.seen.push(event);
        this.seenKeys.add(keyOf(event));
        this.cursor = event.seq;
      }
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.keys.every((key) => this.seenKeys.has(key))) return true;
        waiter.resolve();
        return false;
      });
      if (page.length < this.pageSize) return;
    }
  }
}

/** A writer transaction that has appended its events and waits to be told how to end. */
interface OpenTransaction {
  readonly keys: readonly string[];
  end(outcome: 'commit' | 'rollback'): Promise<void>;
}

async function openTransaction(host: Host, txn: number, count: number): Promise<OpenTransaction> {
  let appended!: () => void;
  const hasAppended = new Promise<void>((resolve) => (appended = resolve));
  let decide!: (outcome: 'commit' | 'rollback') => void;
  const decided = new Promise<'commit' | 'rollback'>((resolve) => (decide = resolve));
  const ended = host.db
    .transaction(
      async (client) => {
        for (let n = 0; n < count; n++) await host.writer.append(client, newEvent(txn, n));
        appended();
        if ((await decided) === 'rollback') throw new RollBack();
      },
      { maxAttempts: 1 },
    )
    .catch((error: unknown) => {
      if (!(error instanceof RollBack)) throw error;
    });
  // A failing test still ends it (a second decision changes nothing), so the pool can close.
  cleanups.push(() => {
    decide('rollback');
    return ended.catch(() => undefined);
  });
  await Promise.race([
    hasAppended,
    ended.then(() => Promise.reject(new Error(`transaction ${txn} ended before appending`))),
  ]);
  return {
    keys: Array.from({ length: count }, (_, n) => `${txn}:${n}`),
    end(outcome) {
      decide(outcome);
      return ended;
    },
  };
}

/** The server processes of `database`'s LISTEN connections of one host. */
async function listeningBackends(admin: pg.Client, database: string, host: string) {
  const result = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
     WHERE datname = $1 AND application_name = $2 AND query LIKE 'LISTEN%'`,
    [database, `simpool:${host}`],
  );
  return result.rows.map((row) => row.pid);
}

describe('PostgreSQL outbox across hosts', () => {
  it('shows every committed event once, in seq order, to readers on every host, whatever the commit order', async () => {
    const url = await freshMigratedPostgresDatabase('event_order');
    const hosts = [
      await startHost(url, 'host-a'),
      await startHost(url, 'host-b', { batchSize: 3 }), // numbers in several short transactions
      await startHost(url, 'host-c'),
    ];
    const readers = hosts.flatMap((host) => [new FeedReader(host, 4), new FeedReader(host, 50)]);
    for (const host of hosts) await host.writer.startListening();

    const random = prng(1313);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const open = new Set<OpenTransaction>();
    const committed: string[] = [];
    const rolledBack: string[] = [];
    const TRANSACTIONS = 90;
    const OPEN_AT_MOST = 12; // across the 3 pools of 12 connections
    let started = 0;
    while (started < TRANSACTIONS || open.size > 0) {
      while (open.size < OPEN_AT_MOST && started < TRANSACTIONS) {
        const host = hosts[started % hosts.length]!;
        open.add(await openTransaction(host, started, 1 + Math.floor(random() * 3)));
        started++;
      }
      // End one to three of the open transactions together, in a random order: the others stay
      // open, holding events appended before the ones now committing.
      const ending = new Set<OpenTransaction>();
      const howMany = 1 + Math.floor(random() * 3);
      while (ending.size < Math.min(howMany, open.size)) ending.add(pick([...open]));
      await Promise.all(
        [...ending].map((transaction) => {
          open.delete(transaction);
          const outcome = random() < 0.2 ? 'rollback' : 'commit';
          (outcome === 'commit' ? committed : rolledBack).push(...transaction.keys);
          return transaction.end(outcome);
        }),
      );
      // Every reader has read what was committed so far before anything else commits.
      await Promise.all(readers.map((reader) => reader.saw(committed)));
    }

    expect(rolledBack.length).toBeGreaterThan(0);
    const expectedSeqs = committed.map((_, i) => i + 1); // numbers only for committed events
    const reference = readers[0]!.seen.map((e) => `${e.seq}=${keyOf(e)}`);
    for (const reader of readers) {
      expect(reader.problems).toEqual([]);
      expect(reader.seen.map((e) => e.seq)).toEqual(expectedSeqs);
      expect(new Set(reader.seen.map(keyOf))).toEqual(new Set(committed));
      expect(reader.seen.map((e) => `${e.seq}=${keyOf(e)}`)).toEqual(reference);
    }
    // One transaction's events are numbered together, in the order they were appended.
    const seqOf = new Map(readers[0]!.seen.map((e) => [keyOf(e), e.seq]));
    for (let txn = 0; txn < TRANSACTIONS; txn++) {
      const seqs = [0, 1, 2].map((n) => seqOf.get(`${txn}:${n}`)).filter((s) => s !== undefined);
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    }
    for (const host of hosts) expect(host.errors).toEqual([]);
  });

  it('wakes a subscriber on another host, and again after its LISTEN connection was cut', async () => {
    const url = await freshMigratedPostgresDatabase('event_wake');
    const database = new URL(url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: requirePostgres() });
    await admin.connect();
    cleanups.push(() => admin.end());
    const clock = new ManualClock();
    const states: ListenerState[] = [];
    const stateSeen = new WakeCounter();
    const a = await startHost(url, 'host-a');
    const b = await startHost(url, 'host-b', {
      listenerOptions: {
        clock,
        minBackoffMs: 10,
        maxBackoffMs: 40,
        onStateChange: (state) => {
          states.push(state);
          stateSeen.wake();
        },
      },
    });
    const woken = new WakeCounter();
    b.writer.subscribe(woken.wake);
    await b.writer.startListening();
    const commitOnA = (txn: number) =>
      a.db.transaction((client) => a.writer.append(client, newEvent(txn, 0)));
    const readOnB = async () => (await b.writer.eventsSince(0, 100)).map(keyOf);

    let calls = woken.count;
    await commitOnA(1);
    await woken.reached(calls + 1, 'host B woken by a commit on host A');
    expect(await readOnB()).toEqual(['1:0']);

    const [pid] = await listeningBackends(admin, database, 'host-b');
    expect(pid).toBeDefined();
    const changes = states.length;
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await stateSeen.reached(changes + 1, 'host B disconnected');
    expect(states.at(-1)).toBe('disconnected');
    // Committed while B hears nothing (and nobody else listens: it stays unnumbered).
    calls = woken.count;
    await commitOnA(2);
    expect(woken.count).toBe(calls);

    await clock.advance(40); // B's reconnect backoff
    await woken.reached(calls + 1, 'host B woken after reconnecting');
    expect(states.at(-1)).toBe('connected');
    expect(await readOnB()).toEqual(['1:0', '2:0']);
    const [newPid] = await listeningBackends(admin, database, 'host-b');
    expect(newPid).toBeDefined();
    expect(newPid).not.toBe(pid);

    calls = woken.count;
    await commitOnA(3);
    await woken.reached(calls + 1, 'host B woken by a later commit on host A');
    expect(await readOnB()).toEqual(['1:0', '2:0', '3:0']);
  });
});

describe('PostgreSQL outbox numbering', () => {
  it('numbers events committed with nobody listening when they are first read', async () => {
    const url = await freshMigratedPostgresDatabase('event_numbering');
    const host = await startHost(url, 'cli');
    const unnumbered = async () =>
      (
        await host.db.query<{ id: string }>(
          'SELECT id FROM events WHERE seq IS NULL ORDER BY rowid',
        )
      ).rows;

    await host.db.transaction(async (client) => {
      await host.writer.append(client, newEvent(1, 0));
      await host.writer.append(client, newEvent(1, 1));
    });
    const [first] = await unnumbered();
    expect((await unnumbered()).length).toBe(2);
    // A resume position is never unnumbered: findEvent numbers first.
    expect((await host.writer.findEvent(first!.id))?.seq).toBe(1);
    expect(await unnumbered()).toEqual([]);

    await host.db.transaction((client) => host.writer.append(client, newEvent(2, 0)));
    expect(await host.writer.latestSeq()).toBe(3);

    await host.db.transaction((client) => host.writer.append(client, newEvent(3, 0)));
    expect((await host.writer.eventsSince(3, 10)).map(keyOf)).toEqual(['3:0']);

    await host.db.transaction((client) => host.writer.append(client, newEvent(4, 0)));
    await host.writer.numberCommittedEvents();
    expect(await unnumbered()).toEqual([]);
    expect(host.errors).toEqual([]);
  });

  it('leaves an open transaction’s events unnumbered and unseen, and numbers them above the rest once committed', async () => {
    const url = await freshMigratedPostgresDatabase('event_open');
    const host = await startHost(url, 'host-a');
    const slow = await openTransaction(host, 1, 2);
    await host.db.transaction((client) => host.writer.append(client, newEvent(2, 0)));

    expect((await host.writer.eventsSince(0, 10)).map(keyOf)).toEqual(['2:0']);
    expect(await host.writer.latestSeq()).toBe(1);

    await slow.end('commit');
    expect((await host.writer.eventsSince(1, 10)).map((e) => [e.seq, keyOf(e)])).toEqual([
      [2, '1:0'],
      [3, '1:1'],
    ]);
  });
});

import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/shared/index.js';
import {
  notify,
  openPostgres,
  PostgresListener,
  type ListenerState,
  type PostgresDatabase,
} from '../../src/store/postgres/index.js';
import { freshPostgresDatabase, requirePostgres } from '../helpers/postgres.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function database(label: string): Promise<{ db: PostgresDatabase; name: string }> {
  const url = await freshPostgresDatabase(label);
  const db = await openPostgres(url);
  cleanups.push(() => db.close());
  return { db, name: new URL(url).pathname.slice(1) };
}

/** Values pushed by callbacks, and a way to wait for the one that satisfies a test. */
class Recorder<T> {
  readonly values: T[] = [];
  private waiters: { match: (value: T) => boolean; resolve: () => void }[] = [];

  push = (value: T): void => {
    this.values.push(value);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.match(value)) return true;
      waiter.resolve();
      return false;
    });
  };

  /** Resolves when a value matching arrives (or has arrived since `fromIndex`). */
  next(match: (value: T) => boolean, fromIndex = 0): Promise<void> {
    if (this.values.slice(fromIndex).some(match)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }
}

async function startListener(db: PostgresDatabase, clock?: ManualClock) {
  const states = new Recorder<ListenerState>();
  const errors = new Recorder<Error>();
  const listener = await PostgresListener.start(db, {
    onStateChange: states.push,
    onError: errors.push,
    minBackoffMs: 10,
    maxBackoffMs: 40,
    heartbeatMs: 1000,
    ...(clock ? { clock } : {}),
  });
  cleanups.push(() => listener.close());
  return { listener, states, errors };
}

/** The server process of the database's LISTEN connection(s). */
async function listeningBackends(admin: pg.Client, database: string): Promise<number[]> {
  const result = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'`,
    [database],
  );
  return result.rows.map((row) => row.pid);
}

async function adminClient(): Promise<pg.Client> {
  const admin = new pg.Client({ connectionString: requirePostgres() });
  await admin.connect();
  cleanups.push(() => admin.end());
  return admin;
}

describe('PostgresListener', () => {
  it('delivers notifications of committed transactions only, at commit', async () => {
    const { db } = await database('listen_basic');
    const { listener, states } = await startListener(db);
    expect(states.values).toEqual(['connected']);
    const received = new Recorder<string>();
    const other = new Recorder<string>();
    await listener.listen('wake', { onNotification: received.push });
    await listener.listen('Other "Channel"', { onNotification: other.push });

    await notify(db, 'wake', 'now');
    await notify(db, 'Other "Channel"');
    await received.next((p) => p === 'now');
    await other.next((p) => p === '');

    // Inside a transaction: delivered at its commit, never if it rolls back. Notifications of
    // different transactions arrive in commit order, so a later one proves an earlier absence.
    let commit!: () => void;
    const mayCommit = new Promise<void>((resolve) => (commit = resolve));
    const committed = db.transaction(async (client) => {
      await notify(client, 'wake', 'in-transaction');
      await mayCommit;
    });
    await notify(db, 'wake', 'outside');
    await received.next((p) => p === 'outside');
    expect(received.values).not.toContain('in-transaction');
    commit();
    await committed;
    await received.next((p) => p === 'in-transaction');

    await db
      .transaction(async (client) => {
        await notify(client, 'wake', 'rolled-back');
        throw new Error('abandon');
      })
      .catch(() => undefined);
    await notify(db, 'wake', 'after');
    await received.next((p) => p === 'after');
    expect(received.values).toEqual(['now', 'outside', 'in-transaction', 'after']);
  });

  it('reconnects after pg_terminate_backend, tells readers to catch up, and hears again', async () => {
    const { db, name } = await database('listen_reconnect');
    const admin = await adminClient();
    const clock = new ManualClock();
    const { listener, states, errors } = await startListener(db, clock);
    const received = new Recorder<string>();
    let reconnects = 0;
    await listener.listen('wake', {
      onNotification: received.push,
      onReconnect: () => void reconnects++,
    });
    const [pid] = await listeningBackends(admin, name);
    expect(pid).toBeDefined();

    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await states.next((s) => s === 'disconnected');
    expect(listener.connected).toBe(false);
    expect(errors.values.length).toBeGreaterThan(0);
    // Sent while nobody listens: lost, which is why readers re-read the tables.
    await notify(db, 'wake', 'missed');

    await clock.advance(40); // the backoff
    await states.next((s) => s === 'connected', 1);
    expect(listener.connected).toBe(true);
    await vi.waitFor(() => expect(reconnects).toBe(1));
    const [newPid] = await listeningBackends(admin, name);
    expect(newPid).toBeDefined();
    expect(newPid).not.toBe(pid);

    await notify(db, 'wake', 'again');
    await received.next((p) => p === 'again');
    expect(received.values).toEqual(['again']);
  });

  it('keeps retrying while the database refuses connections, and comes back', async () => {
    const { db, name } = await database('listen_down');
    const admin = await adminClient();
    const clock = new ManualClock();
    const { listener, states, errors } = await startListener(db, clock);
    let reconnects = 0;
    await listener.listen('wake', {
      onNotification: () => undefined,
      onReconnect: () => void reconnects++,
    });

    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    cleanups.push(async () => {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    });
    await admin.query(
      'SELECT pg_terminate_backend($1)',
      (await listeningBackends(admin, name)).slice(0, 1),
    );
    await states.next((s) => s === 'disconnected');
    const errorsBefore = errors.values.length;
    for (let attempt = 0; attempt < 3; attempt++) {
      const seen = errors.values.length;
      await clock.advance(40);
      await errors.next(() => true, seen); // that attempt was refused
    }
    expect(errors.values.slice(errorsBefore).map((e) => e.message)).toEqual(
      Array(3).fill(`database "${name}" is not currently accepting connections`),
    );
    expect(listener.connected).toBe(false);
    expect(reconnects).toBe(0);

    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    await clock.advance(40);
    await states.next((s) => s === 'connected', 1);
    await vi.waitFor(() => expect(reconnects).toBe(1));
  });

  it('starts while the database refuses connections; readers listening meanwhile catch up', async () => {
    const { db, name } = await database('listen_late');
    const admin = await adminClient();
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    cleanups.push(async () => {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    });
    const clock = new ManualClock();
    const { listener, states } = await startListener(db, clock);
    expect(states.values).toEqual(['disconnected']);
    let reconnects = 0;
    const received = new Recorder<string>();
    await listener.listen('wake', {
      onNotification: received.push,
      onReconnect: () => void reconnects++,
    });
    expect(reconnects).toBe(0);

    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    await clock.advance(40);
    await states.next((s) => s === 'connected');
    await vi.waitFor(() => expect(reconnects).toBe(1));
    await notify(db, 'wake', 'hello');
    await received.next((p) => p === 'hello');
  });

  it('after close: connection ended, no timer left, nothing reconnects', async () => {
    const { db, name } = await database('listen_close');
    const admin = await adminClient();
    const clock = new ManualClock();
    const { listener, states } = await startListener(db, clock);
    await listener.listen('wake', { onNotification: () => undefined });
    expect(clock.pendingTimers).toBe(1); // the heartbeat

    // Closed while a reconnect is pending.
    await admin.query(
      'SELECT pg_terminate_backend($1)',
      (await listeningBackends(admin, name)).slice(0, 1),
    );
    await states.next((s) => s === 'disconnected');
    expect(clock.pendingTimers).toBe(1); // the reconnect
    await listener.close();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(60_000);
    expect(states.values).toEqual(['connected', 'disconnected', 'closed']);
    // A terminated backend leaves pg_stat_activity when its process has exited, a moment after
    // pg_terminate_backend returns: wait for that, while nothing may have connected again.
    await vi.waitFor(async () => expect(await listeningBackends(admin, name)).toEqual([]), {
      timeout: 10_000,
    });

    // Closed while connected.
    const second = await startListener(db, clock);
    await second.listener.listen('wake', { onNotification: () => undefined });
    expect(await listeningBackends(admin, name)).toHaveLength(1);
    await second.listener.close();
    expect(clock.pendingTimers).toBe(0);
    await vi.waitFor(async () => expect(await listeningBackends(admin, name)).toEqual([]));
    await clock.advance(60_000);
    expect(second.states.values).toEqual(['connected', 'closed']);
  });

  it('a silent connection is found by the heartbeat', async () => {
    const { db, name } = await database('listen_heartbeat');
    const admin = await adminClient();
    const clock = new ManualClock();
    const { listener, states } = await startListener(db, clock);
    await listener.listen('wake', { onNotification: () => undefined });
    const [pid] = await listeningBackends(admin, name);
    // Stopping the backend (SIGSTOP) makes the connection hang without closing, like a
    // network cut: only the heartbeat's timeout notices.
    process.kill(pid!, 'SIGSTOP');
    cleanups.push(() => {
      process.kill(pid!, 'SIGCONT');
      return Promise.resolve();
    });
    await clock.advance(1000); // heartbeat sent; its query_timeout runs on real time
    await states.next((s) => s === 'disconnected');
    expect(states.values).toEqual(['connected', 'disconnected']);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHostLease, type HostLease } from '../../../src/daemon/host-lease.js';
import { ManualClock } from '../../../src/shared/index.js';
import { createStore, openDatabase, type SqliteDatabase } from '../../../src/store/index.js';

/**
 * The daemon's hold on its host id, on a real SQLite file and a ManualClock: renewals every
 * third of the lease, the reaper after each, fencing, and renewals that cannot reach the
 * database.
 */
const TTL = 3000;

describe('the host lease of a running daemon', () => {
  let dir: string;
  let file: string;
  let db: SqliteDatabase;
  let clock: ManualClock;
  let lines: string[];
  let fenced: number;
  /** The host ids of each onReaped call. */
  let reapedCalls: string[][];
  let lease: HostLease | undefined;

  const logged = (msg: string): number =>
    lines.filter((line) => line.includes(`"msg":"${msg}`)).length;
  const host = (id: string) =>
    db.prepare('SELECT epoch, renewed_at, reaped_epoch FROM hosts WHERE id = ?').get(id) as {
      epoch: number;
      renewed_at: number;
      reaped_epoch: number;
    };
  const begin = async (): Promise<HostLease> => {
    lease = await startHostLease({
      hosts: createStore(db, { clock }).hosts,
      hostId: 'rack-1',
      version: 'test',
      leaseTtlMs: TTL,
      clock,
      logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }),
      onFenced: () => void fenced++,
      onReaped: (hosts) => void reapedCalls.push(hosts.map((h) => h.hostId)),
    });
    return lease;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'simpool-host-lease-'));
    file = path.join(dir, 'simpool.db');
    // No busy wait: a renewal meeting another connection's write lock fails at once.
    db = openDatabase(file, { busyTimeoutMs: 0 });
    clock = new ManualClock(Date.UTC(2026, 0, 1));
    lines = [];
    fenced = 0;
    reapedCalls = [];
    lease = undefined;
  });
  afterEach(async () => {
    await lease?.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renews every third of the lease and reaps the hosts whose lease ran out', async () => {
    const other = await createStore(db, { clock }).hosts.start({
      hostId: 'rack-2',
      version: 'test',
      apiUrl: null,
      leaseTtlMs: TTL,
    });
    await begin();
    expect(host('rack-1')).toMatchObject({ epoch: 1, renewed_at: clock.now() });

    await clock.advance(TTL / 3);
    expect(host('rack-1').renewed_at).toBe(clock.now());
    expect(host('rack-2').reaped_epoch).toBe(0); // rack-2's lease still runs
    expect(reapedCalls).toEqual([]); // nothing reaped: no call

    // rack-2 stops renewing: once its lease ran out, the next renewal of rack-1 reaps it.
    await clock.advance(TTL);
    expect(host('rack-2').reaped_epoch).toBe(1);
    expect(logged('host lease ended')).toBe(1);
    // Told once (the daemon then matches the SMS rack-2 stored but never matched).
    await clock.advance(TTL / 3);
    expect(reapedCalls).toEqual([['rack-2']]);
    expect(host('rack-1').renewed_at).toBe(clock.now());
    expect(await other.renew()).toEqual({ ok: false, reason: 'fenced' });
  });

  it('stops renewing and reports once when its epoch was reaped by another host', async () => {
    await begin();
    // rack-1 could not renew in time (paused, cut off): rack-2, in another process, reaps it.
    db.prepare(`UPDATE hosts SET lease_until = 0 WHERE id = 'rack-1'`).run();
    const otherProcess = openDatabase(file);
    const other = await createStore(otherProcess, { clock }).hosts.start({
      hostId: 'rack-2',
      version: 'test',
      apiUrl: null,
      leaseTtlMs: TTL,
    });
    expect((await other.reapDeadHosts()).map((r) => r.hostId)).toEqual(['rack-1']);
    await clock.advance(TTL / 3);
    expect(fenced).toBe(1);
    expect(logged('this host was fenced')).toBe(1);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(TTL * 3);
    expect(fenced).toBe(1);
    await lease!.stop();
    lease = undefined;
    // The fenced stop wrote nothing; the host id is free for the next start.
    expect(host('rack-1')).toMatchObject({ epoch: 1, reaped_epoch: 1 });
    const back = await createStore(otherProcess, { clock }).hosts.start({
      hostId: 'rack-1',
      version: 'test',
      apiUrl: null,
      leaseTtlMs: TTL,
    });
    expect(back.epoch).toBe(2);
    await back.stop();
    await other.stop();
    otherProcess.close();
  });

  it('retries a renewal that cannot reach the database every second, and says when the lease may be gone', async () => {
    await begin();
    const blocker = openDatabase(file);
    try {
      blocker.exec('BEGIN EXCLUSIVE');
      await clock.advance(TTL / 3);
      expect(logged('host lease renewal failed; retrying')).toBe(1);
      expect(clock.pendingTimers).toBe(1);
      // Retried every second, reported once; once the lease's end passed, an error says so.
      await clock.advance(TTL);
      expect(logged('host lease renewal failed; retrying')).toBe(1);
      expect(logged('host lease may have expired')).toBe(1);
      blocker.exec('COMMIT');
    } finally {
      blocker.close();
    }
    const before = clock.now();
    await clock.advance(1000);
    expect(logged('host lease renewed again')).toBe(1);
    expect(host('rack-1').renewed_at).toBeGreaterThan(before);
    expect(fenced).toBe(0);
  });

  it('a clean stop ends the lease now', async () => {
    await begin();
    await clock.advance(500);
    await lease!.stop();
    lease = undefined;
    const row = db
      .prepare(`SELECT stopped_at, lease_until FROM hosts WHERE id = 'rack-1'`)
      .get() as { stopped_at: number; lease_until: number };
    expect(row).toEqual({ stopped_at: clock.now(), lease_until: clock.now() });
    expect(clock.pendingTimers).toBe(0);
  });
});

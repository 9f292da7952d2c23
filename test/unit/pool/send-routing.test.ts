import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ModemPool,
  NO_THROTTLE,
  composeOutbound,
  type OutboundMessageRow,
  type ThrottleLimits,
} from '../../../src/pool/index.js';
import { ManualClock } from '../../../src/shared/index.js';
import { ModemBank } from '../../../src/simulator/index.js';
import { createRepositories, openDatabase, type SqliteStore } from '../../../src/store/index.js';
import { advanceBy, advanceUntil } from '../../helpers/advance.js';

/**
 * Routing and throttles through a real pool: in-process simulated modems (index % 4 gives the
 * SIM's country: 0 GB, 1 US, 2 RU, 3 DE), a real SQLite file and one ManualClock for all.
 */
interface Rig {
  readonly clock: ManualClock;
  readonly bank: ModemBank;
  readonly repos: SqliteStore;
  readonly pool: ModemPool;
  queue(
    to: string,
    text: string,
    options?: { country?: string; priority?: number; validUntil?: number; from?: string },
  ): Promise<string>;
  row(id: string): Promise<OutboundMessageRow>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const OFF: ThrottleLimits = NO_THROTTLE;

async function rig(count: number, limits: ThrottleLimits = OFF): Promise<Rig> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-routing-'));
  const clock = new ManualClock(Date.UTC(2026, 10, 22, 12));
  const bank = new ModemBank({
    count,
    clock,
    timing: { statusReportDelayMs: 1000, sendDelayMs: 0 },
  });
  const db = openDatabase(path.join(dir, 'simpool.db'));
  const repos = createRepositories(db);
  const pool = new ModemPool({
    sources: [],
    fixedSlots: bank.modems.map((m) => ({ address: `sim${m.index}`, linkFactory: m.connect })),
    inventory: repos.inventory,
    inbound: repos.inbound,
    outbound: repos.outbound,
    clock,
    throttleFor: () => limits,
  });
  cleanups.push(async () => {
    await pool.stop();
    bank.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });
  const starting = pool.start();
  // Start-up recovery is awaited before the modems are attached: wait for all of them.
  const ready = () => pool.modems().filter((m) => m.state === 'ready').length === count;
  await advanceUntil(clock, ready, 100, 3_000);
  await starting;
  // Each SIM first lists what an earlier run left in its modem storage (AT+CMGL=2/3): let that
  // finish, so the first send's network time is not pushed back by it (the cap tests read them).
  await advanceBy(clock, 1_000, 100);
  return {
    clock,
    bank,
    repos,
    pool,
    async queue(to, text, options = {}) {
      const message = composeOutbound({
        to,
        text,
        iccid: options.from ?? null,
        now: clock.now(),
        toCountry: options.country ?? null,
        priority: options.priority ?? 0,
        validUntil: options.validUntil ?? null,
      });
      await repos.outbound.enqueue(message);
      pool.wakeSenders();
      return message.id;
    },
    async row(id) {
      return (await repos.outbound.getMessage(id))!;
    },
  };
}

const rows = (r: Rig, ids: readonly string[]) => Promise.all(ids.map((id) => r.row(id)));
const sentBy = (r: Rig, index: number) => r.bank.modems[index]!.sent.map((s) => s.text);
const iccidOf = (r: Rig, index: number) => r.bank.modems[index]!.identity.iccid;

describe('routing outbound SMS', () => {
  it("prefers a free SIM in the recipient's country, else the least loaded one", async () => {
    const r = await rig(4);
    const toDe = await r.queue('+4915112345678', 'to Germany', { country: 'DE' });
    const toRu = await r.queue('+79161234567', 'to Russia', { country: 'RU' });
    await advanceUntil(
      r.clock,
      async () => (await r.row(toDe)).status === 'sent' && (await r.row(toRu)).status === 'sent',
    );
    expect((await r.row(toDe)).senderIccid).toBe(iccidOf(r, 3));
    expect((await r.row(toRu)).senderIccid).toBe(iccidOf(r, 2));
    // Nowhere local (France): the SIMs that sent nothing yet share the work.
    const fr: string[] = [];
    for (const i of [1, 2])
      fr.push(await r.queue('+33612345678', `to France ${i}`, { country: 'FR' }));
    await advanceUntil(r.clock, async () =>
      (await rows(r, fr)).every((row) => row.status === 'sent'),
    );
    const senders = new Set((await rows(r, fr)).map((row) => row.senderIccid));
    expect(senders).toEqual(new Set([iccidOf(r, 0), iccidOf(r, 1)]));
  });

  it('never routes through a SIM the operator disabled', async () => {
    const r = await rig(2);
    r.repos.db.prepare('UPDATE sims SET enabled = 0 WHERE iccid = ?').run(iccidOf(r, 0));
    const ids: string[] = [];
    for (const i of [1, 2, 3])
      ids.push(await r.queue('+447700900555', `to the UK ${i}`, { country: 'GB' }));
    await advanceUntil(r.clock, async () =>
      (await rows(r, ids)).every((row) => row.status !== 'queued'),
    );
    expect((await rows(r, ids)).map((row) => row.senderIccid)).toEqual(
      ids.map(() => iccidOf(r, 1)),
    );
    expect(sentBy(r, 0)).toEqual([]);
  });

  it('retries a temporary failure on another SIM at once', async () => {
    const r = await rig(2);
    // Both SIMs are idle and unloaded: the lower ICCID is picked first; make it fail.
    const first = [0, 1].sort((a, b) => (iccidOf(r, a) < iccidOf(r, b) ? -1 : 1))[0]!;
    r.bank.modems[first]!.fault({ kind: 'send_error', cms: 42, count: 1 });
    const id = await r.queue('+447700900555', 'congested once');
    await advanceUntil(r.clock, async () => (await r.row(id)).status === 'sent');
    expect((await r.row(id)).senderIccid).toBe(iccidOf(r, 1 - first));
    expect(sentBy(r, 1 - first)).toEqual(['congested once']);
    expect(sentBy(r, first)).toEqual([]);
    expect(r.repos.outbound.getParts(id)).toMatchObject([{ status: 'sent', attempts: 1 }]);
  });

  it('keeps each SIM under its caps and pauses during a burst; urgent skips the pause only', async () => {
    const limits = { ...OFF, enabled: true, perMinute: 3, perHour: 5, perDay: 6 };
    const r = await rig(2, { ...limits, pauseMinMs: 5_000, pauseMaxMs: 10_000 });
    const burst: string[] = [];
    for (let i = 0; i < 20; i++) burst.push(await r.queue('+447700900555', `burst ${i}`));
    const step = 250;
    await advanceBy(r.clock, 5 * 60_000, step);
    for (const index of [0, 1]) {
      const times = r.bank.modems[index]!.sent.map((s) => s.timestampMs);
      expect(times).toHaveLength(5);
      // Never more than 3 in any minute, and at least the minimum pause between messages. The
      // times are the network's: a send (AT+CMGW, its commit, AT+CMSS) spans a few I/O turns,
      // and the manual clock moves one step between turns, so allow one step of jitter.
      for (let i = 3; i < times.length; i++)
        expect(times[i]! - times[i - 3]!).toBeGreaterThanOrEqual(60_000 - step);
      for (let i = 1; i < times.length; i++)
        expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(5_000 - step);
    }
    const states = (await rows(r, burst)).map((row) => row.status);
    expect(states.filter((s) => s === 'delivered')).toHaveLength(10);
    expect(states.filter((s) => s === 'queued')).toHaveLength(10);
    // An hour later the hourly window reopens: one more each reaches the daily cap of 6.
    await advanceBy(r.clock, 60 * 60_000, 1_000);
    const urgent = await r.queue('+447700900555', 'urgent', { priority: 100 });
    await advanceBy(r.clock, 10 * 60_000, 1_000);
    expect([0, 1].map((i) => r.bank.modems[i]!.sent.length)).toEqual([6, 6]);
    // The urgent message outranks the burst but cannot pass the daily cap.
    expect((await r.row(urgent)).status).toBe('queued');
  });

  it('sends an urgent message (priority 100) without the pause, then the queued ones after it', async () => {
    const limits = { ...OFF, enabled: true, perMinute: 10, perHour: 100, perDay: 500 };
    const r = await rig(1, { ...limits, pauseMinMs: 30_000, pauseMaxMs: 30_000 });
    const normal = await r.queue('+447700900555', 'first');
    await advanceUntil(r.clock, async () => (await r.row(normal)).status !== 'queued');
    const waiting = await r.queue('+447700900555', 'second', { priority: 10 });
    const urgent = await r.queue('+447700900555', 'urgent', { priority: 100 });
    await advanceBy(r.clock, 5_000, 250);
    expect(sentBy(r, 0)).toEqual(['first', 'urgent']);
    expect((await r.row(waiting)).status).toBe('queued');
    await advanceBy(r.clock, 40_000, 1_000);
    expect(sentBy(r, 0)).toEqual(['first', 'urgent', 'second']);
    const [first, second, third] = r.bank.modems[0]!.sent.map((m) => m.timestampMs);
    expect(second! - first!).toBeLessThan(30_000);
    expect(third! - second!).toBeGreaterThanOrEqual(30_000);
    expect((await r.row(urgent)).senderIccid).toBe(iccidOf(r, 0));
  });

  it('expires a message its SIMs could not send before valid_until, and never sends it', async () => {
    const limits = { ...OFF, enabled: true, perMinute: 1, perHour: 100, perDay: 500 };
    const r = await rig(1, limits);
    const first = await r.queue('+447700900555', 'takes the only slot this minute');
    const late = await r.queue('+447700900555', 'worthless after 30 s', {
      validUntil: r.clock.now() + 30_000,
    });
    await advanceBy(r.clock, 90_000, 1_000);
    expect((await r.row(first)).status).not.toBe('queued');
    expect(await r.row(late)).toMatchObject({ status: 'expired', errorCode: 'sms_expired' });
    expect(sentBy(r, 0)).toEqual(['takes the only slot this minute']);
  });

  it("does not let one resting SIM's backlog hide work another free SIM can take", async () => {
    const limits = { ...OFF, enabled: true, perMinute: 1, perHour: 100, perDay: 500 };
    const r = await rig(2, limits);
    const fromA: string[] = [];
    for (let i = 0; i < 40; i++)
      fromA.push(await r.queue('+447700900555', `from A ${i}`, { from: iccidOf(r, 0) }));
    const any = await r.queue('+447700900555', 'any SIM will do');
    await advanceBy(r.clock, 10_000, 250);
    // A sent one (its cap), B took the unbound message at once although 39 wait before it.
    expect(sentBy(r, 0)).toEqual(['from A 0']);
    expect(sentBy(r, 1)).toEqual(['any SIM will do']);
    expect((await r.row(any)).senderIccid).toBe(iccidOf(r, 1));
    expect((await r.row(fromA[1]!)).status).toBe('queued');
  });
});

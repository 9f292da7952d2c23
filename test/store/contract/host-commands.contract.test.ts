import { afterEach, describe, expect, it } from 'vitest';
import type { HostCommandPort, NewHostCommand } from '../../../src/domain/index.js';
import { SqliteHostCommandRepository } from '../../../src/store/index.js';
import { PostgresHostCommandRepository } from '../../../src/store/postgres/index.js';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';

/**
 * HostCommandPort on both engines: every method, the same expectations. Cross-host races on
 * PostgreSQL (several pools claiming at once) are in test/store/postgres-host-commands.test.ts.
 */
const T0 = Date.UTC(2026, 0, 1, 12);
const IMEI = '356938035643809';

function command(overrides: Partial<NewHostCommand> = {}): NewHostCommand {
  return {
    hostId: 'host-b',
    modemImei: IMEI,
    action: 'ussd',
    params: { code: '*100#' },
    requestedByHost: 'host-a',
    now: T0,
    ...overrides,
  };
}

/** Resolves at the watcher's first call that `accept`s (the test's timeout bounds the wait). */
function firstCall<T extends unknown[]>(accept: (...args: T) => boolean = () => true) {
  let resolve!: (args: T) => void;
  const called = new Promise<T>((r) => (resolve = r));
  return { called, listener: (...args: T) => void (accept(...args) && resolve(args)) };
}

for (const engine of ENGINES) {
  describe(`HostCommandPort on ${engine}`, () => {
    let opened: EngineDatabase | undefined;
    let closeRepository: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await closeRepository?.();
      await opened?.close();
      opened = closeRepository = undefined;
    });

    async function setup(): Promise<{ db: EngineDatabase; commands: HostCommandPort }> {
      const db = (opened = await openEngineDatabase(engine, 'host_commands'));
      const handle = db.current();
      if (handle.engine === 'sqlite') {
        return { db, commands: new SqliteHostCommandRepository(handle.db) };
      }
      const repository = new PostgresHostCommandRepository(handle.db);
      closeRepository = () => repository.close();
      return { db, commands: repository };
    }

    it('records a request as pending, with its parameters and who asked', async () => {
      const { commands } = await setup();
      const id = await commands.request(command({ params: { to: '+447700900555', body: 'hi' } }));
      expect(id).toMatch(/^cmd_[0-9A-Z]{26}$/);
      expect(await commands.get(id)).toEqual({
        id,
        hostId: 'host-b',
        modemImei: IMEI,
        action: 'ussd',
        params: { to: '+447700900555', body: 'hi' },
        status: 'pending',
        result: null,
        errorCode: null,
        errorMessage: null,
        requestedByHost: 'host-a',
        createdAt: T0,
        startedAt: null,
        finishedAt: null,
      });
      expect(await commands.get('cmd_unknown')).toBeUndefined();
    });

    it("claims a host's own pending commands, oldest first, each once, up to the limit", async () => {
      const { commands } = await setup();
      const third = await commands.request(command({ now: T0 + 3 }));
      const first = await commands.request(command({ now: T0 + 1 }));
      const second = await commands.request(command({ now: T0 + 2, action: 'reset', params: {} }));
      const elsewhere = await commands.request(command({ hostId: 'host-c', now: T0 }));

      const claimed = await commands.claimPending('host-b', T0 + 10, 2);
      expect(claimed.map((c) => c.id)).toEqual([first, second]);
      expect(claimed[1]).toMatchObject({ status: 'running', startedAt: T0 + 10, action: 'reset' });
      expect((await commands.get(first))?.status).toBe('running');

      expect((await commands.claimPending('host-b', T0 + 11, 5)).map((c) => c.id)).toEqual([third]);
      expect(await commands.claimPending('host-b', T0 + 12, 5)).toEqual([]);
      expect((await commands.get(elsewhere))?.status).toBe('pending');
      expect((await commands.claimPending('host-c', T0 + 13, 5)).map((c) => c.id)).toEqual([
        elsewhere,
      ]);
    });

    it('completes a running command once, with its result or its error', async () => {
      const { commands } = await setup();
      const ussd = await commands.request(command());
      const reset = await commands.request(command({ action: 'reset', params: {} }));
      const refused = await commands.request(command());
      const waiting = await commands.request(command({ hostId: 'host-c' }));
      expect(await commands.complete(ussd, { result: 'too early' }, T0 + 1)).toBe(false);
      await commands.claimPending('host-b', T0 + 1, 10);

      expect(await commands.complete(ussd, { result: 'Balance 12.34' }, T0 + 5)).toBe(true);
      expect(await commands.complete(reset, { result: null }, T0 + 6)).toBe(true);
      const failure = { errorCode: 'bad_status', errorMessage: 'modem simulated:0 is offline' };
      expect(await commands.complete(refused, failure, T0 + 7)).toBe(true);

      expect(await commands.get(ussd)).toMatchObject({
        status: 'succeeded',
        result: 'Balance 12.34',
        errorCode: null,
        finishedAt: T0 + 5,
      });
      expect(await commands.get(reset)).toMatchObject({ status: 'succeeded', result: null });
      expect(await commands.get(refused)).toMatchObject({
        status: 'failed',
        result: null,
        ...failure,
        finishedAt: T0 + 7,
      });
      // Finished is final; a pending command and an unknown id are not completed.
      expect(await commands.complete(ussd, { result: 'again' }, T0 + 8)).toBe(false);
      expect((await commands.get(ussd))?.result).toBe('Balance 12.34');
      expect(await commands.complete(waiting, { result: 'x' }, T0 + 8)).toBe(false);
      expect(await commands.complete('cmd_unknown', { result: 'x' }, T0 + 8)).toBe(false);
    });

    it('fails commands never picked up as host_unavailable, and only those', async () => {
      const { commands } = await setup();
      const old = await commands.request(command({ now: T0 }));
      const oldOfC = await commands.request(command({ hostId: 'host-c', now: T0 + 10 }));
      const taken = await commands.request(command({ hostId: 'host-d', now: T0 }));
      const recent = await commands.request(command({ now: T0 + 11 }));
      await commands.claimPending('host-d', T0 + 1, 10);

      const expired = await commands.expirePending(T0 + 10, T0 + 30_000);
      expect([...expired].sort()).toEqual([old, oldOfC].sort());
      expect(await commands.get(old)).toMatchObject({
        status: 'failed',
        errorCode: 'host_unavailable',
        errorMessage: 'host host-b did not take the command in time: is it running?',
        finishedAt: T0 + 30_000,
      });
      expect((await commands.get(oldOfC))?.errorMessage).toContain('host host-c ');
      expect((await commands.get(taken))?.status).toBe('running');
      expect((await commands.get(recent))?.status).toBe('pending');
      expect(await commands.expirePending(T0 + 10, T0 + 30_001)).toEqual([]);
      // An expired command is never carried out, nor completed.
      expect((await commands.claimPending('host-b', T0 + 30_002, 10)).map((c) => c.id)).toEqual([
        recent,
      ]);
      expect(await commands.complete(old, { result: 'late' }, T0 + 30_003)).toBe(false);
    });

    it("tells the host a modem is recorded under, by IMEI ('' before hosts)", async () => {
      const { db, commands } = await setup();
      const insert = `INSERT INTO modems (imei, host_id, state_changed_at, first_seen_at,
        last_seen_at) VALUES (?, ?, 1, 1, 1)`;
      await db.exec(insert, [IMEI, 'host-b']);
      await db.exec(insert, ['356938035643810', '']);
      expect(await commands.modemHost(IMEI)).toBe('host-b');
      expect(await commands.modemHost('356938035643810')).toBe('');
      expect(await commands.modemHost('000000000000000')).toBeUndefined();
    });

    it('wakes the host a command is for, and whoever waits for its end', async () => {
      const { commands } = await setup();
      const forB = firstCall();
      const calledForC: unknown[] = [];
      const stopB = await commands.watchRequests('host-b', forB.listener);
      const stopC = await commands.watchRequests('host-c', () => calledForC.push(1));
      const id = await commands.request(command());
      await forB.called;
      // One notification, delivered to both watchers at once: host-c's was not for it.
      expect(calledForC).toEqual([]);

      const done = firstCall<[string | undefined]>((finished) => finished === id);
      const stopDone = await commands.watchCompletions(done.listener);
      await commands.claimPending('host-b', T0 + 1, 1);
      await commands.complete(id, { result: 'ok' }, T0 + 2);
      expect(await done.called).toEqual([id]);

      const late = await commands.request(command({ hostId: 'host-c' }));
      const expired = firstCall<[string | undefined]>((finished) => finished === late);
      const stopExpired = await commands.watchCompletions(expired.listener);
      await commands.expirePending(T0, T0 + 30_000);
      expect(await expired.called).toEqual([late]);
      expect(calledForC.length).toBeGreaterThan(0);

      // Stopped watchers hear nothing more: a last request for host-b wakes only a new one.
      stopB();
      stopC();
      stopDone();
      stopExpired();
      const countC = calledForC.length;
      const again = firstCall();
      const stopAgain = await commands.watchRequests('host-b', again.listener);
      await commands.request(command({ hostId: 'host-c' }));
      await commands.request(command());
      await again.called;
      expect(calledForC.length).toBe(countC);
      stopAgain();
    });
  });
}

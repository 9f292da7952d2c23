/**
 * HostRegistryPort on both engines: starts, epochs, renewals, fencing, clean stops, the
 * listing, adoption of rows from before hosts existed, and what reaping a dead host does.
 *
 * "Another process" is another registry object: each start takes the host's lock on a
 * connection of its own (a lock file on SQLite, an advisory lock on PostgreSQL), exactly as a
 * second daemon would. Leases are expired by writing `lease_until` directly (the engines' clocks
 * are the process's and the server's; nothing here waits for them).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  HostCommandPort,
  HostRegistryPort,
  HostSession,
  HostStartRequest,
} from '../../../src/domain/index.js';
import { isSimpoolError } from '../../../src/shared/index.js';
import { createStore } from '../../../src/store/index.js';
import {
  OUTBOUND_QUEUED_CHANNEL,
  PostgresHostCommandRepository,
  PostgresHostRegistry,
  PostgresListener,
} from '../../../src/store/postgres/index.js';
import { pollUntil } from '../../helpers/sim-process.js';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';
import {
  SEEDED_AT,
  nothingReaped,
  partRow,
  seedMessage,
  seedModem,
  seedSandboxDelivery,
  seedSim,
  seedWebhookDeliveries,
} from './host-fixtures.js';

const TTL = 15_000;

function request(hostId: string, overrides: Partial<HostStartRequest> = {}): HostStartRequest {
  return { hostId, version: '1.2.3', apiUrl: null, leaseTtlMs: TTL, ...overrides };
}

for (const engine of ENGINES) {
  describe(`HostRegistryPort on ${engine}`, () => {
    let opened: EngineDatabase;
    let sessions: HostSession[];
    let closers: (() => Promise<void>)[];

    /** A registry as one process sees it. */
    const registry = (): HostRegistryPort => {
      const handle = opened.current();
      return handle.engine === 'sqlite'
        ? createStore(handle.db).hosts
        : new PostgresHostRegistry(handle.db);
    };
    const start = async (hostId: string, overrides: Partial<HostStartRequest> = {}) => {
      const session = await registry().start(request(hostId, overrides));
      sessions.push(session);
      return session;
    };
    /** The host-command table as a process sees it (closed after the test). */
    const hostCommands = (): HostCommandPort => {
      const handle = opened.current();
      if (handle.engine === 'sqlite') return createStore(handle.db).hostCommands;
      const repository = new PostgresHostCommandRepository(handle.db);
      closers.push(() => repository.close());
      return repository;
    };
    const exec = (sql: string, params?: readonly unknown[]) => opened.exec(sql, params);
    const expireLease = (hostId: string) =>
      exec('UPDATE hosts SET lease_until = 0 WHERE id = ?', [hostId]);
    const hostRow = async (hostId: string) =>
      (
        await opened.rows<{ epoch: number; reaped_epoch: number; lease_until: number }>(
          'SELECT epoch, reaped_epoch, lease_until FROM hosts WHERE id = ?',
          [hostId],
        )
      )[0];

    beforeEach(async () => {
      opened = await openEngineDatabase(engine, 'hosts');
      sessions = [];
      closers = [];
    });
    afterEach(async () => {
      for (const session of sessions) await session.stop().catch(() => undefined);
      for (const close of closers) await close();
      await opened.close();
    });

    it('a first start takes epoch 1 and a lease of its length; the listing shows it alive', async () => {
      const session = await start('rack-1', { apiUrl: 'http://10.0.0.1:8080' });
      expect(session.hostId).toBe('rack-1');
      expect(session.epoch).toBe(1);
      expect(session.leaseUntil - session.startedAt).toBe(TTL);
      const hosts = await registry().listHosts();
      expect(hosts).toEqual([
        {
          id: 'rack-1',
          epoch: 1,
          state: 'alive',
          leaseUntil: session.leaseUntil,
          renewedAt: session.startedAt,
          startedAt: session.startedAt,
          stoppedAt: null,
          version: '1.2.3',
          apiUrl: 'http://10.0.0.1:8080',
          modems: 0,
          sims: { ready: 0, total: 0 },
        },
      ]);
    });

    it('refuses a second start of a host id whose process runs, naming the settings', async () => {
      await start('rack-1');
      const refused = await start('rack-1').catch((error: unknown) => error);
      expect(isSimpoolError(refused, 'host_id_in_use')).toBe(true);
      const message = (refused as Error).message;
      expect(message).toContain('host id "rack-1" is in use by another simpool process');
      for (const setting of ['hostId', '--host-id', 'SIMPOOL_HOST_ID']) {
        expect(message).toContain(setting);
      }
      expect((await hostRow('rack-1'))?.epoch).toBe(1);
      // Other host ids are not affected.
      expect((await start('rack-2')).epoch).toBe(1);
    });

    it('a clean stop ends the lease at once; the next start takes the next epoch', async () => {
      const first = await start('rack-1');
      await first.stop();
      await first.stop(); // idempotent
      const [stopped] = await registry().listHosts();
      expect(stopped?.state).toBe('stopped');
      expect(stopped?.stoppedAt).not.toBeNull();
      expect(stopped!.leaseUntil).toBeLessThanOrEqual(stopped!.stoppedAt!);
      expect(stopped!.leaseUntil).toBeLessThan(first.leaseUntil);

      const second = await start('rack-1', { version: '1.2.4' });
      expect(second.epoch).toBe(2);
      const [alive] = await registry().listHosts();
      expect(alive).toMatchObject({ epoch: 2, state: 'alive', stoppedAt: null, version: '1.2.4' });
      await expect(first.renew()).rejects.toThrow(/stopped/);
    });

    it('renew extends the lease from now and keeps the epoch', async () => {
      const session = await start('rack-1');
      await exec('UPDATE hosts SET lease_until = lease_until - 10000, renewed_at = 0');
      const renewal = await session.renew();
      expect(renewal).toEqual({ ok: true, leaseUntil: session.leaseUntil, lockHeld: true });
      const [host] = await registry().listHosts();
      expect(host).toMatchObject({ epoch: 1, state: 'alive', leaseUntil: session.leaseUntil });
      expect(host!.leaseUntil - host!.renewedAt).toBe(TTL);
      expect(host!.renewedAt).toBeGreaterThanOrEqual(session.startedAt);
    });

    it('a session whose epoch was reaped is fenced: it renews, reaps and writes nothing more', async () => {
      const old = await start('rack-1');
      const other = await start('rack-2');
      await expireLease('rack-1');
      expect((await registry().listHosts())[0]?.state).toBe('expired');
      expect((await other.reapDeadHosts()).map((r) => r.hostId)).toEqual(['rack-1']);
      expect(await old.renew()).toEqual({ ok: false, reason: 'fenced' });
      expect(await old.renew()).toEqual({ ok: false, reason: 'fenced' });
      await expireLease('rack-2');
      expect(await old.reapDeadHosts()).toEqual([]);
      await old.stop(); // a fenced stop writes nothing
      expect((await registry().listHosts())[0]).toMatchObject({
        id: 'rack-1',
        epoch: 1,
        state: 'expired',
        stoppedAt: null,
      });
      // The fenced session let go of its lock: the next start takes the next epoch at once.
      const back = await start('rack-1');
      expect(back.epoch).toBe(2);
      expect(await back.renew()).toMatchObject({ ok: true, lockHeld: true });
    });

    it(
      engine === 'postgres'
        ? 'takes an expired lease over even while its lock is held (a cut-off host keeps it on the server)'
        : 'refuses a start while the lock is held even when the lease expired (one machine: the holder lives)',
      async () => {
        const old = await start('rack-1');
        await expireLease('rack-1');
        const attempt = await start('rack-1').catch((error: unknown) => error);
        if (engine === 'sqlite') {
          expect(isSimpoolError(attempt, 'host_id_in_use')).toBe(true);
          expect(await old.renew()).toMatchObject({ ok: true, lockHeld: true });
          return;
        }
        expect(attempt).toMatchObject({ epoch: 2 });
        expect(await old.renew()).toEqual({ ok: false, reason: 'fenced' });
        expect(await (attempt as HostSession).renew()).toMatchObject({ ok: true });
      },
    );

    it('records the API URL once it is known', async () => {
      const session = await start('rack-1');
      await session.setApiUrl('http://127.0.0.1:40123');
      expect((await registry().listHosts())[0]?.apiUrl).toBe('http://127.0.0.1:40123');
    });

    it('lists every host with its modems and SIMs (ready of total), alive, expired or stopped', async () => {
      await start('a');
      const b = await start('b');
      await start('c');
      await b.stop();
      await expireLease('c');
      await seedModem(exec, '356938035643801', 'a');
      await seedModem(exec, '356938035643802', 'a', 'offline');
      await seedSim(exec, '8944100000000000011', 'a', { status: 'ready' });
      await seedSim(exec, '8944100000000000012', 'a', { status: 'offline' });
      await seedSim(exec, '8944100000000000013', 'c', { status: 'ready' });
      const hosts = await registry().listHosts();
      expect(hosts.map((h) => [h.id, h.state, h.modems, h.sims])).toEqual([
        ['a', 'alive', 2, { ready: 1, total: 2 }],
        ['b', 'stopped', 0, { ready: 0, total: 0 }],
        ['c', 'expired', 0, { ready: 1, total: 1 }],
      ]);
    });

    it('the first host to start adopts the rows from before hosts existed, and no later one', async () => {
      await seedModem(exec, '356938035643801', '');
      await seedSim(exec, '8944100000000000011', '', { imei: '356938035643801' });
      await exec(
        `INSERT INTO slots (path, modem_imei, sim_iccid, first_seen_at, last_seen_at)
         VALUES ('/dev/ttyUSB0', '356938035643801', '8944100000000000011', 1, 1)`,
      );
      await exec(
        `INSERT INTO sim_placements (sim_iccid, modem_imei, slot_path, first_seen_at, last_seen_at)
         VALUES ('8944100000000000011', '356938035643801', '/dev/ttyUSB0', 1, 1)`,
      );
      const first = await start('rack-1');
      expect(first.adopted).toEqual({ modems: 1, sims: 1, simPlacements: 1, slots: 1 });
      for (const table of ['modems', 'sims', 'sim_placements', 'slots']) {
        expect(await opened.rows(`SELECT host_id FROM ${table}`), table).toEqual([
          { host_id: 'rack-1' },
        ]);
      }

      // Restarting while alone, it takes '' rows written since (a writer naming no host); its
      // own older view of a slot makes way for the newer one.
      await exec(
        `INSERT INTO slots (path, modem_imei, sim_iccid, first_seen_at, last_seen_at)
         VALUES ('/dev/ttyUSB0', '356938035643801', NULL, 1, 2)`,
      );
      await first.stop();
      const again = await start('rack-1');
      expect(again.adopted).toEqual({ modems: 0, sims: 0, simPlacements: 0, slots: 1 });
      expect(await opened.rows('SELECT host_id, path, sim_iccid, last_seen_at FROM slots')).toEqual(
        [{ host_id: 'rack-1', path: '/dev/ttyUSB0', sim_iccid: null, last_seen_at: 2 }],
      );

      // With a second host, '' rows are nobody's to guess.
      await seedModem(exec, '356938035643802', '');
      const other = await start('rack-2');
      expect(other.adopted).toEqual({ modems: 0, sims: 0, simPlacements: 0, slots: 0 });
      await again.stop();
      expect((await start('rack-1')).adopted.modems).toBe(0);
      expect(await opened.rows(`SELECT imei FROM modems WHERE host_id = '' ORDER BY imei`)).toEqual(
        [{ imei: '356938035643802' }],
      );
    });

    describe('reaping a dead host', () => {
      const A1 = '8944100000000000011';
      const A2 = '8944100000000000012';
      const B1 = '8944100000000000021';

      /** Host a's and host b's modems, SIMs and work, every stage of an outbound part. */
      async function seedTwoHosts(): Promise<void> {
        await seedModem(exec, '356938035643801', 'a');
        await seedModem(exec, '356938035643802', 'b');
        await seedSim(exec, A1, 'a', { imei: '356938035643801' });
        await seedSim(exec, A2, 'a', { imei: '356938035643801', status: 'degraded' });
        await seedSim(exec, B1, 'b', { imei: '356938035643802' });
        // Claimed by a's SIM, never handed to its modem: back to the queue.
        await seedMessage(exec, 'om_claimed', A1, [{ status: 'sending', simIccid: A1 }]);
        // Part 1 went out through A1, part 2 claimed: part 2 queued again, the message stays
        // bound to A1 (the recipient sees one sender).
        await seedMessage(exec, 'om_half', A1, [
          { status: 'sent', simIccid: A1 },
          { status: 'sending', simIccid: A1 },
        ]);
        // In a's modem storage, or sent with AT+CMGS: left for a to settle.
        await seedMessage(exec, 'om_stored', A2, [
          { status: 'sending', simIccid: A2, sendPath: 'stored', slotIndex: 3 },
        ]);
        await seedMessage(exec, 'om_direct', A1, [
          { status: 'sending', simIccid: A1, sendPath: 'direct' },
        ]);
        // b's own work in flight: untouched.
        await seedMessage(exec, 'om_b', B1, [{ status: 'sending', simIccid: B1 }]);
        await seedWebhookDeliveries(exec, [
          { id: 'wd_a', status: 'delivering', claimedBy: 'a' },
          { id: 'wd_b', status: 'delivering', claimedBy: 'b' },
        ]);
        await seedSandboxDelivery(exec, A1, false);
        await seedSandboxDelivery(exec, A1, true);
        await seedSandboxDelivery(exec, B1, false);
      }

      it('takes its SIMs and modems offline and hands its work in flight back, once per epoch', async () => {
        const a = await start('a');
        const b = await start('b');
        await seedTwoHosts();
        expect(await b.reapDeadHosts()).toEqual([]); // a is alive

        await expireLease('a');
        const handle = opened.current();
        // On PostgreSQL the living hosts' senders hear the requeued parts at once (NOTIFY).
        const wakes: string[] = [];
        const listener =
          handle.engine === 'postgres' ? await PostgresListener.start(handle.db) : undefined;
        await listener?.listen(OUTBOUND_QUEUED_CHANNEL, {
          onNotification: () => wakes.push('queued'),
        });
        const reaped = await b.reapDeadHosts();
        if (listener) {
          await pollUntil(() => wakes[0], 5_000, 'the outbound wake-up of the requeued parts');
          await listener.close();
        }
        expect(reaped).toEqual([
          {
            hostId: 'a',
            epoch: 1,
            sims: 2,
            modems: 1,
            requeuedParts: 2,
            webhookDeliveries: 1,
            sandboxDeliveries: 1,
            hostCommands: 0,
          },
        ]);
        expect(await b.reapDeadHosts()).toEqual([]);
        expect(await hostRow('a')).toMatchObject({ epoch: 1, reaped_epoch: 1 });

        expect(await opened.rows('SELECT iccid, status, host_id FROM sims ORDER BY iccid')).toEqual(
          [
            { iccid: A1, status: 'offline', host_id: 'a' },
            { iccid: A2, status: 'offline', host_id: 'a' },
            { iccid: B1, status: 'ready', host_id: 'b' },
          ],
        );
        const changed = await opened.rows<{ status_changed_at: number; last_seen_at: number }>(
          'SELECT status_changed_at, last_seen_at FROM sims WHERE iccid = ?',
          [A1],
        );
        expect(changed[0]!.status_changed_at).toBeGreaterThan(changed[0]!.last_seen_at);
        expect(await opened.rows('SELECT imei, state FROM modems ORDER BY imei')).toEqual([
          { imei: '356938035643801', state: 'offline' },
          { imei: '356938035643802', state: 'ready' },
        ]);

        expect(
          await opened.rows(
            `SELECT message_id, sequence, status, attempts, sim_iccid, send_path, slot_index
               FROM outbound_parts ORDER BY message_id, sequence`,
          ),
        ).toEqual([
          partRow('om_b', 1, 'sending', 0, B1, null, null),
          partRow('om_claimed', 1, 'queued', 1, null, null, null),
          partRow('om_direct', 1, 'sending', 0, A1, 'direct', null),
          partRow('om_half', 1, 'sent', 0, A1, null, null),
          partRow('om_half', 2, 'queued', 1, null, null, null),
          partRow('om_stored', 1, 'sending', 0, A2, 'stored', 3),
        ]);
        expect(
          await opened.rows('SELECT id, status, sender_iccid FROM outbound_messages ORDER BY id'),
        ).toEqual([
          { id: 'om_b', status: 'sending', sender_iccid: B1 },
          { id: 'om_claimed', status: 'queued', sender_iccid: null },
          { id: 'om_direct', status: 'sending', sender_iccid: A1 },
          { id: 'om_half', status: 'queued', sender_iccid: A1 },
          { id: 'om_stored', status: 'sending', sender_iccid: A2 },
        ]);
        const detail = 'host a stopped answering before the part reached its modem: queued again';
        expect(
          await opened.rows(
            `SELECT message_id, sequence, status, sim_iccid, detail FROM outbound_history
              ORDER BY message_id, sequence NULLS FIRST`,
          ),
        ).toEqual([
          {
            message_id: 'om_claimed',
            sequence: null,
            status: 'queued',
            sim_iccid: null,
            detail: null,
          },
          { message_id: 'om_claimed', sequence: 1, status: 'queued', sim_iccid: A1, detail },
          {
            message_id: 'om_half',
            sequence: null,
            status: 'queued',
            sim_iccid: null,
            detail: null,
          },
          { message_id: 'om_half', sequence: 2, status: 'queued', sim_iccid: A1, detail },
        ]);

        expect(
          await opened.rows(
            'SELECT id, status, claimed_by_host, claimed_until FROM webhook_deliveries ORDER BY id',
          ),
        ).toEqual([
          { id: 'wd_a', status: 'pending', claimed_by_host: null, claimed_until: null },
          {
            id: 'wd_b',
            status: 'delivering',
            claimed_by_host: 'b',
            claimed_until: SEEDED_AT + 60_000,
          },
        ]);
        expect(
          await opened.rows(
            'SELECT sim_iccid, outcome FROM sandbox_deliveries ORDER BY sim_iccid, outcome',
          ),
        ).toEqual([
          { sim_iccid: A1, outcome: 'failed' },
          { sim_iccid: A1, outcome: 'injected' },
          { sim_iccid: B1, outcome: null },
        ]);

        // Reaped, a's process is over: its work went to others.
        expect(await a.renew()).toEqual({ ok: false, reason: 'fenced' });
        // Back with a new epoch, a is alive again and reaped again only after it dies again.
        const back = await start('a');
        expect(back.epoch).toBe(2);
        expect(await b.reapDeadHosts()).toEqual([]);
        await back.stop();
        expect((await b.reapDeadHosts()).map((r) => [r.hostId, r.epoch, r.sims])).toEqual([
          ['a', 2, 0],
        ]);
      });

      it('fails the modem actions asked of it, pending or running, as host_unavailable', async () => {
        const commands = hostCommands();
        const ask = (hostId: string, now: number) =>
          commands.request({
            hostId,
            modemImei: '356938035643801',
            action: 'ussd',
            params: { code: '*100#' },
            requestedByHost: 'b',
            now,
          });
        const a = await start('a');
        const b = await start('b');
        // a took two commands and finished one of them; one more waits for it; one waits for b.
        const running = await ask('a', SEEDED_AT);
        const done = await ask('a', SEEDED_AT + 1);
        expect((await commands.claimPending('a', SEEDED_AT + 2, 10)).map((c) => c.id)).toEqual([
          running,
          done,
        ]);
        expect(await commands.complete(done, { result: 'Balance 5.00' }, SEEDED_AT + 3)).toBe(true);
        const pending = await ask('a', SEEDED_AT + 4);
        const ofB = await ask('b', SEEDED_AT + 5);

        // Their askers are woken on every host (PostgreSQL); on SQLite they poll.
        const woken = new Set<string | undefined>();
        let bothWoken!: () => void;
        const wokenForBoth = new Promise<void>((resolve) => (bothWoken = resolve));
        const unwatch = await commands.watchCompletions((id) => {
          woken.add(id);
          if (woken.has(running) && woken.has(pending)) bothWoken();
        });

        await expireLease('a');
        const [reaped] = await b.reapDeadHosts();
        expect(reaped).toMatchObject({ hostId: 'a', epoch: 1, hostCommands: 2 });
        if (engine === 'postgres') await wokenForBoth;
        unwatch();

        for (const id of [running, pending]) {
          const failed = await commands.get(id);
          expect(failed).toMatchObject({
            status: 'failed',
            result: null,
            errorCode: 'host_unavailable',
            errorMessage:
              'host a stopped answering (its lease ran out) before it finished the command',
          });
          expect(failed!.finishedAt).toBeGreaterThan(SEEDED_AT);
        }
        expect(await commands.get(done)).toMatchObject({
          status: 'succeeded',
          result: 'Balance 5.00',
          finishedAt: SEEDED_AT + 3,
        });
        expect(await commands.get(ofB)).toMatchObject({ status: 'pending', finishedAt: null });
        // The dead host's late outcome changes nothing, nor does it get the command again.
        expect(await commands.complete(running, { result: 'late' }, SEEDED_AT + 6)).toBe(false);
        expect(await commands.claimPending('a', SEEDED_AT + 6, 10)).toEqual([]);
        expect((await commands.get(running))?.status).toBe('failed');
        // Reaped once: a second pass finds nothing more to fail.
        expect(await b.reapDeadHosts()).toEqual([]);
        expect(await a.renew()).toEqual({ ok: false, reason: 'fenced' });
      });

      it('never reaps itself, nor a host that is alive', async () => {
        const a = await start('a');
        const b = await start('b');
        await seedSim(exec, A1, 'a');
        await expireLease('a');
        expect(await a.reapDeadHosts()).toEqual([]);
        await expireLease('b');
        expect(await b.reapDeadHosts()).toEqual([{ ...nothingReaped('a', 1), sims: 1 }]);
        const c = await start('c');
        expect(await c.reapDeadHosts()).toEqual([nothingReaped('b', 1)]);
        expect(await c.reapDeadHosts()).toEqual([]);
      });
    });
  });
}

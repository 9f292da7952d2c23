import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostCommandPort } from '../../src/domain/index.js';
import { ManualClock, isSimpoolError } from '../../src/shared/index.js';
import { SqliteHostCommandRepository, openDatabase } from '../../src/store/index.js';
import { PostgresHostCommandRepository, openPostgres } from '../../src/store/postgres/index.js';
import { whileAdvancing } from '../helpers/advance.js';
import { useAppliance } from '../helpers/appliance.js';
import { startModemHost, type ModemHostOptions } from '../helpers/modem-host.js';
import { freshMigratedPostgresDatabase } from '../helpers/postgres.js';
import { ENGINES, type EngineName } from '../store/contract/engines.js';
import { admin, adminRig } from './admin-rig.js';

/**
 * Modem actions on another host's modem, on both engines: host A's admin service asks, host B's
 * worker carries the action out on B's real pool of simulated modems, and A answers with B's
 * result or B's refusal. Each host has its own pool and store; they share the database of host
 * commands (and its `modems` rows, seeded here as B's inventory would record them on PostgreSQL).
 * On PostgreSQL the two hosts are two connection pools on one database, woken by NOTIFY; on
 * SQLite one process is both sides, over one repository.
 *
 * Where the clock races ahead of PostgreSQL round trips (the simulated network needs the clock
 * to move), the hosts wait 10 minutes of it instead of 30 s: only the timeout test tests the
 * timeout.
 */
const LONG_WAIT_MS = 10 * 60_000;
const B_BALANCE = 'Host B: your balance is 7.00';

interface Shared {
  /** Host A's and host B's view of the shared database (one object on SQLite). */
  readonly forA: HostCommandPort;
  readonly forB: HostCommandPort;
  /** Records a modem under a host, as that host's inventory does. */
  recordModem(imei: string, hostId: string): Promise<void>;
  rows(): Promise<Array<{ host_id: string; requested_by_host: string; status: string }>>;
  close(): Promise<void>;
}

const INSERT_MODEM = `INSERT INTO modems (imei, host_id, state_changed_at, first_seen_at,
  last_seen_at) VALUES ($1, $2, 1, 1, 1)`;
const COMMAND_ROWS = 'SELECT host_id, requested_by_host, status FROM host_commands ORDER BY id';

async function sharedDatabase(engine: EngineName): Promise<Shared> {
  if (engine === 'sqlite') {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-cluster-'));
    const db = openDatabase(path.join(dir, 'simpool.db'));
    const commands = new SqliteHostCommandRepository(db);
    return {
      forA: commands,
      forB: commands,
      recordModem: (imei, hostId) => {
        db.prepare(INSERT_MODEM.replace('$1', '?').replace('$2', '?')).run(imei, hostId);
        return Promise.resolve();
      },
      rows: () => Promise.resolve(db.prepare(COMMAND_ROWS).all() as never),
      async close() {
        db.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const url = await freshMigratedPostgresDatabase('cluster');
  const [dbA, dbB] = [await openPostgres(url), await openPostgres(url)];
  const [forA, forB] = [
    new PostgresHostCommandRepository(dbA),
    new PostgresHostCommandRepository(dbB),
  ];
  return {
    forA,
    forB,
    recordModem: async (imei, hostId) => void (await dbA.query(INSERT_MODEM, [imei, hostId])),
    rows: async () => (await dbA.query(COMMAND_ROWS)).rows as never,
    async close() {
      await Promise.all([forA.close(), forB.close()]);
      await Promise.all([dbA.close(), dbB.close()]);
    },
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const codeOf = (error: unknown) => (isSimpoolError(error) ? error.code : String(error));

for (const engine of ENGINES) {
  describe(`host commands on ${engine}`, () => {
    async function cluster(options: { bWorker?: boolean; timeoutMs?: number } = {}) {
      const clock = new ManualClock();
      const shared = await sharedDatabase(engine);
      cleanups.push(() => shared.close());
      const host = async (hostOptions: Omit<ModemHostOptions, 'clock' | 'commandTimeoutMs'>) => {
        const started = await startModemHost({
          ...hostOptions,
          clock,
          commandTimeoutMs: options.timeoutMs ?? LONG_WAIT_MS,
        });
        // The hosts run on the manual clock: a modem still re-initialising after a reset
        // finishes (or times out) on it while the host stops.
        cleanups.push(() => whileAdvancing(clock, started.close()));
        return started;
      };
      const a = await host({ hostId: 'host-a', commands: shared.forA, modems: 1 });
      const b = await host({
        hostId: 'host-b',
        commands: shared.forB,
        modems: 2,
        ussdReplies: { '*100#': B_BALANCE },
        worker: options.bWorker ?? true,
      });
      for (const modem of b.simulated) await shared.recordModem(modem.identity.imei, 'host-b');
      await shared.recordModem(a.simulated[0]!.identity.imei, 'host-a');
      return { clock, shared, a, b, imeiOfB: b.simulated[0]!.identity.imei };
    }

    it("answers USSD on another host's modem with that modem's network reply", async () => {
      const { clock, shared, a, b, imeiOfB } = await cluster();
      const answer = await whileAdvancing(clock, a.admin.ussd(imeiOfB, '*100#'));
      expect(answer).toBe(B_BALANCE);
      // B's own modem did it: its timeline has it, A's modem never saw the code.
      expect(b.modems.events('simulated:0')[0]).toMatchObject({
        type: 'ussd',
        detail: `*100# → ${B_BALANCE}`,
      });
      expect(a.modems.events('simulated:0').some((e) => e.type === 'ussd')).toBe(false);
      expect(await shared.rows()).toEqual([
        { host_id: 'host-b', requested_by_host: 'host-a', status: 'succeeded' },
      ]);
    });

    it("resets another host's modem and queues a test SMS from its SIM on that host", async () => {
      const { clock, a, b } = await cluster();
      const second = b.simulated[1]!;
      const id = await whileAdvancing(
        clock,
        a.admin.sendTestSms(second.identity.imei, '+447700900555', ' from A '),
      );
      const queued = await b.store.messaging.getMessage(id, { kind: 'operator' });
      expect(queued).toMatchObject({
        body: 'from A',
        to: '+447700900555',
        simId: second.identity.iccid,
      });
      await whileAdvancing(
        clock,
        waitFor(() => second.sent.length > 0),
      );
      expect(second.sent[0]).toMatchObject({ to: '+447700900555' });

      await whileAdvancing(clock, a.admin.resetModem(b.simulated[0]!.identity.imei));
      expect(b.modems.events('simulated:0').map((e) => e.type)).toContain('reset');
    });

    it("carries back the owning host's refusals, and checks input before asking", async () => {
      const { clock, shared, a, b } = await cluster();
      const unknownToB = '356938035640000';
      await shared.recordModem(unknownToB, 'host-b');
      const missing: unknown = await whileAdvancing(clock, a.admin.ussd(unknownToB, '*100#')).catch(
        (e: unknown) => e,
      );
      expect(codeOf(missing)).toBe('not_found');
      expect((missing as Error).message).toBe(`no modem ${unknownToB} on host host-b`);

      // Only B's messaging can tell this number is not E.164: its refusal comes back as is.
      const badNumber: unknown = await whileAdvancing(
        clock,
        a.admin.sendTestSms(b.simulated[1]!.identity.imei, '07700900555', 'hi'),
      ).catch((e: unknown) => e);
      expect(codeOf(badNumber)).toBe('validation_failed');
      expect(await shared.rows()).toHaveLength(2);

      // Bad input never travels; an IMEI no host recorded is unknown here.
      const badCode: unknown = await a.admin
        .ussd(b.simulated[0]!.identity.imei, 'AT+CFUN')
        .catch((e: unknown) => e);
      expect(codeOf(badCode)).toBe('validation_failed');
      const unknown: unknown = await a.admin.resetModem('356938035649999').catch((e: unknown) => e);
      expect(codeOf(unknown)).toBe('not_found');
      expect(await shared.rows()).toHaveLength(2);
    });

    it('acts on a modem of its own directly, by slot address or IMEI, with no command', async () => {
      const { clock, shared, a } = await cluster();
      const imei = a.simulated[0]!.identity.imei;
      expect(await whileAdvancing(clock, a.admin.ussd('simulated:0', '*100#'))).toMatch(/balance/);
      expect(await whileAdvancing(clock, a.admin.ussd(imei, '*100#'))).toMatch(/balance/);
      expect(await shared.rows()).toEqual([]);
    });

    it('fails as host_unavailable when the owning host never takes the command', async () => {
      const { clock, shared, a, b, imeiOfB } = await cluster({
        bWorker: false,
        timeoutMs: 30_000,
      });
      const started = clock.now();
      const error: unknown = await whileAdvancing(clock, a.admin.ussd(imeiOfB, '*100#')).catch(
        (e: unknown) => e,
      );
      expect(codeOf(error)).toBe('host_unavailable');
      expect(clock.now() - started).toBeGreaterThanOrEqual(30_000);
      expect(await shared.rows()).toEqual([
        { host_id: 'host-b', requested_by_host: 'host-a', status: 'failed' },
      ]);
      // B comes back: the command its asker gave up on is never carried out.
      await b.worker.start();
      await whileAdvancing(
        clock,
        b.worker.idle().then(() => clock.advance(5_000)),
      );
      expect(b.modems.events('simulated:0').some((e) => e.type === 'ussd')).toBe(false);
    });
  });
}

describe('host commands through the daemon', () => {
  const appliance = useAppliance();

  it("takes other hosts' commands for its modems, and answers 504 when a host does not", async () => {
    const r = await adminRig(appliance.start, { modems: 1 });
    // Host B shares the appliance's database file (SQLite: one process at a time writes).
    const db = openDatabase(path.join(r.dir, 'simpool.db'));
    cleanups.push(() => {
      db.close();
      return Promise.resolve();
    });
    const b = await startModemHost({
      hostId: 'host-b',
      commands: new SqliteHostCommandRepository(db),
      clock: r.clock,
      modems: 1,
      ussdReplies: { '*100#': B_BALANCE },
      commandTimeoutMs: LONG_WAIT_MS,
    });
    cleanups.push(() => b.close());
    const imeiOfA = r.daemon.simulator!.bank.modems[0]!.identity.imei;
    const imeiOfB = b.simulated[0]!.identity.imei;
    db.prepare('UPDATE modems SET host_id = ? WHERE imei = ?').run('appliance-test', imeiOfA);
    db.prepare(INSERT_MODEM.replace('$1', '?').replace('$2', '?')).run(imeiOfB, 'host-b');

    // The daemon's worker carries out B's command on the daemon's modem.
    const fromB = await whileAdvancing(r.clock, b.admin.ussd(imeiOfA, '*100#'), 20);
    expect(fromB).toBe('Your balance is 12.34. Thank you.');

    // The daemon's admin API asks B; small clock steps, so B's polls keep up with the HTTP.
    const asked = await whileAdvancing(
      r.clock,
      admin(r, 'POST', `/modems/${imeiOfB}/ussd`, { body: { code: '*100#' } }),
      20,
    );
    expect(asked).toMatchObject({ status: 200, body: { response: B_BALANCE } });

    await b.worker.stop();
    const down = await whileAdvancing(
      r.clock,
      admin(r, 'POST', `/modems/${imeiOfB}/reset`, { body: {} }),
    );
    expect(down.status).toBe(504);
    expect(down.body).toMatchObject({ error: 'host_unavailable' });
    expect(down.body.message).toContain('host-b');
  });
});

/** Resolves once `condition` holds, checked on each turn (the caller advances the clock). */
async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

import { afterEach, describe, expect, it } from 'vitest';
import { HostCommandClient, type HostCommand } from '../../src/domain/index.js';
import { ManualClock } from '../../src/shared/index.js';
import {
  PostgresHostCommandRepository,
  openPostgres,
  type PostgresDatabase,
} from '../../src/store/postgres/index.js';
import { whileAdvancing } from '../helpers/advance.js';
import { startModemHost } from '../helpers/modem-host.js';
import { freshMigratedPostgresDatabase } from '../helpers/postgres.js';

/**
 * Host commands raced on PostgreSQL: several connection pools on one database stand for several
 * processes. However many claim at once, each command is handed out once and carried out once.
 */
const T0 = Date.UTC(2026, 0, 1, 12);
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function pools(count: number): Promise<PostgresDatabase[]> {
  const url = await freshMigratedPostgresDatabase('host_commands_race');
  const opened: PostgresDatabase[] = [];
  for (let i = 0; i < count; i++) {
    const db = await openPostgres(url, { poolSize: 4 });
    cleanups.push(() => db.close());
    opened.push(db);
  }
  return opened;
}

function repository(db: PostgresDatabase): PostgresHostCommandRepository {
  const commands = new PostgresHostCommandRepository(db);
  cleanups.push(() => commands.close());
  return commands;
}

describe('host commands on PostgreSQL, raced', () => {
  it('hands each command to one claimer, whatever number claim while others are asked', async () => {
    const [asker, ...claimers] = (await pools(4)).map(repository);
    const total = 150;
    const asked: string[] = [];
    let asking = true;
    // Resolved at each request: a claimer that found nothing waits for the next one.
    let next!: () => void;
    let requested = new Promise<void>((resolve) => (next = resolve));
    const requests = (async () => {
      for (let i = 0; i < total; i++) {
        const hostId = i % 5 === 0 ? 'host-c' : 'host-b';
        const id = await asker!.request({
          hostId,
          modemImei: '356938035643809',
          action: 'reset',
          params: {},
          requestedByHost: 'host-a',
          now: T0 + i,
        });
        if (hostId === 'host-b') asked.push(id);
        const wake = next;
        requested = new Promise<void>((resolve) => (next = resolve));
        wake();
      }
      asking = false;
      next();
    })();
    const claimed = await Promise.all(
      claimers.map(async (commands) => {
        const mine: HostCommand[] = [];
        // Bounded: an empty claim waits for a request, and ends the loop once asking stopped.
        for (let round = 0; round < 2 * total; round++) {
          const done = !asking;
          const waiting = requested;
          const batch = await commands.claimPending('host-b', T0 + 1_000, 3);
          mine.push(...batch);
          if (batch.length > 0) continue;
          if (done) break;
          await waiting;
        }
        return mine;
      }),
    );
    await requests;
    const ids = claimed.flat().map((c) => c.id);
    expect(ids).toHaveLength(asked.length);
    expect(new Set(ids)).toEqual(new Set(asked));
    expect(claimed.flat().every((c) => c.hostId === 'host-b' && c.status === 'running')).toBe(true);
  });

  it('has two workers of one host carry out each command once, on real modems', async () => {
    const [forA, forB1, forB2] = (await pools(3)).map(repository);
    const clock = new ManualClock(T0);
    const reply = 'Host B: your balance is 7.00';
    // Two processes of host-b (its modem seen by both), each with a worker.
    const hosts = [];
    for (const commands of [forB1!, forB2!]) {
      const host = await startModemHost({
        hostId: 'host-b',
        commands,
        clock,
        modems: 1,
        ussdReplies: { '*100#': reply },
        commandTimeoutMs: 10 * 60_000,
      });
      cleanups.push(() => host.close());
      hosts.push(host);
    }
    const imei = hosts[0]!.simulated[0]!.identity.imei;
    const client = new HostCommandClient({
      port: forA!,
      hostId: 'host-a',
      clock,
      timeoutMs: 10 * 60_000,
    });

    const count = 12;
    const answers = await whileAdvancing(
      clock,
      Promise.all(
        Array.from({ length: count }, () => client.run('host-b', imei, 'ussd', { code: '*100#' })),
      ),
    );
    expect(answers).toEqual(Array.from({ length: count }, () => reply));
    // Each command reached a modem once: the USSDs in both processes' timelines add up.
    const ussds = hosts
      .flatMap((h) => h.modems.events('simulated:0'))
      .filter((e) => e.type === 'ussd');
    expect(ussds).toHaveLength(count);
  });
});

/**
 * The pool-side repositories (inventory, inbound) of several hosts on one PostgreSQL database,
 * each host its own pool of connections, at the same time: what the contract suites cannot show
 * on SQLite's single writer. Also fencing: a host whose epoch is no longer current writes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ModemRecord, SimRecord } from '../../src/pool/index.js';
import {
  createPostgresStore,
  openPostgres,
  type FencedSession,
  type PostgresDatabase,
  type Queryable,
} from '../../src/store/postgres/index.js';
import { freshMigratedPostgresDatabase } from '../helpers/postgres.js';
import {
  HOUR,
  IMEI_1,
  IMEI_2,
  MINUTE,
  SIM_A,
  SIM_B,
  T0,
  deliverPdu,
  multipartPdus,
  recordOf,
  statusReportPdu,
} from '../unit/store/helpers.js';

const ROUNDS = 20;

type Host = ReturnType<typeof createPostgresStore>;

describe('pool-side repositories of several hosts on one PostgreSQL database', () => {
  const pools: PostgresDatabase[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
  });

  /** A fresh database and one store per host id, each on its own pool (its own process). */
  async function hosts(...ids: string[]): Promise<{ db: PostgresDatabase; hosts: Host[] }> {
    const url = await freshMigratedPostgresDatabase('pool_side_hosts');
    const opened = await Promise.all(ids.map(() => openPostgres(url, { poolSize: 4 })));
    pools.push(...opened);
    return {
      db: opened[0]!,
      hosts: opened.map((pool, i) => createPostgresStore(pool, { hostId: ids[i]! })),
    };
  }

  async function count(db: Queryable, sql: string, params: unknown[] = []): Promise<number> {
    const { rows } = await db.query<{ n: number }>(sql, params);
    return Number(rows[0]?.n);
  }

  function modem(imei: string, path: string, at: number): ModemRecord {
    return { imei, manufacturer: 'sim', model: 'sim', revision: '1', path, state: 'ready', at };
  }

  function sim(iccid: string, imei: string, path: string, at: number): SimRecord {
    return { iccid, imsi: null, msisdn: null, country: null, operator: null, imei, path, at };
  }

  it('lets two hosts record their simulated:0 at once without clobbering each other', async () => {
    const {
      db,
      hosts: [a, b],
    } = await hosts('host-a', 'host-b');
    const record = async (host: Host, imei: string, iccid: string) => {
      for (let round = 0; round < ROUNDS; round++) {
        const at = T0 + round * MINUTE;
        await host.inventory.recordModem(modem(imei, 'simulated:0', at));
        await host.inventory.recordSim(sim(iccid, imei, 'simulated:0', at));
        await host.inventory.setSimStatus(iccid, 'ready', at);
      }
    };
    await Promise.all([record(a!, IMEI_1, SIM_A), record(b!, IMEI_2, SIM_B)]);
    const { rows } = await db.query(
      'SELECT host_id, path, modem_imei, sim_iccid, last_seen_at FROM slots ORDER BY host_id',
    );
    const last = T0 + (ROUNDS - 1) * MINUTE;
    expect(rows).toEqual([
      {
        host_id: 'host-a',
        path: 'simulated:0',
        modem_imei: IMEI_1,
        sim_iccid: SIM_A,
        last_seen_at: last,
      },
      {
        host_id: 'host-b',
        path: 'simulated:0',
        modem_imei: IMEI_2,
        sim_iccid: SIM_B,
        last_seen_at: last,
      },
    ]);
    expect((await a!.inventory.listSims()).map((s) => [s.iccid, s.hostId, s.status])).toEqual([
      [SIM_A, 'host-a', 'ready'],
      [SIM_B, 'host-b', 'ready'],
    ]);
    // One placement each, touched by every round.
    expect(await count(db, 'SELECT COUNT(*) AS n FROM sim_placements')).toBe(2);
  });

  it('stores an SMS ingested by two hosts at the same moment once', async () => {
    const {
      db,
      hosts: [a, b],
    } = await hosts('host-a', 'host-b');
    for (let round = 0; round < ROUNDS; round++) {
      const record = recordOf(deliverPdu({ text: `code ${round}` }), { receivedAt: T0 + round });
      const results = await Promise.all([a!.inbound.ingest([record]), b!.inbound.ingest([record])]);
      expect(
        results
          .flat()
          .map((r) => r.kind)
          .sort(),
      ).toEqual(['duplicate', 'message']);
    }
    expect(await count(db, 'SELECT COUNT(*) AS n FROM inbound_pdus')).toBe(ROUNDS);
    expect(await count(db, 'SELECT COUNT(*) AS n FROM inbound_messages')).toBe(ROUNDS);
    expect(
      await count(db, "SELECT COUNT(*) AS n FROM events WHERE type = 'message.received'"),
    ).toBe(ROUNDS);
  });

  it('assembles a multipart whose parts two hosts ingest at the same moment exactly once', async () => {
    const {
      db,
      hosts: [a, b],
    } = await hosts('host-a', 'host-b');
    const groups = Array.from({ length: ROUNDS }, (_, ref) =>
      multipartPdus([`first ${ref} `, `second ${ref}`], { ref }),
    );
    // Host A reads the first parts, host B the second ones, in opposite orders, in one batch
    // each: every group is completed by whichever commits second, whatever the interleaving.
    const [fromA, fromB] = await Promise.all([
      a!.inbound.ingest(groups.map((parts) => recordOf(parts[0]!))),
      b!.inbound.ingest(groups.map((parts) => recordOf(parts[1]!)).reverse()),
    ]);
    const completed = [...fromA, ...fromB].filter((r) => r.kind === 'message');
    expect(completed).toHaveLength(ROUNDS);
    expect(await count(db, 'SELECT COUNT(*) AS n FROM multipart_parts')).toBe(0);
    const texts = (await a!.inbound.listMessages({ limit: 100 })).map((m) => m.text).sort();
    expect(texts).toEqual(groups.map((_, ref) => `first ${ref} second ${ref}`).sort());
    expect(await count(db, 'SELECT COUNT(*) AS n FROM inbound_pdus WHERE message_id IS NULL')).toBe(
      0,
    );
  });

  it('gives up on an incomplete multipart once when two hosts expire at the same moment', async () => {
    const {
      db,
      hosts: [a, b],
    } = await hosts('host-a', 'host-b');
    const groups = Array.from({ length: ROUNDS }, (_, ref) => multipartPdus(['x ', 'y'], { ref }));
    await a!.inbound.ingest(groups.map((parts) => recordOf(parts[0]!, { receivedAt: T0 })));
    const [byA, byB] = await Promise.all([
      a!.inbound.expireIncomplete(T0 + HOUR, T0 + 2 * HOUR),
      b!.inbound.expireIncomplete(T0 + HOUR, T0 + 2 * HOUR),
    ]);
    expect(byA.length + byB.length).toBe(ROUNDS);
    expect(await count(db, 'SELECT COUNT(*) AS n FROM inbound_messages')).toBe(ROUNDS);
    expect(await count(db, 'SELECT COUNT(*) AS n FROM multipart_parts')).toBe(0);
  });

  it("leaves the incomplete multiparts of another host's SIM to that host", async () => {
    const {
      db,
      hosts: [a, b],
    } = await hosts('host-a', 'host-b');
    await b!.inventory.recordSim(sim(SIM_B, IMEI_2, 'simulated:0', T0));
    const [first] = multipartPdus(['x ', 'y']);
    await b!.inbound.ingest([recordOf(first!, { iccid: SIM_B, receivedAt: T0 })]);
    expect(await a!.inbound.expireIncomplete(T0 + HOUR, T0 + 2 * HOUR)).toEqual([]);
    expect(await count(db, 'SELECT COUNT(*) AS n FROM multipart_parts')).toBe(1);
    expect(await b!.inbound.expireIncomplete(T0 + HOUR, T0 + 2 * HOUR)).toMatchObject([
      { iccid: SIM_B, text: 'x ', complete: false },
    ]);
  });

  it('marks a message delivered once when the reports of its parts are ingested at once', async () => {
    const {
      db,
      hosts: [a, b],
    } = await hosts('host-a', 'host-b');
    for (let round = 0; round < ROUNDS; round++) {
      const id = `msg-${round}`;
      await db.query(
        `INSERT INTO outbound_messages (id, sim_iccid, sender_iccid, to_number, body, status,
           part_count, created_at, updated_at, sent_at)
         VALUES ($1, $2, $2, '+4917612345678', 'long', 'sent', 2, $3, $3, $3)`,
        [id, SIM_A, T0],
      );
      for (const sequence of [1, 2]) {
        await db.query(
          `INSERT INTO outbound_parts (message_id, sequence, pdu, tpdu_length, status, attempts,
             next_attempt_at, sim_iccid, message_reference, sent_at)
           VALUES ($1, $2, '00', 1, 'sent', 1, $3, $4, $5, $3)`,
          [id, sequence, T0 + round, SIM_A, (2 * round + sequence) % 256],
        );
      }
      const reportOf = (sequence: number) =>
        recordOf(statusReportPdu({ mr: (2 * round + sequence) % 256 }), {
          receivedAt: T0 + round + MINUTE,
        });
      await Promise.all([a!.inbound.ingest([reportOf(1)]), b!.inbound.ingest([reportOf(2)])]);
    }
    expect(
      await count(db, "SELECT COUNT(*) AS n FROM outbound_messages WHERE status = 'delivered'"),
    ).toBe(ROUNDS);
    expect(
      await count(db, "SELECT COUNT(*) AS n FROM events WHERE type = 'message.delivered'"),
    ).toBe(ROUNDS);
  });
});

describe('fencing of the pool-side writes on PostgreSQL', () => {
  let db: PostgresDatabase | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  /**
   * A host session as the host registry keeps it: current while the `hosts` row still has the
   * epoch this process started with, read through the transaction's own connection.
   */
  function sessionOf(hostId: string, epoch: number, calls: { n: number }): FencedSession {
    return {
      async assertCurrent(client: Queryable): Promise<void> {
        calls.n++;
        const { rows } = await client.query<{ epoch: number }>(
          'SELECT epoch FROM hosts WHERE id = $1',
          [hostId],
        );
        if (rows[0]?.epoch !== epoch) throw new Error(`host ${hostId} is fenced off`);
      },
    };
  }

  it('writes while the epoch is current and nothing once another process took the host id', async () => {
    db = await openPostgres(await freshMigratedPostgresDatabase('pool_side_fencing'));
    await db.query(
      `INSERT INTO hosts (id, epoch, lease_until, started_at, renewed_at, version)
       VALUES ('host-a', 1, 0, 0, 0, 'test')`,
    );
    const store = createPostgresStore(db, { hostId: 'host-a' });
    const calls = { n: 0 };
    store.fencing.bind(sessionOf('host-a', 1, calls));

    const [older] = multipartPdus(['old ', 'part']);
    await store.inventory.recordModem(modem(IMEI_1));
    await store.inbound.ingest([recordOf(older!, { receivedAt: T0 })]);
    expect(calls.n).toBe(2);

    await db.query("UPDATE hosts SET epoch = 2 WHERE id = 'host-a'");
    const tables = [
      'modems',
      'slots',
      'sims',
      'sim_placements',
      'inbound_pdus',
      'inbound_messages',
      'multipart_parts',
      'status_reports',
      'events',
    ];
    const before = await counts(db, tables);
    const fencedWrites: (() => Promise<unknown>)[] = [
      () => store.inbound.ingest([recordOf(deliverPdu(), { receivedAt: T0 + 1 })]),
      () => store.inbound.expireIncomplete(T0 + HOUR, T0 + 2 * HOUR),
      () => store.inventory.recordModem(modem(IMEI_2)),
      () => store.inventory.setModemState(IMEI_1, 'offline', T0 + HOUR),
      () => store.inventory.recordSim(sim()),
      () => store.inventory.setSimStatus(SIM_A, 'ready', T0 + HOUR),
      () =>
        store.inventory.recordSimHealth(
          SIM_A,
          { signalDbm: -80, registration: 'home', operator: null },
          T0 + HOUR,
        ),
      () => store.inventory.markModemSimsOffline(IMEI_1, T0 + HOUR),
    ];
    for (const write of fencedWrites) await expect(write()).rejects.toThrow(/fenced off/);
    expect(calls.n).toBe(2 + fencedWrites.length);
    expect(await counts(db, tables)).toEqual(before);
    const { rows } = await db.query('SELECT state FROM modems WHERE imei = $1', [IMEI_1]);
    expect(rows).toEqual([{ state: 'ready' }]);
  });

  async function counts(pool: Queryable, tables: readonly string[]): Promise<number[]> {
    return Promise.all(
      tables.map(async (table) => {
        const { rows } = await pool.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
        return Number(rows[0]?.n);
      }),
    );
  }

  function modem(imei: string): ModemRecord {
    return {
      imei,
      manufacturer: 'm',
      model: 'm',
      revision: '1',
      path: '/dev/ttyUSB0',
      state: 'ready',
      at: T0,
    };
  }

  function sim(): SimRecord {
    return {
      iccid: SIM_A,
      imsi: null,
      msisdn: null,
      country: null,
      operator: null,
      imei: IMEI_1,
      path: '/dev/ttyUSB0',
      at: T0,
    };
  }
});

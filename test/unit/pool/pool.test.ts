import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ModemPool, parseModemSource } from '../../../src/pool/index.js';
import { ManualClock } from '../../../src/shared/index.js';
import { SimulatedModem } from '../../../src/simulator/index.js';
import { createRepositories, openDatabase, type SqliteStore } from '../../../src/store/index.js';
import { createMemoryPair, type LinkFactory } from '../../../src/transport/index.js';
import { FIRST_REPROBE_MS, MAX_REPROBE_MS } from '../../../src/pool/silent-ports.js';
import { advanceBy, advanceUntil, whileAdvancing } from '../../helpers/advance.js';

interface Rig {
  readonly dir: string;
  readonly clock: ManualClock;
  readonly repos: SqliteStore;
  readonly pool: ModemPool;
  /** Makes a device node appear in the watched folder, served by `factory`. */
  plug(name: string, factory: LinkFactory): Promise<string>;
  unplug(name: string): Promise<void>;
  close(): Promise<void>;
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

/** A port that opens but never answers: a diagnostics or GPS interface of a USB modem. */
const silentPort: LinkFactory = () => Promise.resolve(createMemoryPair('silent')[0]);

/**
 * A pool watching `DIR/tty*`: files stand for device nodes, and each path is served by an
 * in-memory link to a simulated modem (or to nothing), so hotplug is driven by the test.
 */
async function rig(): Promise<Rig> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-pool-'));
  const clock = new ManualClock();
  const db = openDatabase(path.join(dir, 'simpool.db'));
  const repos = createRepositories(db);
  const factories = new Map<string, LinkFactory>();
  const pool = new ModemPool({
    sources: [parseModemSource(`${dir}/tty*`)],
    inventory: repos.inventory,
    inbound: repos.inbound,
    outbound: repos.outbound,
    clock,
    hotplugIntervalMs: 500,
    linkFactoryFor: (address) => () => {
      const factory = factories.get(address);
      return factory ? factory() : Promise.reject(new Error(`no device ${address}`));
    },
  });
  const r: Rig = {
    dir,
    clock,
    repos,
    pool,
    async plug(name, factory) {
      const file = path.join(dir, name);
      factories.set(file, factory);
      await writeFile(file, '');
      return file;
    },
    async unplug(name) {
      await unlink(path.join(dir, name));
    },
    async close() {
      await pool.stop();
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  rigs.push(r);
  return r;
}

const ready = (r: Rig): string[] =>
  r.pool
    .modems()
    .filter((m) => m.state === 'ready')
    .map((m) => path.basename(m.address));

describe('modem pool discovery and hotplug', () => {
  it('attaches the port that answers AT, leaves a silent port and a second AT port of the same modem', async () => {
    const r = await rig();
    const modem = new SimulatedModem({ index: 0, clock: r.clock });
    const twin = new SimulatedModem({ index: 0, clock: r.clock }); // same IMEI: a second AT port
    await r.plug('ttyUSB0', silentPort);
    await r.plug('ttyUSB1', modem.connect);
    await r.plug('ttyUSB2', twin.connect);
    const starting = r.pool.start();
    await advanceUntil(r.clock, () => ready(r).length === 1, 100, 2_000);
    await starting;
    await advanceUntil(r.clock, () => r.pool.modems().length === 1, 100, 2_000);
    expect(ready(r)).toEqual(['ttyUSB1']);
    expect((await r.repos.inventory.listSims()).map((s) => [s.iccid, s.status])).toEqual([
      [modem.identity.iccid, 'ready'],
    ]);
  });

  it('probes a silent port again, less and less often, and attaches a modem that answers late', async () => {
    const r = await rig();
    const opens: number[] = [];
    await r.plug('ttyUSB0', () => {
      opens.push(r.clock.now());
      return silentPort();
    });
    // A modem that does not answer at start-up: still booting, or stuck by a process that died.
    const late = new SimulatedModem({ index: 0, clock: r.clock });
    late.fault({ kind: 'hang' });
    await r.plug('ttyUSB1', late.connect);
    await whileAdvancing(r.clock, r.pool.start());
    expect(opens).toHaveLength(1);
    expect(r.pool.modems()).toEqual([]);

    late.powerCycle();
    const answering = r.clock.now();
    // Small steps: the memory links need I/O turns between the probe's timers.
    await advanceUntil(r.clock, () => ready(r).length === 1, 20, 30_000);
    expect(ready(r)).toEqual(['ttyUSB1']);
    // Found by a later probe (never, before: a silent port was ignored until unplugged).
    expect(r.clock.now() - answering).toBeLessThanOrEqual(MAX_REPROBE_MS);

    // The port that is not AT: probed after 30 s, then 60 s, then 120 s, not every hotplug pass.
    await advanceBy(r.clock, 240_000, 500);
    const gaps = opens.slice(1).map((at, i) => at - opens[i]!);
    expect(gaps).toHaveLength(3);
    expect(gaps[0]).toBeGreaterThanOrEqual(FIRST_REPROBE_MS);
    expect(gaps[1]).toBeGreaterThanOrEqual(2 * FIRST_REPROBE_MS);
    expect(gaps[2]).toBeGreaterThanOrEqual(4 * FIRST_REPROBE_MS);
    expect(r.pool.modems().map((m) => path.basename(m.address))).toEqual(['ttyUSB1']);
  });

  it('attaches a modem plugged in later and detaches one that vanishes, marking its SIM offline', async () => {
    const r = await rig();
    const first = new SimulatedModem({ index: 0, clock: r.clock });
    const second = new SimulatedModem({ index: 1, flavour: 'ec25', clock: r.clock });
    await r.plug('ttyUSB0', first.connect);
    const starting = r.pool.start();
    await advanceUntil(r.clock, () => ready(r).length === 1, 100, 2_000);
    await starting;

    await r.plug('ttyUSB4', second.connect);
    await advanceUntil(r.clock, () => ready(r).length === 2, 100, 2_000);
    expect(ready(r).sort()).toEqual(['ttyUSB0', 'ttyUSB4']);

    first.fault({ kind: 'unplug' });
    await r.unplug('ttyUSB0');
    await advanceUntil(r.clock, () => r.pool.modems().length === 1, 100, 2_000);
    // Detaching finishes the modem's work (a send in flight) before its SIM goes offline.
    const statusOf = async (iccid: string) =>
      (await r.repos.inventory.listSims()).find((s) => s.iccid === iccid)?.status;
    await advanceUntil(
      r.clock,
      async () => (await statusOf(first.identity.iccid)) === 'offline',
      100,
      2_000,
    );
    const status = new Map((await r.repos.inventory.listSims()).map((s) => [s.iccid, s.status]));
    expect(status.get(first.identity.iccid)).toBe('offline');
    expect(status.get(second.identity.iccid)).toBe('ready');
  });

  it('reads an SMS through an attached modem into the store exactly once', async () => {
    const r = await rig();
    const modem = new SimulatedModem({ index: 0, clock: r.clock });
    await r.plug('ttyUSB0', modem.connect);
    const received: string[] = [];
    r.pool.on('message', (m) => received.push(m.text));
    const starting = r.pool.start();
    await advanceUntil(r.clock, () => ready(r).length === 1, 100, 2_000);
    await starting;
    modem.injectSms({ from: '+447700900001', text: 'Your code is 1234' });
    await advanceUntil(r.clock, () => received.length === 1, 100, 2_000);
    // Deleted from the SIM only after the commit: the message event comes first, AT+CMGD next.
    await advanceUntil(r.clock, () => modem.stored().length === 0, 100, 2_000);
    await r.pool.rescan();
    expect((await r.repos.inbound.listMessages({ limit: 10 })).map((m) => m.text)).toEqual([
      'Your code is 1234',
    ]);
  });
});

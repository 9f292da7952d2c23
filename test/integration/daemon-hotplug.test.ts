import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModemPoolEvents } from '../../src/pool/index.js';
import { DaemonBench } from '../helpers/daemon-harness.js';
import { pollUntil } from '../helpers/sim-process.js';

/**
 * Ports that come and go under the running daemon, over real PTYs: an unplugged modem is
 * detached and its SIM marked offline, and attached again when it comes back; a modem that
 * re-enumerates under another name after a reboot is the same modem (by IMEI) with the same SIM.
 */
let bench: DaemonBench | undefined;
afterEach(async () => {
  await bench?.dispose();
  bench = undefined;
});

function inboxText(b: DaemonBench, text: string, timeoutMs = 15_000) {
  return pollUntil(
    async () =>
      (await b.read((r) => r.inbound.listMessages({ limit: 100 }))).find((m) => m.text === text),
    timeoutMs,
    `"${text}" in the inbox`,
  );
}

async function simStatus(b: DaemonBench, iccid: string): Promise<string | undefined> {
  return (await b.read((r) => r.inventory.findSim(iccid)))?.status;
}

describe('hotplug over pseudo-terminals', () => {
  it('detaches an unplugged modem (SIM offline) and re-attaches it on replug; the SMS held by the network is stored', async () => {
    bench = await DaemonBench.create({ count: 2 });
    const daemon = await bench.startDaemon();
    const events: string[] = [];
    daemon.pool.on('attached', ({ address }) => events.push(`attached ${path.basename(address)}`));
    daemon.pool.on('detached', ({ address }) => events.push(`detached ${path.basename(address)}`));
    await bench.waitForReadyModems(2);
    const [sim0, sim1] = await bench.control.modems();
    const port0 = path.join(bench.links, 'ttySIM0');
    expect(await simStatus(bench, sim0!.iccid)).toBe('ready');

    await bench.control.fault(0, { kind: 'unplug' });
    await pollUntil(
      () => (events.includes('detached ttySIM0') ? true : undefined),
      10_000,
      'the unplugged modem to be detached',
    );
    expect(daemon.pool.modems().map((m) => m.address)).not.toContain(port0);
    await pollUntil(
      async () => ((await simStatus(bench!, sim0!.iccid)) === 'offline' ? true : undefined),
      5_000,
      'its SIM to be marked offline',
    );
    expect(await simStatus(bench, sim1!.iccid)).toBe('ready');

    // The network holds the SMS while the modem is gone.
    await bench.control.injectSms(0, { from: '+447700900555', text: 'sent while unplugged' });
    expect((await bench.control.modem(0)).pendingInNetwork).toBe(1);

    await bench.control.fault(0, { kind: 'replug' });
    const stored = await inboxText(bench, 'sent while unplugged');
    expect(stored).toMatchObject({ iccid: sim0!.iccid, sender: '+447700900555' });
    await pollUntil(
      async () => ((await simStatus(bench!, sim0!.iccid)) === 'ready' ? true : undefined),
      5_000,
      'its SIM to be ready again',
    );
    expect(events.filter((e) => e.endsWith('ttySIM0'))).toEqual([
      'detached ttySIM0',
      'attached ttySIM0',
    ]);
    expect(events.some((e) => e.endsWith('ttySIM1'))).toBe(false);
    expect(daemon.pool.modems().find((m) => m.address === port0)).toMatchObject({
      imei: sim0!.imei,
      iccid: sim0!.iccid,
    });
    expect(await bench.read((r) => r.inbound.listMessages({ limit: 100 }))).toHaveLength(1);
  }, 30_000);

  it('recognises a rebooted modem that comes back on another path by its IMEI', async () => {
    bench = await DaemonBench.create({
      count: 1,
      simulateArgs: ['--reenumerate-on-reset', '--reset-delay', '500'],
    });
    const daemon = await bench.startDaemon();
    const states: ModemPoolEvents['state'][0][] = [];
    daemon.pool.on('state', (event) => states.push(event));
    await bench.waitForReadyModems(1);
    const [sim] = await bench.control.modems();
    const oldPort = path.join(bench.links, 'ttySIM0');
    const newPort = path.join(bench.links, 'ttySIM0-1');
    await bench.control.injectSms(0, { from: '+447700900556', text: 'before the reboot' });
    await inboxText(bench, 'before the reboot');
    const before = (await bench.read((r) => r.inventory.findSim(sim!.iccid)))!;
    expect(before).toMatchObject({ path: oldPort, imei: sim!.imei, status: 'ready' });

    // USB re-enumeration, as after AT+CFUN=1,1: ttySIM0 vanishes, ttySIM0-1 appears.
    await bench.control.fault(0, { kind: 'reenumerate' });
    await pollUntil(
      () =>
        daemon.pool.modems().find((m) => m.address === newPort && m.state === 'ready')
          ? true
          : undefined,
      15_000,
      'the modem ready on its new path',
    );
    expect((await bench.control.modem(0)).link).toBe(newPort);
    expect(daemon.pool.modems().map((m) => m.address)).toEqual([newPort]);

    const modems = await bench.read((r) =>
      r.db
        .prepare<[], { imei: string; last_path: string }>('SELECT imei, last_path FROM modems')
        .all(),
    );
    expect(modems).toEqual([{ imei: sim!.imei, last_path: newPort }]);
    const after = (await bench.read((r) => r.inventory.findSim(sim!.iccid)))!;
    expect(after).toMatchObject({ path: newPort, imei: sim!.imei, status: 'ready' });
    expect(after.firstSeenAt).toBe(before.firstSeenAt);
    expect(await bench.read((r) => r.inventory.listSims())).toHaveLength(1);
    expect(
      (await bench.read((r) => r.inventory.simPlacements(sim!.iccid))).map((p) => [p.imei, p.path]),
    ).toEqual([
      [sim!.imei, oldPort],
      [sim!.imei, newPort],
    ]);

    await bench.control.injectSms(0, { from: '+447700900556', text: 'after the reboot' });
    expect(await inboxText(bench, 'after the reboot')).toMatchObject({
      iccid: sim!.iccid,
      sender: '+447700900556',
    });
    expect(await bench.read((r) => r.inbound.listMessages({ limit: 100 }))).toHaveLength(2);
  }, 30_000);
});

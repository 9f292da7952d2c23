import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModemPoolEvents } from '../../src/pool/index.js';
import { DaemonBench, FAST_LADDER } from '../helpers/daemon-harness.js';
import { pollUntil } from '../helpers/sim-process.js';

/**
 * A hung modem (no echo, no answer, no URC) against the real daemon over a PTY: the recovery
 * ladder climbs every rung up to the configured power-cycle command, a real shell command that
 * power-cycles the simulated modem through the simulator's control API. The SMS that arrived
 * while it was hung is then read from the SIM and stored.
 */
let bench: DaemonBench | undefined;
afterEach(async () => {
  await bench?.dispose();
  bench = undefined;
});

/** A power-cycle "hub": maps the slot's device path to a simulated modem and resets it. */
const POWER_CYCLE_SCRIPT = `
import { appendFileSync } from 'node:fs';
const [device, controlUrl, log] = process.argv.slice(2);
const index = /ttySIM(\\d+)$/.exec(device ?? '')?.[1];
if (index === undefined) {
  console.error('no simulated modem at ' + device);
  process.exit(2);
}
appendFileSync(log, device + '\\n');
const response = await fetch(controlUrl + '/modems/' + index + '/fault', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ kind: 'reset' }),
});
process.exit(response.ok ? 0 : 1);
`;

describe('a hung modem', () => {
  it('is recovered by the ladder up to the power-cycle command, then its SMS are read', async () => {
    let cycleLog = '';
    bench = await DaemonBench.create({
      count: 1,
      simulateArgs: ['--reset-delay', '300'],
      config: ({ controlUrl, dir }) => {
        const script = path.join(dir, 'power-cycle.mjs');
        cycleLog = path.join(dir, 'power-cycles.log');
        writeFileSync(script, POWER_CYCLE_SCRIPT);
        writeFileSync(cycleLog, '');
        return {
          modemTiming: FAST_LADDER,
          powerCycleCommand: `"${process.execPath}" "${script}" {device} "${controlUrl}" "${cycleLog}"`,
        };
      },
    });
    const daemon = await bench.startDaemon();
    const steps: ModemPoolEvents['recovery'][0][] = [];
    const states: ModemPoolEvents['state'][0][] = [];
    daemon.pool.on('recovery', (event) => steps.push(event));
    daemon.pool.on('state', (event) => states.push(event));
    await bench.waitForReadyModems(1);
    const [sim] = await bench.control.modems();
    const device = path.join(bench.links, 'ttySIM0');

    // On a loaded machine a slow answer before the hang may already have cost a resync (that
    // succeeded): the ladder under test is what follows the hang.
    const stepsBeforeHang = steps.length;
    await bench.control.fault(0, { kind: 'hang' });
    await pollUntil(
      () => (states.some((s) => s.to === 'recovering') ? true : undefined),
      10_000,
      'the daemon to notice the hang',
    );
    // Arrives while the modem is hung: stored on the SIM, its +CMTI never heard.
    await bench.control.injectSms(0, { from: '+447700900321', text: 'sent while it was hung' });

    const stored = await pollUntil(
      async () =>
        (await bench!.read((r) => r.inbound.listMessages({ limit: 10 }))).find(
          (m) => m.text === 'sent while it was hung',
        ),
      20_000,
      'the SMS to be stored after the recovery',
    );
    expect(stored).toMatchObject({ iccid: sim!.iccid, sender: '+447700900321', complete: true });
    const ladder = steps.slice(stepsBeforeHang, stepsBeforeHang + 5);
    expect(ladder.map((s) => `${s.step}:${s.ok}`)).toEqual([
      'resync:false',
      'reopen:false',
      'radio_cycle:false',
      'modem_reset:false',
      'power_cycle:true',
    ]);
    expect(steps.every((s) => s.address === device)).toBe(true);
    expect(states.at(-1)).toMatchObject({ address: device, to: 'ready', reason: 'recovered' });
    // The configured command really ran, once, for this slot ({device} substituted).
    expect(readFileSync(cycleLog, 'utf8')).toBe(`${device}\n`);
    expect(await bench.read((r) => r.inventory.findSim(sim!.iccid))).toMatchObject({
      status: 'ready',
      path: device,
    });
    expect(await bench.read((r) => r.inbound.listMessages({ limit: 10 }))).toHaveLength(1);
  }, 40_000);
});

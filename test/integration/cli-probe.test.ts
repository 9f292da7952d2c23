import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorControl, type SimulatorControl } from '../helpers/daemon-harness.js';
import { requireTool } from '../helpers/require-tool.js';
import { repoRoot, startSimulatorProcess, type SimulatorProcess } from '../helpers/sim-process.js';

const run = promisify(execFile);

function simpool(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: repoRoot,
    timeout: 30_000,
  });
}

/** `simpool probe`: the first thing an operator runs on new hardware, here on a PTY modem. */
describe('simpool probe', () => {
  let dir: string;
  let simulator: SimulatorProcess;
  let control: SimulatorControl;

  beforeAll(async () => {
    requireTool('socat');
    dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-probe-'));
    simulator = await startSimulatorProcess([
      '--count',
      '2',
      '--link-dir',
      dir,
      '--control-port',
      '0',
      '--flavour',
      'mixed',
    ]);
    control = simulatorControl(simulator.controlUrl);
  }, 30_000);

  afterAll(async () => {
    await simulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the identity, network and storage of a modem, as JSON for scripts', async () => {
    const modems = (await control.modems()) as unknown as Array<Record<string, unknown>>;
    const { stdout } = await simpool(
      'probe',
      path.join(dir, 'ttySIM1'),
      '--json',
      '--data-dir',
      dir,
    );
    const report = JSON.parse(stdout) as {
      info: Record<string, string>;
      sim: Record<string, string>;
      health: Record<string, unknown>;
      simStatus: string;
    };
    expect(report.info).toMatchObject({
      manufacturer: 'Quectel',
      model: 'EC25',
      imei: modems[1]!.imei,
    });
    expect(report.simStatus).toBe('ready');
    expect(report.sim).toMatchObject({
      iccid: modems[1]!.iccid,
      imsi: modems[1]!.imsi,
      country: 'US',
    });
    expect(report.health).toMatchObject({ registration: 'home', storageTotal: 50 });
    expect(typeof report.health.signalDbm).toBe('number');
  });

  it('reads and deletes no SMS', async () => {
    await control.injectSms(0, { from: '+447700900001', text: 'keep me' });
    const { stdout } = await simpool('probe', path.join(dir, 'ttySIM0'), '--data-dir', dir);
    expect(stdout).toMatch(/manufacturer\s+SIMCOM_Ltd/);
    expect(stdout).toMatch(/storage\s+SM 1\/30 used/);
    const [modem] = (await control.modems()) as unknown as Array<{ stored: number }>;
    expect(modem!.stored).toBe(1);
  });

  it('probes every port a glob matches and reports the ones that do not answer', async () => {
    const modems = (await control.modems()) as unknown as Array<{ imei: string }>;
    const { stdout, stderr } = await simpool(
      'probe',
      path.join(dir, 'ttySIM*'),
      path.join(dir, 'ttySIM9'),
      '--json',
      '--data-dir',
      dir,
    );
    const reports = JSON.parse(stdout) as Array<{
      device: string;
      info?: { imei: string };
      error?: { code: string };
    }>;
    expect(reports.map((r) => r.device)).toEqual(
      ['ttySIM0', 'ttySIM1', 'ttySIM9'].map((name) => path.join(dir, name)),
    );
    expect(reports.map((r) => r.info?.imei)).toEqual([modems[0]!.imei, modems[1]!.imei, undefined]);
    expect(reports[2]!.error?.code).toBe('transport_open_failed');
    // Progress lines are for terminals only: a pipe gets none.
    expect(stderr).not.toContain('[1/3]');
  });

  it('fails with a clear message and exit code 1 for a device that is not there', async () => {
    const failure = await simpool('probe', path.join(dir, 'ttySIM9'), '--data-dir', dir).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('transport_open_failed');
  });
});

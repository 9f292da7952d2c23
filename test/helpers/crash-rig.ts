import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FAST_INTERVALS, simulatorControl, type SimulatorControl } from './daemon-harness.js';
import { requireTool } from './require-tool.js';
import { startSimpoolProcess, startSimulatorProcess, type SimpoolProcess } from './sim-process.js';

export interface CrashRig {
  readonly control: SimulatorControl;
  /** The daemon's SQLite file (created by its first start). */
  readonly database: string;
  /** `simpool start` as a child process, ready once it printed `simpool started`. */
  startDaemon(): Promise<SimpoolProcess>;
}

/**
 * For tests that kill the daemon: `simpool simulate` in a process of its own (what the modems
 * hold and sent survives each kill), a config file for the daemon over its PTYs, a temporary
 * directory. Everything is undone by the steps pushed on `cleanup`.
 */
export async function crashRig(
  cleanup: Array<() => Promise<unknown>>,
  options: { prefix: string; simulateArgs: string[]; config?: Record<string, unknown> },
): Promise<CrashRig> {
  requireTool('socat');
  const dir = await mkdtemp(path.join(os.tmpdir(), options.prefix));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const links = path.join(dir, 'links');
  const simulator = await startSimulatorProcess([
    ...['--link-dir', links, '--control-port', '0'],
    ...options.simulateArgs,
  ]);
  cleanup.push(() => simulator.stop());
  const configFile = path.join(dir, 'simpool.json');
  await writeFile(
    configFile,
    JSON.stringify({
      dataDir: path.join(dir, 'data'),
      modems: [`${links}/ttySIM*`],
      port: 0,
      logLevel: 'warn',
      ...FAST_INTERVALS,
      ...options.config,
    }),
  );
  return {
    control: simulatorControl(simulator.controlUrl),
    database: path.join(dir, 'data', 'simpool.db'),
    // A start after a kill probes ports that may sit in a prompt: allow for a loaded machine.
    startDaemon: () =>
      startSimpoolProcess(['start', '--config', configFile], /simpool started/, 60_000),
  };
}

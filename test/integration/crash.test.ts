import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRepositories, openDatabase } from '../../src/store/index.js';
import { FAST_INTERVALS, simulatorControl } from '../helpers/daemon-harness.js';
import { requireTool } from '../helpers/require-tool.js';
import {
  pollUntil,
  startSimpoolProcess,
  startSimulatorProcess,
  type SimpoolProcess,
  type SimulatorProcess,
} from '../helpers/sim-process.js';

const KILLS = 20;
const MODEMS = 3;

/** A small deterministic PRNG, so a failing run can be replayed with the same seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * kill -9 the daemon at random points while SMS keep arriving, 20 times, then let it run: every
 * SMS injected must be in the store exactly once. The simulated modems live in another process,
 * so their SIM storage (like a real SIM's) outlives each crash.
 */
describe('crash safety', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it(`stores every SMS exactly once across ${KILLS} kill -9 of the daemon`, async () => {
    requireTool('socat');
    const seed = Number(process.env.SIMPOOL_CRASH_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-crash-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const links = path.join(dir, 'links');
    const simulator: SimulatorProcess = await startSimulatorProcess([
      '--count',
      String(MODEMS),
      '--link-dir',
      links,
      '--control-port',
      '0',
      '--flavour',
      'mixed',
    ]);
    cleanup.push(() => simulator.stop());
    const control = simulatorControl(simulator.controlUrl);
    const configFile = path.join(dir, 'simpool.json');
    const database = path.join(dir, 'data', 'simpool.db');
    await writeFile(
      configFile,
      JSON.stringify({
        dataDir: path.join(dir, 'data'),
        modems: [`${links}/ttySIM*`],
        port: 0,
        logLevel: 'warn',
        ...FAST_INTERVALS,
      }),
    );
    const startDaemon = (): Promise<SimpoolProcess> =>
      startSimpoolProcess(['start', '--config', configFile], /simpool started/);

    const injected: string[] = [];
    let injecting = true;
    const injector = (async () => {
      for (let n = 0; injecting; n++) {
        const text = `crash test ${seed}-${n} ${n % 5 === 0 ? 'long '.repeat(40) : ''}`.trim();
        const multipart = n % 5 === 0;
        await control.injectSms(n % MODEMS, {
          from: `+4477009${String(n % 1000).padStart(5, '0')}`,
          text,
          ...(multipart ? { outOfOrder: true } : {}),
        });
        injected.push(text);
        await new Promise((resolve) => setTimeout(resolve, 20 + random() * 40));
      }
    })();

    for (let kill = 0; kill < KILLS; kill++) {
      const daemon = await startDaemon();
      await new Promise((resolve) => setTimeout(resolve, 200 + random() * 1200));
      await daemon.kill();
    }
    injecting = false;
    await injector;

    const daemon = await startDaemon();
    cleanup.push(() => daemon.stop());
    const stored = await pollUntil(
      () => {
        const db = openDatabase(database);
        try {
          const messages = createRepositories(db).inbound.listMessages({ limit: 100_000 });
          return messages.length >= injected.length ? messages : undefined;
        } finally {
          db.close();
        }
      },
      90_000,
      `all ${injected.length} injected SMS stored (seed ${seed})`,
    );
    const texts = stored.map((m) => m.text);
    console.info(
      `crash test seed ${seed}: ${injected.length} SMS injected (every 5th multipart), ${KILLS} kills, ${texts.length} stored`,
    );
    expect(new Set(texts).size, `duplicates (seed ${seed})`).toBe(texts.length);
    expect([...texts].sort(), `seed ${seed}`).toEqual([...injected].sort());
    expect(stored.every((m) => m.complete)).toBe(true);
    expect(await daemon.stop()).toBe(0);
  }, 300_000);
});

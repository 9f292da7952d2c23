import { afterAll, describe, expect, it } from 'vitest';
import { createRepositories, openDatabase } from '../../src/store/index.js';
import { crashRig } from '../helpers/crash-rig.js';
import { prng } from '../helpers/prng.js';
import { pollUntil } from '../helpers/sim-process.js';

const KILLS = 20;
const MODEMS = 3;

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
    const seed = Number(process.env.SIMPOOL_CRASH_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const { control, database, startDaemon } = await crashRig(cleanup, {
      prefix: 'simpool-crash-',
      simulateArgs: ['--count', String(MODEMS), '--flavour', 'mixed'],
    });

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
      async () => {
        const db = openDatabase(database);
        try {
          const messages = await createRepositories(db).inbound.listMessages({ limit: 100_000 });
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
    // 20 restarts, each starting Node and tsx: minutes on a loaded machine (as crash-send's).
  }, 600_000);
});

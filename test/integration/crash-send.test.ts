import { afterAll, describe, expect, it } from 'vitest';
import { composeOutbound } from '../../src/pool/index.js';
import { createRepositories, openDatabase } from '../../src/store/index.js';
import { crashRig } from '../helpers/crash-rig.js';
import { prng } from '../helpers/prng.js';
import { pollUntil } from '../helpers/sim-process.js';

const KILLS = Number(process.env.SIMPOOL_CRASH_KILLS ?? 20);
/** Three modems send from storage (AT+CMGW/AT+CMSS); the `generic` one only has AT+CMGS. */
const FLAVOURS = ['sim800c', 'ec25', 'generic', 'ec25'];
/** Queued during the kills, at most: the wall time stays bounded on a slow machine. */
const MESSAGES = 150;
const FINAL = new Set(['sent', 'delivered', 'failed', 'unknown', 'expired']);

/**
 * kill -9 the daemon 20 times while SMS keep being queued (one every 0.5–0.9 s, up to 150, every
 * 5th in two parts) and the simulated modems (another process, so what they sent survives each
 * crash) take 0.4 s per send, then let it settle: the network must have received no message
 * twice, every message must end final, and none may be reported sent that the network never
 * received. Prints the figures (messages, sent, unknown, failed, sent twice, never transmitted).
 */
describe('crash safety of sending', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it(`sends no SMS twice across ${KILLS} kill -9 of the daemon under load`, async () => {
    const seed = Number(process.env.SIMPOOL_CRASH_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const { control, database, startDaemon } = await crashRig(cleanup, {
      prefix: 'simpool-crash-send-',
      simulateArgs: [
        ...['--count', String(FLAVOURS.length), '--flavour', FLAVOURS.join(',')],
        ...['--send-delay', '400', '--status-report-delay', '500'],
      ],
      config: { messaging: { throttle: { enabled: false } } },
    });

    // Queued straight into the database, as `simpool send` does: the daemon polls for it.
    const queued: { id: string; to: string; parts: number }[] = [];
    let queueing = true;
    const queue = (async () => {
      const db = openDatabase(database);
      const { outbound } = createRepositories(db);
      try {
        for (let n = 0; queueing && n < MESSAGES; n++) {
          const to = `+4477009${String(n).padStart(5, '0')}`;
          const long = n % 5 === 0;
          const text = `crash send ${seed}-${n}${long ? ` ${'long '.repeat(40)}` : ''}`;
          const message = composeOutbound({ to, text, iccid: null, now: Date.now() });
          await outbound.enqueue(message);
          queued.push({ id: message.id, to, parts: message.parts.length });
          await new Promise((resolve) => setTimeout(resolve, 500 + random() * 400));
        }
      } finally {
        db.close();
      }
    })();

    // The daemon creates the database; the queue opens it once it exists.
    let daemon = await startDaemon();
    for (let kill = 0; kill < KILLS; kill++) {
      if (kill > 0) daemon = await startDaemon();
      await new Promise((resolve) => setTimeout(resolve, 500 + random() * 1000));
      await daemon.kill();
    }
    queueing = false;
    await queue;

    daemon = await startDaemon();
    cleanup.push(() => daemon.stop());
    const statuses = await pollUntil(
      async () => {
        const db = openDatabase(database);
        try {
          const { outbound } = createRepositories(db);
          const all: string[] = [];
          for (const q of queued) all.push((await outbound.getMessage(q.id))?.status ?? 'missing');
          return all.every((s) => FINAL.has(s)) ? all : undefined;
        } finally {
          db.close();
        }
      },
      120_000,
      `every queued message final (seed ${seed})`,
    ).catch((error: unknown) => {
      throw new Error(
        `${String(error)}; not final: ${unfinished(database, queued)}; ` +
          `the daemon said: ${daemon.output().slice(-4000)}`,
      );
    });

    // What the network received, part by part (recipients are unique per message).
    const received = new Map<string, number>();
    for (let i = 0; i < FLAVOURS.length; i++) {
      for (const part of await control.sent(i)) {
        const key = `${part.to}#${part.concat?.seq ?? 1}`;
        received.set(key, (received.get(key) ?? 0) + 1);
      }
    }
    const count = (to: string, seq: number) => received.get(`${to}#${seq}`) ?? 0;
    const seqs = (parts: number) => Array.from({ length: parts }, (_, i) => i + 1);
    const sentTwice = queued.filter((q) => seqs(q.parts).some((s) => count(q.to, s) > 1));
    const reportedNotSent = queued.filter(
      (q, i) =>
        ['sent', 'delivered'].includes(statuses[i]!) &&
        seqs(q.parts).some((s) => count(q.to, s) === 0),
    );
    const tally = (status: string) => statuses.filter((s) => s === status).length;
    console.info(
      `crash send test seed ${seed}: ${queued.length} messages, ${KILLS} kills, ` +
        `${tally('sent') + tally('delivered')} sent, ${tally('unknown')} unknown, ` +
        `${tally('failed')} failed, ${sentTwice.length} sent twice, ` +
        `${reportedNotSent.length} reported sent but never transmitted`,
    );
    expect(
      sentTwice.map((q) => q.to),
      `sent twice (seed ${seed})`,
    ).toEqual([]);
    expect(
      reportedNotSent.map((q) => q.to),
      `never transmitted (seed ${seed})`,
    ).toEqual([]);
    expect(tally('failed'), `failed (seed ${seed})`).toBe(0);
    expect(await daemon.stop()).toBe(0);
  }, 600_000);
});

/**
 * The messages not final yet and their parts, and every SIM with its modem's state, as the daemon
 * left them: what a timeout reports.
 */
function unfinished(database: string, queued: readonly { id: string }[]): string {
  const db = openDatabase(database);
  try {
    const ids = new Set(queued.map((q) => q.id));
    const open = db
      .prepare(
        `SELECT m.id, m.status, m.sender_iccid, p.sequence, p.status AS part, p.attempts,
                p.sim_iccid, p.claimed_at, p.next_attempt_at - ${Date.now()} AS due_in_ms,
                p.error_detail
           FROM outbound_messages m JOIN outbound_parts p ON p.message_id = m.id
          WHERE m.status NOT IN ('sent', 'delivered', 'failed', 'unknown', 'expired')`,
      )
      .all() as { id: string }[];
    const sims = db
      .prepare(
        `SELECT s.iccid, s.status AS sim, m.state AS modem, m.model, s.slot_path FROM sims s
           LEFT JOIN modems m ON m.imei = s.modem_imei`,
      )
      .all();
    return JSON.stringify({ parts: open.filter((row) => ids.has(row.id)), sims });
  } finally {
    db.close();
  }
}

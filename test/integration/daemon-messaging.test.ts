import { afterEach, describe, expect, it } from 'vitest';
import { DaemonBench, sentMessages } from '../helpers/daemon-harness.js';
import { outboundSettled, queueOutbound } from '../helpers/outbound-queue.js';
import { pollUntil } from '../helpers/sim-process.js';

/**
 * The Messaging API's queue through the daemon and simulated modems over PTYs: routing around a
 * SIM that fails temporarily, per-SIM throttles under a burst, a restart mid-queue, and a UCS2
 * multipart whose emoji sits on a part boundary.
 */
let bench: DaemonBench | undefined;
afterEach(async () => {
  await bench?.dispose();
  bench = undefined;
});

const NO_THROTTLE = { messaging: { throttle: { enabled: false } } };
const TO = '+447700900900';

describe('the messaging queue over pseudo-terminals', () => {
  it('sends a UCS2 multipart whose emoji straddles the part boundary, delivered part by part', async () => {
    bench = await DaemonBench.create({
      count: 1,
      simulateArgs: ['--status-report-delay', '200'],
      config: NO_THROTTLE,
    });
    const daemon = await bench.startDaemon();
    await bench.waitForReadyModems(1);
    // 66 UCS2 units, then a surrogate pair that would be cut at unit 67 of part 1.
    const text = `${'Ж'.repeat(66)}🙂${'ы'.repeat(40)}`;
    const [message] = await queueOutbound(bench, daemon, null, TO, [text]);
    expect(message!.parts).toHaveLength(2);
    const [row] = await outboundSettled(bench, [message!.id], 'delivered');
    expect(row!.deliveredAt).toEqual(expect.any(Number));
    expect(sentMessages(await bench.control.sent(0))).toEqual([{ to: TO, text }]);
    const parts = await bench.read((r) => r.outbound.getParts(message!.id));
    expect(parts.map((p) => [p.status, p.deliveryStatus])).toEqual([
      ['sent', 'delivered'],
      ['sent', 'delivered'],
    ]);
  }, 30_000);

  it('retries a message on another SIM when its first SIM fails temporarily', async () => {
    bench = await DaemonBench.create({ count: 2, config: NO_THROTTLE });
    const daemon = await bench.startDaemon();
    await bench.waitForReadyModems(2);
    const modems = await bench.control.modems();
    // Both idle and unloaded: routing picks the lower ICCID first. It is congested (CMS 42).
    const first = modems[0]!.iccid < modems[1]!.iccid ? 0 : 1;
    await bench.control.fault(first, { kind: 'send_error', cms: 42, count: 1 });
    const [message] = await queueOutbound(bench, daemon, null, TO, ['congested on the first SIM']);
    const [row] = await outboundSettled(bench, [message!.id], ['sent', 'delivered']);
    expect(row!.senderIccid).toBe(modems[1 - first]!.iccid);
    expect(sentMessages(await bench.control.sent(1 - first))).toEqual([
      { to: TO, text: 'congested on the first SIM' },
    ]);
    expect(await bench.control.sent(first)).toEqual([]);
    const parts = await bench.read((r) => r.outbound.getParts(message!.id));
    expect(parts).toMatchObject([{ status: 'sent', attempts: 1, cmsError: 42 }]);
  }, 30_000);

  it('holds every SIM to its per-minute cap and pause under a burst of 100 messages', async () => {
    const throttle = { perMinute: 5, perHour: 100, perDay: 500, pauseMinMs: 300, pauseMaxMs: 600 };
    bench = await DaemonBench.create({ count: 2, config: { messaging: { throttle } } });
    const daemon = await bench.startDaemon();
    await bench.waitForReadyModems(2);
    const texts = Array.from({ length: 100 }, (_, i) => `burst message ${i}`);
    const queued = await queueOutbound(bench, daemon, null, TO, texts);
    const sentCounts = async () =>
      Promise.all([0, 1].map(async (i) => (await bench!.control.sent(i)).length));
    await pollUntil(
      async () => ((await sentCounts()).every((n) => n === 5) ? true : undefined),
      20_000,
      'both SIMs reaching their per-minute cap',
    );
    // A second more: nothing else goes out within the minute.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await sentCounts()).toEqual([5, 5]);
    for (const index of [0, 1]) {
      const times = (await bench.control.sent(index)).map((p) => p.timestampMs);
      // The simulator stamps a send when its answer's delay (50 ms) is over.
      for (let i = 1; i < times.length; i++) {
        expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(throttle.pauseMinMs - 50);
      }
    }
    const rows = await bench.read((r) =>
      Promise.all(queued.map((m) => r.outbound.getMessage(m.id))),
    );
    const states = rows.map((row) => row!.status);
    expect(states.filter((s) => s === 'queued')).toHaveLength(90);
    expect(states.filter((s) => s === 'failed')).toHaveLength(0);
  }, 40_000);

  it('resumes the queue after a restart without sending anything twice', async () => {
    bench = await DaemonBench.create({ count: 2, config: NO_THROTTLE });
    let daemon = await bench.startDaemon();
    await bench.waitForReadyModems(2);
    const texts = Array.from({ length: 40 }, (_, i) => `queued message ${i}`);
    const queued = await queueOutbound(bench, daemon, null, TO, texts);
    const sentTexts = async () =>
      (await Promise.all([0, 1].map((i) => bench!.control.sent(i)))).flat().map((p) => p.text);
    await pollUntil(
      async () => ((await sentTexts()).length >= 8 ? true : undefined),
      20_000,
      'the first messages going out',
    );
    await bench.stopDaemon();
    const beforeRestart = (await sentTexts()).length;
    expect(beforeRestart).toBeLessThan(40);
    // Every part that got +CMGS was recorded before the stop finished.
    const rows = await bench.read((r) =>
      Promise.all(queued.map((m) => r.outbound.getMessage(m.id))),
    );
    const recorded = rows.filter((row) => row!.status !== 'queued').length;
    expect(recorded).toBe(beforeRestart);

    daemon = await bench.startDaemon();
    await outboundSettled(
      bench,
      queued.map((m) => m.id),
      ['sent', 'delivered'],
      30_000,
    );
    const all = await sentTexts();
    expect(all).toHaveLength(40);
    expect(new Set(all)).toEqual(new Set(texts));
    expect(daemon.pool.modems()).toHaveLength(2);
  }, 60_000);
});

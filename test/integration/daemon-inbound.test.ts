import { afterEach, describe, expect, it } from 'vitest';
import type { StoredInboundMessage } from '../../src/pool/index.js';
import { DaemonBench } from '../helpers/daemon-harness.js';
import { pollUntil } from '../helpers/sim-process.js';

/**
 * The daemon against simulated modems on real pseudo-terminals (`simpool simulate` in a child
 * process), storing into a real SQLite file: every SMS arrives in the inbox exactly once.
 */
let bench: DaemonBench | undefined;
afterEach(async () => {
  await bench?.dispose();
  bench = undefined;
});

async function inboxOf(
  b: DaemonBench,
  count: number,
  timeoutMs = 20_000,
): Promise<StoredInboundMessage[]> {
  return pollUntil(
    async () => {
      const messages = await b.read((r) => r.inbound.listMessages({ limit: 1000 }));
      return messages.length >= count ? messages : undefined;
    },
    timeoutMs,
    `${count} messages in the inbox`,
  );
}

describe('daemon inbound SMS over pseudo-terminals', () => {
  it('stores single and multipart SMS (out of order, 16-bit reference, UCS2, extension characters) once', async () => {
    bench = await DaemonBench.create({ count: 2 });
    await bench.startDaemon();
    await bench.waitForReadyModems(2);
    const [sim0, sim1] = await bench.control.modems();
    const long = `Your code is 481516. ${'Use it within 10 minutes {not later} [ok] ~ '.repeat(4)}€`;
    const emoji = `Код: 2342 🙂 ${'привет мир '.repeat(12)}🙂`;
    await bench.control.injectSms(0, { from: '+447700900001', text: 'G-123456 is your code' });
    await bench.control.injectSms(0, {
      from: 'Telegram',
      text: long,
      outOfOrder: true,
      concatRefBits: 16,
    });
    await bench.control.injectSms(1, { from: '+79161234567', text: emoji, outOfOrder: true });

    const inbox = await inboxOf(bench, 3);
    const byText = new Map(inbox.map((m) => [m.text, m]));
    expect(byText.get('G-123456 is your code')).toMatchObject({
      iccid: sim0!.iccid,
      sender: '+447700900001',
      complete: true,
    });
    expect(byText.get(long)).toMatchObject({
      iccid: sim0!.iccid,
      sender: 'Telegram',
      complete: true,
    });
    expect(byText.get(long)!.partCount).toBeGreaterThan(1);
    expect(byText.get(emoji)).toMatchObject({
      iccid: sim1!.iccid,
      encoding: 'ucs2',
      complete: true,
    });
    expect(inbox).toHaveLength(3);
  });

  it('drains a SIM whose storage was full before start-up, and finds SMS whose +CMTI nobody heard', async () => {
    bench = await DaemonBench.create({ count: 1 });
    // The daemon is not running: every +CMTI is lost, and 35 SMS overflow the SIM800C's 30 slots.
    for (let i = 0; i < 35; i++) {
      await bench.control.injectSms(0, { from: '+447700900002', text: `message ${i}` });
    }
    await bench.startDaemon();
    const inbox = await inboxOf(bench, 35, 40_000);
    expect(new Set(inbox.map((m) => m.text)).size).toBe(35);
    expect(inbox).toHaveLength(35);
  });
});

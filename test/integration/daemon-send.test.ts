import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonBench, sentMessages } from '../helpers/daemon-harness.js';
import { outboundRow, outboundSettled, queueOutbound } from '../helpers/outbound-queue.js';
import { repoRoot } from '../helpers/sim-process.js';

/**
 * Outbound SMS through the daemon to simulated modems over PTYs: queued as `simpool send` does,
 * submitted part by part with a delivery report requested, marked delivered when the reports
 * come back; a permanent network refusal fails only its own message.
 */
let bench: DaemonBench | undefined;
afterEach(async () => {
  await bench?.dispose();
  bench = undefined;
});

/** Throttles off: these tests are about what goes out, not when. */
const NO_THROTTLE = { messaging: { throttle: { enabled: false } } };

const SINGLE = 'Your simpool code is 123456';
const EXTENDED = 'Order {42} [ok] ~ €5 |paid| \\ ^ shipped. '.repeat(6).trim();
const UCS2 = `Ваш код: 4242 🙂 ${'привет мир '.repeat(8)}`.trim();

describe('sending through the daemon over pseudo-terminals', () => {
  it('sends single and multipart SMS (GSM-7 extension characters, UCS2) and marks them delivered', async () => {
    bench = await DaemonBench.create({
      count: 2,
      simulateArgs: ['--status-report-delay', '300'],
      config: NO_THROTTLE,
    });
    const daemon = await bench.startDaemon();
    await bench.waitForReadyModems(2);
    const [sim0, sim1] = await bench.control.modems();
    const to = '+447700900777';

    const queued = await queueOutbound(bench, daemon, sim0!.iccid, to, [SINGLE, EXTENDED, UCS2]);
    expect(queued.map((m) => m.parts.length)).toEqual([1, 2, 2]);
    const rows = await outboundSettled(
      bench,
      queued.map((m) => m.id),
      'delivered',
    );
    for (const [i, row] of rows.entries()) {
      expect(row).toMatchObject({
        to,
        body: queued[i]!.body,
        senderIccid: sim0!.iccid,
        partCount: queued[i]!.parts.length,
        errorCode: null,
      });
      expect(row.sentAt).toEqual(expect.any(Number));
      // The network's discharge time (status report, whole seconds): not before the send.
      expect(row.deliveredAt).toBeGreaterThanOrEqual(Math.floor(row.sentAt! / 1000) * 1000);
      expect(row.deliveredAt).toBeLessThanOrEqual(Date.now());
    }
    const sent = await bench.control.sent(0);
    expect(sent).toHaveLength(5);
    expect(sent.every((p) => p.statusReportRequested)).toBe(true);
    expect(sentMessages(sent)).toEqual([SINGLE, EXTENDED, UCS2].map((text) => ({ to, text })));
    expect(sent.filter((p) => p.encoding === 'ucs2')).toHaveLength(2);
    expect(await bench.control.sent(1)).toEqual([]);

    // `simpool send` as an operator runs it, against the same data directory.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'send',
        '--config',
        bench.configFile,
        '--from',
        sim1!.iccid,
        '--to',
        '+447700900778',
        '--text',
        'sent with simpool send',
        '--json',
      ],
      { cwd: repoRoot },
    );
    const cli = JSON.parse(stdout) as { id: string; parts: number; iccid: string };
    expect(cli).toMatchObject({ parts: 1, iccid: sim1!.iccid });
    // The daemon finds it on its own (no wake-up: another process queued it).
    const [row] = await outboundSettled(bench, [cli.id], 'delivered');
    expect(row).toMatchObject({ senderIccid: sim1!.iccid, body: 'sent with simpool send' });
    expect(sentMessages(await bench.control.sent(1))).toEqual([
      { to: '+447700900778', text: 'sent with simpool send' },
    ]);
  }, 30_000);

  it.each([21, 1])(
    'fails a message refused with +CMS ERROR: %i and sends the next one',
    async (cms) => {
      bench = await DaemonBench.create({
        count: 1,
        simulateArgs: ['--status-report-delay', '300'],
        config: NO_THROTTLE,
      });
      const daemon = await bench.startDaemon();
      await bench.waitForReadyModems(1);
      const [sim] = await bench.control.modems();
      await bench.control.fault(0, { kind: 'send_error', cms, count: 1 });

      const [refused, next] = await queueOutbound(bench, daemon, sim!.iccid, '+447700900779', [
        'refused by the network',
        'the next message',
      ]);
      const [failed] = await outboundSettled(bench, [refused!.id], 'failed');
      expect(failed).toMatchObject({ errorCode: 'sms_send_failed', deliveredAt: null });
      expect(failed!.errorDetail).toContain(`cms_${cms}`);
      const [delivered] = await outboundSettled(bench, [next!.id], 'delivered');
      expect(delivered).toMatchObject({ senderIccid: sim!.iccid, errorCode: null });
      // Refused once, never retried: only the next message reached the network.
      expect(sentMessages(await bench.control.sent(0))).toEqual([
        { to: '+447700900779', text: 'the next message' },
      ]);
      expect((await outboundRow(bench, refused!.id))?.status).toBe('failed');
    },
    20_000,
  );
});

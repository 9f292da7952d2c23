import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeDeliver } from '../../src/simulator/index.js';
import { DaemonBench, FAST_LADDER } from '../helpers/daemon-harness.js';
import {
  pollUntil,
  repoRoot,
  startSimpoolProcess,
  type SimpoolProcess,
} from '../helpers/sim-process.js';

/**
 * `simpool start` as a child process against simulated modems over PTYs that spit random bytes
 * (NULs, binary noise) and receive malformed PDUs: the daemon stays up, stores the valid SMS
 * around them exactly once, keeps every malformed PDU raw and flagged, stops with exit code 0
 * on SIGTERM, and `simpool inbox --json` shows what it stored.
 */
let bench: DaemonBench | undefined;
let daemon: SimpoolProcess | undefined;
afterEach(async () => {
  await daemon?.kill();
  daemon = undefined;
  await bench?.dispose();
  bench = undefined;
});

/** Malformed deliver PDUs, each with a consistent SMSC length octet (the control API needs it). */
function malformedPdus(): string[] {
  const good = encodeDeliver({
    smsc: '+447700000000',
    from: '+447700900001',
    text: 'a valid SMS, about to be broken',
    encoding: 'gsm7',
    timestampMs: Date.UTC(2026, 0, 1),
  }).hex;
  const smsc = good.slice(0, 2 + parseInt(good.slice(0, 2), 16) * 2);
  const tpdu = good.slice(smsc.length);
  return [
    `${smsc}${tpdu.slice(0, 12)}`, // ends inside the originating address
    `${smsc}${tpdu.slice(0, 2)}FF${tpdu.slice(4)}`, // address length far too long
    `00${tpdu.slice(0, 30)}`, // no SMSC, ends inside the timestamp
    '0004', // a first octet and nothing else
  ];
}

async function simpool(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', ...args],
    { cwd: repoRoot },
  );
  return stdout;
}

describe('garbage tolerance of the daemon (child process)', () => {
  it('survives random bytes and malformed PDUs, keeps the malformed ones raw and flagged, stores the valid SMS', async () => {
    bench = await DaemonBench.create({
      count: 2,
      // debug: the log shows the line noise the engine skipped.
      config: { modemTiming: FAST_LADDER, logLevel: 'debug' },
    });
    const b = bench;
    daemon = await startSimpoolProcess(['start', '--config', b.configFile], /simpool started/);
    const [sim0, sim1] = await b.control.modems();
    await pollUntil(
      async () => {
        const sims = await b.read((r) => r.inventory.listSims());
        return sims.length === 2 && sims.every((s) => s.status === 'ready') ? true : undefined;
      },
      15_000,
      'both SIMs ready',
    );
    const valid: { modem: number; text: string }[] = [];
    const inject = async (modem: number, text: string) => {
      await b.control.injectSms(modem, { from: '+447700900888', text });
      valid.push({ modem, text });
    };
    const stored = (count: number) =>
      pollUntil(
        async () => {
          const messages = await b.read((r) => r.inbound.listMessages({ limit: 1000 }));
          return messages.length >= count ? messages : undefined;
        },
        15_000,
        `${count} SMS stored`,
      );

    await inject(0, 'before the noise');
    await stored(1);

    // Bursts of noise between answers, then noise before every answer.
    for (let i = 0; i < 5; i++) await b.control.fault(i % 2, { kind: 'garbage', bytes: 200 });
    await b.control.fault(0, { kind: 'garbage', bytes: 32, continuous: true });
    const broken = malformedPdus();
    await inject(0, 'amid the noise');
    for (const [i, pdu] of broken.entries()) {
      await b.control.injectSms(i % 2, { pdu });
      await inject(i % 2, `valid SMS ${i} between malformed ones`);
    }
    await inject(1, `a long one ${'next to the noise '.repeat(12)}`.trim());
    await stored(valid.length);
    await b.control.fault(0, { kind: 'clear' });
    await inject(0, 'after the noise');
    const messages = await stored(valid.length);

    expect(daemon.child.exitCode).toBeNull();
    const iccids = [sim0!.iccid, sim1!.iccid];
    expect(messages.map((m) => [m.iccid, m.text]).sort()).toEqual(
      valid.map((v) => [iccids[v.modem], v.text]).sort(),
    );
    const malformed = await pollUntil(
      async () => {
        const rows = await b.read((r) => r.inbound.listRaw({ kind: 'malformed', limit: 100 }));
        return rows.length >= broken.length ? rows : undefined;
      },
      10_000,
      'every malformed PDU kept',
    );
    expect(malformed.map((r) => [r.iccid, r.pdu]).sort()).toEqual(
      broken.map((pdu, i) => [iccids[i % 2], pdu]).sort(),
    );
    for (const row of malformed) {
      expect(row.error).toMatch(/\S/);
      expect(row.messageId).toBeNull();
    }
    // Committed, then deleted from the SIMs like any other SMS.
    for (const modem of [0, 1]) expect(await b.control.modem(modem)).toMatchObject({ stored: [] });

    expect(await daemon.stop()).toBe(0);
    const log = daemon.output();
    expect(log).not.toMatch(/"level":(50|60)/); // no error or fatal logged
    // The noise did reach the daemon (debug log), on both ports.
    for (const port of ['ttySIM0', 'ttySIM1']) {
      expect(log).toMatch(new RegExp(`"port":"[^"]*${port}"[^\\n]*"msg":"line noise"`));
    }
    daemon = undefined;

    const inbox = JSON.parse(await simpool(['inbox', '--json', '--config', b.configFile])) as {
      iccid: string;
      sender: string;
      text: string;
      complete: boolean;
    }[];
    expect(inbox.map((m) => m.text).sort()).toEqual(valid.map((v) => v.text).sort());
    expect(inbox.every((m) => m.complete && m.sender === '+447700900888')).toBe(true);
  }, 40_000);
});

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/require-tool.js';
import { startSimulatorProcess, type SimulatorProcess } from '../helpers/sim-process.js';

const run = promisify(execFile);

/** gammu against `simpool simulate` on a pseudo-terminal: the proof a real client is satisfied. */
describe('gammu against the PTY-exposed simulator', () => {
  let dir: string;
  let sim: SimulatorProcess | undefined;
  let rc: string;

  beforeAll(async () => {
    requireTool('gammu');
    requireTool('socat');
    dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-gammu-'));
    sim = await startSimulatorProcess([
      '--count',
      '2',
      '--link-dir',
      dir,
      '--control-port',
      '0',
      '--flavour',
      'mixed',
      '--send-delay',
      '100',
    ]);
    rc = path.join(dir, 'gammurc');
    await writeFile(
      rc,
      `[gammu]\ndevice = ${path.join(dir, 'ttySIM0')}\nconnection = at\nlogfile = ${path.join(dir, 'gammu.log')}\nlogformat = textall\n`,
    );
  }, 40_000);

  afterAll(async () => {
    const code = await sim?.stop();
    // socat removes its link when it exits: a leftover link means an orphaned socat.
    const leftover = existsSync(path.join(dir, 'ttySIM0'));
    await rm(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    expect(leftover).toBe(false);
  }, 20_000);

  function gammu(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run('gammu', ['-c', rc, ...args], { timeout: 45_000 });
  }

  async function control(method: string, route: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${sim!.controlUrl}${route}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    expect(response.ok).toBe(true);
    return response.json();
  }

  it('lists the modems with their PTY links', async () => {
    const modems = (await control('GET', '/modems')) as {
      index: number;
      link: string;
      imei: string;
      flavour: string;
    }[];
    expect(modems.map((m) => [m.index, m.link, m.flavour])).toEqual([
      [0, path.join(dir, 'ttySIM0'), 'sim800c'],
      [1, path.join(dir, 'ttySIM1'), 'ec25'],
    ]);
  });

  it('identifies the modem, reads an injected SMS and sends one, reopening the port each time', async () => {
    const [modem] = (await control('GET', '/modems')) as { imei: string; imsi: string }[];

    const identify = await gammu('identify');
    expect(identify.stdout).toContain('SIMCOM_Ltd');
    expect(identify.stdout).toContain(modem!.imei);
    expect(identify.stdout).toContain(modem!.imsi);

    await control('POST', '/modems/0/sms', { from: '+447700900555', text: 'Your code is 4711' });
    const inbox = await gammu('getallsms');
    expect(inbox.stdout).toContain('Your code is 4711');
    expect(inbox.stdout).toContain('+447700900555');

    const send = await gammu('sendsms', 'TEXT', '+4477009000123', '-text', 'hi');
    expect(`${send.stdout}${send.stderr}`).toMatch(/OK, message reference=\d+/);
    const sent = (await control('GET', '/modems/0/sent')) as { to: string; text: string }[];
    expect(sent).toContainEqual(expect.objectContaining({ to: '+4477009000123', text: 'hi' }));
  }, 150_000);
});

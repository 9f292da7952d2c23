import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/daemon/index.js';
import { runPowerCycle } from '../../src/pool/power-cycle.js';
import { requireTool } from '../helpers/require-tool.js';
import { repoRoot } from '../helpers/sim-process.js';

const run = promisify(execFile);
const unitFile = path.join(repoRoot, 'systemd/simpool.service');

/** A systemd unit as section → key → values (keys like DeviceAllow repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 0) throw new Error(`not a unit file line: ${line}`);
    const key = line.slice(0, eq).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return sections;
}

describe('systemd/simpool.service', () => {
  let service: Map<string, string[]>;
  beforeAll(async () => {
    service =
      parseUnit(await readFile(unitFile, 'utf8')).get('Service') ?? new Map<string, string[]>();
  });
  const value = (key: string) => service.get(key)?.at(-1);

  it('runs the installed build as the simpool user in group dialout, with its state directory', async () => {
    expect(value('User')).toBe('simpool');
    expect(value('SupplementaryGroups')).toBe('dialout');
    expect(value('StateDirectory')).toBe('simpool');
    expect(value('EnvironmentFile')).toBe('-/etc/simpool/simpool.env');
    const bin = (
      JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
        bin: { simpool: string };
      }
    ).bin.simpool;
    expect(value('ExecStart')).toMatch(
      new RegExp(
        `^/usr/bin/node /opt/simpool/${bin.replaceAll('.', '\\.')} start .*--data-dir \\$\\{STATE_DIRECTORY\\}`,
      ),
    );
  });

  it('is hardened and allows only the modem ttys', () => {
    expect({
      NoNewPrivileges: value('NoNewPrivileges'),
      ProtectSystem: value('ProtectSystem'),
      ProtectHome: value('ProtectHome'),
      PrivateTmp: value('PrivateTmp'),
      ProtectKernelTunables: value('ProtectKernelTunables'),
      ProtectKernelModules: value('ProtectKernelModules'),
      RestrictAddressFamilies: value('RestrictAddressFamilies'),
      DevicePolicy: value('DevicePolicy'),
    }).toEqual({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      RestrictAddressFamilies: 'AF_UNIX AF_INET AF_INET6 AF_NETLINK',
      DevicePolicy: 'closed',
    });
    expect(service.get('DeviceAllow')).toEqual(['char-ttyUSB rw', 'char-ttyACM rw']);
  });

  it('restarts on failure and gives a send in flight (AT+CMGS, up to 120 s) time to finish', () => {
    expect(value('Restart')).toBe('on-failure');
    expect(Number(value('RestartSec'))).toBeGreaterThan(0);
    expect(value('KillSignal')).toBe('SIGTERM');
    expect(Number(value('TimeoutStopSec'))).toBeGreaterThan(120);
  });

  it('passes systemd-analyze verify without warnings', async () => {
    requireTool('systemd-analyze', 'systemd');
    const { stdout, stderr } = await run('systemd-analyze', ['verify', unitFile]).catch(
      (error: { stdout: string; stderr: string }) => error,
    );
    // The one thing a development machine may lack is the installed Node binary.
    const warnings = `${stdout}\n${stderr}`
      .split('\n')
      .filter(
        (line) => line.trim() !== '' && !/Command \/usr\/bin\/node is not executable/.test(line),
      );
    expect(warnings).toEqual([]);
  });

  it('ships an environment example the config accepts', async () => {
    const text = await readFile(path.join(repoRoot, 'systemd/simpool.env.example'), 'utf8');
    const env = Object.fromEntries(
      text
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    // The file it names is the one the unit passes with --config (absent on a test machine).
    const { SIMPOOL_CONFIG: configFile, ...rest } = env;
    expect(configFile).toBe('/etc/simpool/config.json');
    expect(value('ExecStart')).toContain(`--config ${configFile} `);
    const config = loadConfig(undefined, {}, rest);
    expect(config.dataDir).toBe('/var/lib/simpool');
  });
});

describe('hardware/99-simpool.rules', () => {
  const KEYS =
    /^(ACTION|SUBSYSTEM|SUBSYSTEMS|KERNEL|KERNELS|DRIVERS|DEVPATH|ATTR\{[^}]+\}|ATTRS\{[^}]+\}|ENV\{[^}]+\}|TEST|GOTO|LABEL|GROUP|MODE|OWNER|SYMLINK|RUN\{?[^}]*\}?)$/;

  it('is well-formed: known keys, quoted values, every GOTO has its LABEL', async () => {
    const text = await readFile(path.join(repoRoot, 'hardware/99-simpool.rules'), 'utf8');
    const rules = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    const gotos = new Set<string>();
    const labels = new Set<string>();
    for (const rule of rules) {
      for (const pair of rule.split(/,\s*/)) {
        const match = /^([A-Z]+(?:\{[^}]+\})?)(==|!=|\+=|=)"([^"]*)"$/.exec(pair.trim());
        expect(match, `${rule}: ${pair}`).not.toBeNull();
        expect(match![1], rule).toMatch(KEYS);
        if (match![1] === 'GOTO') gotos.add(match![3]!);
        if (match![1] === 'LABEL') labels.add(match![3]!);
      }
    }
    expect([...gotos].filter((g) => !labels.has(g))).toEqual([]);
    expect(text).toContain('ENV{ID_MM_DEVICE_IGNORE}="1"');
    expect(text).toContain('ATTR{power/control}="on"');
    expect(text).toContain('SYMLINK+="simpool/usb-$id-if$env{.SIMPOOL_IF}"');
  });
});

describe('hardware/uhubctl-cycle as powerCycleCommand', () => {
  let dir: string;
  let fakeUhubctl: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-uhubctl-'));
    // uhubctl is not needed (nor safe) on a test machine: a stand-in records its arguments.
    fakeUhubctl = path.join(dir, 'uhubctl');
    await writeFile(fakeUhubctl, `#!/bin/sh\necho "$@" > "${dir}/args"\n`, { mode: 0o755 });
    // A sysfs tree as Linux lays out a usb-serial tty: ttyUSB2 on interface 2 of device 1-1.2.
    const port = 'sys/devices/platform/usb1/1-1/1-1.2/1-1.2:1.2/ttyUSB2';
    await mkdir(path.join(dir, port), { recursive: true });
    await mkdir(path.join(dir, 'sys/class/tty/ttyUSB2'), { recursive: true });
    await symlink(`../../../../${port}`, path.join(dir, 'sys/class/tty/ttyUSB2/device'));
    await mkdir(path.join(dir, 'dev/serial/by-path'), { recursive: true });
    await writeFile(path.join(dir, 'dev/ttyUSB2'), '');
    await symlink(
      '../../ttyUSB2',
      path.join(dir, 'dev/serial/by-path/platform-usb-0:1.2:1.2-port0'),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function cycle(device: string): Promise<string> {
    const script = path.join(repoRoot, 'hardware/uhubctl-cycle');
    const env = `SIMPOOL_UHUBCTL=${fakeUhubctl} SIMPOOL_SYSFS=${dir}/sys SIMPOOL_CYCLE_DELAY=3`;
    await runPowerCycle(`${env} ${script} {device}`, device);
    return (await readFile(path.join(dir, 'args'), 'utf8')).trim();
  }

  it('reads hub and port from a /dev/simpool name, even after the modem has vanished', async () => {
    expect(await cycle('/dev/simpool/usb-1-1.2-if02')).toBe('-l 1-1 -p 2 -a cycle -d 3');
    expect(await cycle('/dev/simpool/usb-2-1.4.3-if00')).toBe('-l 2-1.4 -p 3 -a cycle -d 3');
    expect(await cycle('/dev/simpool/usb-1-3-if00')).toBe('-l 1 -p 3 -a cycle -d 3');
  });

  it('finds the USB device of any other tty path through sysfs', async () => {
    const byPath = path.join(dir, 'dev/serial/by-path/platform-usb-0:1.2:1.2-port0');
    expect(await cycle(byPath)).toBe('-l 1-1 -p 2 -a cycle -d 3');
  });

  it('fails with a reason for a port that is not on USB', async () => {
    await expect(cycle('/dev/null')).rejects.toThrow(/not a USB serial port/);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expandSources, parseModemList, parseModemSource } from '../../../src/pool/index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function codeOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return undefined;
}

describe('modem sources', () => {
  it('tells paths, globs, tcp:// URLs and simulated:N apart', () => {
    expect(parseModemList('/dev/ttyUSB2, tcp://10.0.0.5:7001,simulated:4')).toEqual([
      { kind: 'path', path: '/dev/ttyUSB2' },
      { kind: 'tcp', url: 'tcp://10.0.0.5:7001' },
      { kind: 'simulated', count: 4 },
    ]);
    const glob = parseModemSource('/dev/serial/by-path/*-port0');
    expect(glob).toMatchObject({ kind: 'glob', dir: '/dev/serial/by-path' });
  });

  it('refuses what is none of them with config_invalid', () => {
    for (const bad of ['ttyUSB0', 'simulated:0', 'simulated:999', '/dev/*/ttyUSB0', '/dev/tty[0']) {
      expect(codeOf(() => parseModemSource(bad))).toBe('config_invalid');
    }
  });

  it('expands a glob to the existing devices it matches, in order, and skips missing paths', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-src-'));
    dirs.push(dir);
    for (const name of ['usb-1-port0', 'usb-2-port0', 'usb-1-port1', 'README']) {
      await writeFile(path.join(dir, name), '');
    }
    const found = await expandSources(
      parseModemList(
        `${dir}/*-port0,${dir}/usb-1-port1,${dir}/missing,${path.join(dir, 'nodir')}/*,tcp://127.0.0.1:7000,simulated:2`,
      ),
    );
    expect(found).toEqual([
      path.join(dir, 'usb-1-port0'),
      path.join(dir, 'usb-2-port0'),
      path.join(dir, 'usb-1-port1'),
      'tcp://127.0.0.1:7000',
    ]);
  });
});

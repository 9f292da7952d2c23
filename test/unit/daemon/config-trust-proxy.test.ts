import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkConfig, loadConfig } from '../../../src/daemon/index.js';

/** `trustProxy` from the file, SIMPOOL_TRUST_PROXY and the command line, and its mistakes. */
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function file(config: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-cfg-'));
  dirs.push(dir);
  const name = path.join(dir, 'simpool.json');
  await writeFile(name, JSON.stringify(config));
  return name;
}

function problems(checked: ReturnType<typeof checkConfig>): string[] {
  if (checked.ok) throw new Error('expected the configuration to be refused');
  return checked.problems;
}

describe('trustProxy setting', () => {
  it('defaults to trusting no proxy', () => {
    expect(loadConfig(undefined, {}, {}).trustProxy).toBe(false);
  });

  it('reads true, false or a list from the file, the environment and the command line', async () => {
    expect(
      loadConfig(await file({ trustProxy: ['10.0.0.0/8', 'loopback'] }), {}, {}).trustProxy,
    ).toEqual(['10.0.0.0/8', 'loopback']);
    expect(loadConfig(undefined, {}, { SIMPOOL_TRUST_PROXY: 'TRUE' }).trustProxy).toBe(true);
    expect(
      loadConfig(undefined, {}, { SIMPOOL_TRUST_PROXY: ' 192.0.2.10, ::1 ' }).trustProxy,
    ).toEqual(['192.0.2.10', '::1']);
    // The command line wins over the environment, which wins over the file.
    const fromFile = await file({ trustProxy: true });
    expect(loadConfig(fromFile, {}, { SIMPOOL_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(
      loadConfig(fromFile, { trustProxy: ['127.0.0.1'] }, { SIMPOOL_TRUST_PROXY: 'false' })
        .trustProxy,
    ).toEqual(['127.0.0.1']);
  });

  it('refuses a value of another kind in one line naming the forms', async () => {
    expect(problems(checkConfig(await file({ trustProxy: 'yes' }), {}, {}))).toEqual([
      'trustProxy: must be true, false, or a list of proxy addresses, address/prefix ranges and the names loopback, linklocal, uniquelocal, got "yes"',
    ]);
  });

  it('refuses a list entry that is no address, range or known name, by its place', async () => {
    expect(
      problems(
        checkConfig(await file({ trustProxy: ['10.0.0.1', 'proxy.lan', '10.0.0.0/99'] }), {}, {}),
      ),
    ).toEqual([
      expect.stringMatching(/^trustProxy\/1: must be an IP address, .* got "proxy\.lan"$/),
      expect.stringMatching(/^trustProxy\/2: must be an IP address, .* got "10\.0\.0\.0\/99"$/),
    ]);
    // A bad value from the environment is named by its variable.
    expect(problems(checkConfig(undefined, {}, { SIMPOOL_TRUST_PROXY: 'yes' }))).toEqual([
      expect.stringMatching(/^trustProxy \(from SIMPOOL_TRUST_PROXY\)\/0: must be an IP address/),
    ]);
  });
});

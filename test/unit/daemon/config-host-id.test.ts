import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkConfig, loadConfig } from '../../../src/daemon/index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function configFile(content: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-host-id-'));
  dirs.push(dir);
  const file = path.join(dir, 'simpool.json');
  await writeFile(file, JSON.stringify(content));
  return file;
}

const MEANING =
  'must be a host id: 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or a digit';

describe('the host id', () => {
  it("defaults to the machine's hostname", () => {
    expect(loadConfig(undefined, {}, {}).hostId).toBe(os.hostname());
  });

  it('refuses a hostname that is no valid host id, saying how to set one', () => {
    const checked = checkConfig(undefined, {}, {}, 'my laptop');
    expect(checked.ok ? [] : checked.problems).toEqual([
      `hostId: this machine's hostname "my laptop" is not a host id: 1 to 64 letters, digits, ` +
        '".", "_" or "-", starting with a letter or a digit: set hostId, --host-id or SIMPOOL_HOST_ID',
    ]);
    expect(checkConfig(undefined, { hostId: 'laptop' }, {}, 'my laptop').ok).toBe(true);
  });

  it('layers like every setting: file < SIMPOOL_HOST_ID < --host-id', async () => {
    const file = await configFile({ hostId: 'rack-1.example' });
    expect(loadConfig(file, {}, {}).hostId).toBe('rack-1.example');
    expect(loadConfig(file, {}, { SIMPOOL_HOST_ID: 'host_b' }).hostId).toBe('host_b');
    expect(loadConfig(file, { hostId: 'C3' }, { SIMPOOL_HOST_ID: 'host_b' }).hostId).toBe('C3');
  });

  it('takes 1 to 64 of letters, digits, dot, underscore and dash', () => {
    for (const hostId of ['a', '7', 'host-a', 'web1.dc2.example.com', 'A_b-c.9', 'x'.repeat(64)]) {
      expect(loadConfig(undefined, { hostId }, {}).hostId).toBe(hostId);
    }
  });

  it('refuses empty, too long, a leading dash or dot, spaces, slashes, colons and quotes', async () => {
    const bad = ['', 'x'.repeat(65), '-a', '.a', 'host a', 'a/b', 'db:1', 'o"k', 'héte'];
    for (const hostId of bad) {
      const checked = checkConfig(await configFile({ hostId }), {}, {});
      expect(checked.ok ? [] : checked.problems, hostId).toEqual([`hostId: ${MEANING}`]);
    }
    const fromEnv = checkConfig(undefined, {}, { SIMPOOL_HOST_ID: 'a b' });
    expect(fromEnv.ok ? [] : fromEnv.problems).toEqual([
      `hostId (from SIMPOOL_HOST_ID): ${MEANING}`,
    ]);
  });
});

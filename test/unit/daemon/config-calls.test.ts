import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkConfig } from '../../../src/daemon/index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function check(config: unknown) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-cfg-calls-'));
  dirs.push(dir);
  const name = path.join(dir, 'simpool.json');
  await writeFile(name, JSON.stringify(config));
  return checkConfig(name, {}, {});
}

describe('calls.onIncoming', () => {
  it('defaults to reject, takes ignore, and refuses anything else naming the field', async () => {
    const none = await check({});
    expect(none.ok && none.config.calls).toEqual({ onIncoming: 'reject' });
    const ignore = await check({ calls: { onIncoming: 'ignore' } });
    expect(ignore.ok && ignore.config.calls).toEqual({ onIncoming: 'ignore' });
    for (const calls of [{ onIncoming: 'answer' }, { onIncoming: true }, { reject: true }]) {
      const refused = await check({ calls });
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.problems.join('\n')).toMatch(/^calls/m);
    }
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/daemon/index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function configFile(content: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-cfg-'));
  dirs.push(dir);
  const file = path.join(dir, 'simpool.json');
  await writeFile(file, content);
  return file;
}

function failure(run: () => unknown): { code?: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a failure');
}

describe('configuration', () => {
  it('defaults to four simulated modems and a data directory under the working directory', () => {
    const config = loadConfig(undefined, {}, {});
    expect(config.modems).toEqual(['simulated:4']);
    expect(config.database).toEqual({
      engine: 'sqlite',
      file: path.resolve('.simpool', 'simpool.db'),
    });
    expect(config.sweepIntervalMs).toBe(60_000);
  });

  it('layers file < SIMPOOL_* environment < command-line overrides', async () => {
    const file = await configFile(
      JSON.stringify({
        dataDir: '/var/lib/a',
        port: 9000,
        modems: ['/dev/ttyUSB0'],
        logLevel: 'warn',
      }),
    );
    const config = loadConfig(
      file,
      { modems: ['simulated:2'] },
      { SIMPOOL_DATA_DIR: '/var/lib/b', SIMPOOL_PORT: '9100' },
    );
    expect(config).toMatchObject({
      dataDir: '/var/lib/b',
      port: 9100,
      modems: ['simulated:2'],
      logLevel: 'warn',
    });
  });

  it('names every bad field in one readable error', async () => {
    const file = await configFile(
      JSON.stringify({ port: 'eighty', modems: [3], pins: { '8944': '12' }, colour: 'red' }),
    );
    const error = failure(() => loadConfig(file, {}, {}));
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('port:');
    expect(error.message).toContain('modems/0:');
    expect(error.message).toContain('pins/8944:');
    expect(error.message).toContain('colour');
  });

  it('takes modem timing overrides and refuses unknown or out-of-range ones', async () => {
    const good = await configFile(
      JSON.stringify({ modemTiming: { commandTimeoutMs: 1000, reopenAttempts: 1 } }),
    );
    expect(loadConfig(good, {}, {}).modemTiming).toEqual({
      commandTimeoutMs: 1000,
      reopenAttempts: 1,
    });
    expect(loadConfig(undefined, {}, {}).modemTiming).toEqual({});
    const bad = await configFile(
      JSON.stringify({ modemTiming: { commandTimeoutMs: 5, reopenAttempts: 0, naps: 3 } }),
    );
    const error = failure(() => loadConfig(bad, {}, {}));
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('modemTiming/commandTimeoutMs:');
    expect(error.message).toContain('modemTiming/reopenAttempts:');
    expect(error.message).toContain('naps');
  });

  it('defaults messaging.deliveryGuarantee to at-most-once, takes at-least-once, refuses the rest', async () => {
    expect(loadConfig(undefined, {}, {}).messaging.deliveryGuarantee).toBe('at-most-once');
    const good = await configFile(
      JSON.stringify({ messaging: { deliveryGuarantee: 'at-least-once' } }),
    );
    expect(loadConfig(good, {}, {}).messaging.deliveryGuarantee).toBe('at-least-once');
    const bad = await configFile(
      JSON.stringify({ messaging: { deliveryGuarantee: 'exactly-once' } }),
    );
    const error = failure(() => loadConfig(bad, {}, {}));
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('messaging/deliveryGuarantee');
  });

  it('says so when the file is missing or not JSON', async () => {
    expect(failure(() => loadConfig('/nonexistent/simpool.json', {}, {})).message).toContain(
      'cannot read config file',
    );
    const file = await configFile('{ modems: [');
    expect(failure(() => loadConfig(file, {}, {})).message).toContain('not valid JSON');
  });

  it('lets live keys use simulated SIMs by default only when every modem is simulated', async () => {
    const sandboxDefaults = { sandboxStartingBalanceUsd: 100, sandboxSmsDelaySeconds: 3 };
    expect(loadConfig(undefined, {}, {}).orders).toMatchObject({
      liveOnSimulated: true,
      ...sandboxDefaults,
    });
    expect(
      loadConfig(undefined, { modems: ['simulated:2', 'simulated:1'] }, {}).orders,
    ).toMatchObject({ liveOnSimulated: true });
    expect(
      loadConfig(undefined, { modems: ['simulated:2', '/dev/ttyUSB0'] }, {}).orders,
    ).toMatchObject({ liveOnSimulated: false });
    const file = await configFile(
      JSON.stringify({
        modems: ['/dev/ttyUSB*'],
        orders: { liveOnSimulated: true, sandboxSmsDelaySeconds: 10, sandboxStartingBalanceUsd: 5 },
      }),
    );
    expect(loadConfig(file, {}, {}).orders).toMatchObject({
      liveOnSimulated: true,
      sandboxSmsDelaySeconds: 10,
      sandboxStartingBalanceUsd: 5,
    });
    const bad = await configFile(JSON.stringify({ orders: { sandboxSmsDelaySeconds: -1 } }));
    expect(failure(() => loadConfig(bad, {}, {})).code).toBe('config_invalid');
  });
});

describe('api settings', () => {
  it('default to 60 requests/min, sms-activate tokens and a 1 s key cache, and refuse a zero limit', async () => {
    expect(loadConfig(undefined, {}, {}).api).toEqual({
      rateLimitPerMinute: 60,
      authFailureLimit: 10,
      authFailureWindowSeconds: 300,
      legacyMode: 'sms-activate',
      authCacheMs: 1000,
    });
    const bad = await configFile(JSON.stringify({ api: { rateLimitPerMinute: 0 } }));
    expect(() => loadConfig(bad, {}, {})).toThrow(/api\/rateLimitPerMinute/);
  });

  it('take the failed-authentication throttle and refuse a zero or fractional one', async () => {
    const set = await configFile(
      JSON.stringify({ api: { authFailureLimit: 3, authFailureWindowSeconds: 60 } }),
    );
    expect(loadConfig(set, {}, {}).api).toMatchObject({
      authFailureLimit: 3,
      authFailureWindowSeconds: 60,
    });
    const zero = await configFile(JSON.stringify({ api: { authFailureLimit: 0 } }));
    expect(() => loadConfig(zero, {}, {})).toThrow(/api\/authFailureLimit/);
    const fraction = await configFile(JSON.stringify({ api: { authFailureWindowSeconds: 1.5 } }));
    expect(() => loadConfig(fraction, {}, {})).toThrow(/api\/authFailureWindowSeconds/);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkConfig, loadConfig } from '../../../src/daemon/index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function file(content: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-cfg-'));
  dirs.push(dir);
  const name = path.join(dir, 'simpool.json');
  await writeFile(name, content);
  return name;
}

/** The problems an operator reads for this config file (no environment). */
async function problemsOf(config: unknown, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const checked = checkConfig(await file(JSON.stringify(config)), {}, env);
  if (checked.ok) throw new Error('expected the configuration to be refused');
  return checked.problems;
}

const ICCID = '8944100000000000017';

describe('configuration mistakes name the field', () => {
  it('wrong type: the field, the expected type and the value found', async () => {
    expect(
      await problemsOf({ port: 'eighty', modems: [3], webhooks: { allowedHosts: 'a' } }),
    ).toEqual([
      'port: must be a whole number, got "eighty"',
      'modems/0: must be a string, got 3',
      'webhooks/allowedHosts: must be a list ([…]), got "a"',
    ]);
  });

  it('unknown field: which one, with the close match or the fields allowed there', async () => {
    const problems = await problemsOf({ healthIntervalMS: 5000, orders: { holdd: 1 } });
    expect(problems[0]).toBe(
      'healthIntervalMS: unknown field "healthIntervalMS" (did you mean "healthIntervalMs"?)',
    );
    expect(problems[1]).toMatch(
      /^orders\/holdd: unknown field "holdd" \(known here: .*holdSeconds/,
    );
  });

  it('out of range: the bound and the value', async () => {
    expect(
      await problemsOf({
        port: 70000,
        api: { rateLimitPerMinute: 0 },
        orders: { lifetimeMinutes: 0 },
      }),
    ).toEqual([
      'port: must be at most 65535, got 70000',
      'orders/lifetimeMinutes: must be at least 1, got 0',
      'api/rateLimitPerMinute: must be at least 1, got 0',
    ]);
  });

  it('bad pattern: says what a PIN or a number looks like and never echoes the PIN', async () => {
    const problems = await problemsOf({
      pins: { [ICCID]: '12a' },
      numbers: { [ICCID]: 'call me' },
    });
    expect(problems).toEqual([
      `pins/${ICCID}: must be a SIM PIN of 4 to 8 digits`,
      `numbers/${ICCID}: must be a phone number of 5 to 15 digits, optionally with a leading +`,
    ]);
    expect(problems.join()).not.toContain('12a');
  });

  it('a key that is no ICCID is refused instead of silently never matching a SIM', async () => {
    expect(
      await problemsOf({
        pins: { '*': '1234', '+4477009': '1234' },
        messaging: { sims: { tg: {} } },
      }),
    ).toEqual([
      'pins/+4477009: "+4477009" is not an ICCID (89 followed by 16 to 20 digits) or "*" for any SIM',
      'messaging/sims/tg: "tg" is not an ICCID (89 followed by 16 to 20 digits)',
    ]);
  });

  it('a value not in the list: the allowed values', async () => {
    expect(await problemsOf({ logLevel: 'loud', orders: { allocationPolicy: 'fifo' } })).toEqual([
      'logLevel: must be one of trace, debug, info, warn, error, fatal, silent, got "loud"',
      'orders/allocationPolicy: must be one of lru, random, got "fifo"',
    ]);
  });

  it('pauseMaxMs below pauseMinMs, in the throttle or in one SIM override', async () => {
    expect(
      await problemsOf({
        messaging: {
          throttle: { pauseMinMs: 5000, pauseMaxMs: 4000 },
          sims: { [ICCID]: { pauseMaxMs: 10 } },
        },
      }),
    ).toEqual([
      'messaging/throttle/pauseMaxMs: must be at least pauseMinMs (5000), got 4000',
      `messaging/sims/${ICCID}/pauseMaxMs: must be at least pauseMinMs (5000), got 10`,
    ]);
  });

  it('bad JSON: the line and column of the mistake', async () => {
    const checked = checkConfig(await file('{\n  "port": 8080,\n  "modems": [\n}\n'), {}, {});
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.problems[0]).toMatch(
      /is not valid JSON at line 4, column 1: Unexpected token '}'$/,
    );
    const trailingComma = checkConfig(await file('{"port": 8080,}'), {}, {});
    expect(!trailingComma.ok && trailingComma.problems[0]).toContain('at line 1, column 15');
  });

  it('missing file, also when $SIMPOOL_CONFIG names it', () => {
    const missing = '/nonexistent/simpool.json';
    expect(() => loadConfig(missing, {}, {})).toThrow(`cannot read config file ${missing}`);
    expect(() => loadConfig(undefined, {}, { SIMPOOL_CONFIG: missing })).toThrow(missing);
  });

  it('not an object at the top', async () => {
    expect(checkConfig(await file('[1]'), {}, {})).toMatchObject({
      ok: false,
      problems: [expect.stringContaining('must hold a JSON object')],
    });
  });

  it('a bad value from the environment names its variable', async () => {
    expect(await problemsOf({}, { SIMPOOL_PORT: '80a', SIMPOOL_LOG_LEVEL: 'chatty' })).toEqual([
      'port (from SIMPOOL_PORT): must be a whole number, got "80a"',
      'logLevel (from SIMPOOL_LOG_LEVEL): must be one of trace, debug, info, warn, error, fatal, silent, got "chatty"',
    ]);
  });

  it('reports every mistake at once, not only the first eight', async () => {
    const many = Object.fromEntries(
      [
        'healthIntervalMs',
        'sweepIntervalMs',
        'hotplugIntervalMs',
        'port',
        'reassemblyTimeoutMs',
      ].map((k) => [k, -1]),
    );
    const problems = await problemsOf({ ...many, a: 1, b: 2, c: 3, d: 4, e: 5 });
    expect(problems).toHaveLength(10);
  });

  it('loadConfig throws config_invalid with every problem in the message and details', async () => {
    const name = await file(JSON.stringify({ port: -1, colour: 'red' }));
    let error: { code?: string; message?: string; details?: { problems?: string[] } } = {};
    try {
      loadConfig(name, {}, {});
    } catch (caught) {
      error = caught as typeof error;
    }
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain(`invalid configuration (${name}):`);
    expect(error.message).toContain('port: must be at least 0, got -1');
    expect(error.details?.problems).toHaveLength(2);
  });
});

describe('configuration sources', () => {
  it('reads the file $SIMPOOL_CONFIG names and says which variables set values', async () => {
    const name = await file(JSON.stringify({ port: 9000, orders: { holdSeconds: 30 } }));
    const checked = checkConfig(undefined, {}, { SIMPOOL_CONFIG: name, SIMPOOL_HOST: '0.0.0.0' });
    expect(checked).toMatchObject({
      ok: true,
      file: name,
      environment: ['SIMPOOL_HOST'],
      config: { port: 9000, host: '0.0.0.0', orders: { holdSeconds: 30, lifetimeMinutes: 20 } },
    });
  });

  it('accepts the documented example, config/simpool.example.json', () => {
    const example = path.join(import.meta.dirname, '../../../config/simpool.example.json');
    expect(checkConfig(example, {}, {})).toMatchObject({
      ok: true,
      config: {
        orders: { holdSeconds: 120, lifetimeMinutes: 20 },
        api: { rateLimitPerMinute: 60 },
      },
    });
  });

  it('takes the power-cycle command from SIMPOOL_POWER_CYCLE_COMMAND', () => {
    const command = 'uhubctl -l 1-1 -p 2 -a cycle';
    expect(
      loadConfig(undefined, {}, { SIMPOOL_POWER_CYCLE_COMMAND: command }).powerCycleCommand,
    ).toBe(command);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_INTERVALS } from '../helpers/daemon-harness.js';
import { requirePostgres } from '../helpers/postgres.js';
import { startPostgresCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { pollUntil, startSimpoolProcess } from '../helpers/sim-process.js';

/**
 * A host that loses its PostgreSQL server (issue 13): `/readyz` fails while the database is
 * away; SMS that arrive meanwhile stay on the SIM (nothing is read and deleted that was not
 * committed) and are stored, once each, when the server is back. The daemon is a real
 * `simpool start` process on a PostgreSQL server of this test's own, which the test stops at once
 * (as a crash would) and starts again on the same port.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function inboundTexts(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = await client.query<{ text: string }>(
      'SELECT text FROM inbound_messages ORDER BY text',
    );
    return rows.rows.map((r) => r.text);
  } finally {
    await client.end();
  }
}

async function readyStatus(api: string): Promise<number> {
  return (await fetch(`${api}/readyz`)).status;
}

describe('a host whose PostgreSQL server goes away', () => {
  it('fails /readyz, keeps the SMS on the SIM, and stores each once when the server is back', async () => {
    requirePostgres();
    // Durable commits: the server's crash below must not lose what it had committed.
    const cluster: PostgresCluster = await startPostgresCluster({ durableCommits: true });
    cleanups.push(() => Promise.resolve(cluster.stop()));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-outage-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const configFile = path.join(dir, 'simpool.json');
    await writeFile(
      configFile,
      JSON.stringify({
        dataDir: dir,
        database: cluster.url,
        hostId: 'outage-host',
        modems: ['simulated:1'],
        port: 0,
        simulatorControlPort: 0,
        logLevel: 'warn',
        ...FAST_INTERVALS,
      }),
    );
    const daemon = await startSimpoolProcess(
      ['start', '--config', configFile],
      /simulated modems' control API: (http:\S+)\/modems/,
      60_000,
    );
    cleanups.push(() => daemon.stop());
    const control = daemon.ready[1]!;
    const api = /API docs: (http:\S+)\/docs/.exec(daemon.output())![1]!;
    const inject = async (text: string) => {
      const reply = await fetch(`${control}/modems/0/sms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: '+447700900123', text }),
      });
      expect(reply.status).toBe(201);
    };
    const storedOnSim = async () =>
      ((await (await fetch(`${control}/modems/0`)).json()) as { stored: unknown[] }).stored.length;

    await pollUntil(
      async () => ((await readyStatus(api)) === 200 ? true : undefined),
      30_000,
      'ready',
    );
    await inject('before the outage');
    await pollUntil(
      async () => ((await inboundTexts(cluster.url)).length === 1 ? true : undefined),
      20_000,
      'the first SMS stored',
    );

    cluster.pause();
    await pollUntil(
      async () => ((await readyStatus(api)) === 503 ? true : undefined),
      20_000,
      '/readyz to fail without the database',
    );
    await inject('during the outage 1');
    await inject('during the outage 2');
    // The daemon tries (and fails) to store them: it says so, and both stay on the SIM.
    const failuresBefore = daemon.output().length;
    await pollUntil(
      () => (daemon.output().slice(failuresBefore).includes('stays on the SIM') ? true : undefined),
      20_000,
      'the daemon to report the failed store',
    );
    expect(await storedOnSim()).toBe(2);

    cluster.resume();
    await pollUntil(
      async () => ((await inboundTexts(cluster.url)).length >= 3 ? true : undefined),
      60_000,
      'the SMS of the outage stored once the server is back',
    );
    await pollUntil(
      async () => ((await readyStatus(api)) === 200 ? true : undefined),
      30_000,
      'ready again',
    );
    await pollUntil(
      async () => ((await storedOnSim()) === 0 ? true : undefined),
      30_000,
      'SIM emptied',
    );
    expect(await inboundTexts(cluster.url)).toEqual([
      'before the outage',
      'during the outage 1',
      'during the outage 2',
    ]);
    expect(await daemon.stop()).toBe(0);
  }, 180_000);
});

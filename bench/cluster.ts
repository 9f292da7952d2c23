/**
 * Cluster benchmark (`npm run bench:cluster`): real `simpool start` processes (the cluster test's
 * launcher, test/helpers/cluster.ts) with simulated modems, on a throwaway PostgreSQL server
 * (test/helpers/postgres-cluster.ts) or a SQLite file; the load runs in this process over HTTP.
 *
 *   sqlite-1     one host on SQLite
 *   postgres-1   one host on PostgreSQL
 *   postgres-3   three hosts on one PostgreSQL database, the clients spread over their APIs;
 *                then an SMS on host A's modem → the `sms` frame of a WebSocket client on host B
 *
 * Each load: clients that buy a number (timed) and cancel it, over and over (bench/cluster/
 * load.ts), a warm-up then a measured window; purchases/s, p50/p99 and errors. Prints a table
 * and writes bench/results/cluster.json. Never fails on a missed target.
 *
 *   --quick          short windows and fewer feed rounds (smoke check)
 *   --only NAME      one scenario (sqlite-1, postgres-1 or postgres-3)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startCluster, waitForReadySims, type Cluster } from '../test/helpers/cluster.js';
import { startPostgresCluster, type PostgresCluster } from '../test/helpers/postgres-cluster.js';
import { feedLatency, type FeedFigures } from './cluster/feed.js';
import { purchaseLoad, type LoadClient, type LoadFigures } from './cluster/load.js';
import {
  benchArgs,
  machineInfo,
  printTargets,
  runMain,
  writeResults,
  type TargetCheck,
} from './common.js';

/** Per host: 2/3 of simulated SIMs know their number (sellable), a quarter per country. */
const MODEMS_PER_HOST = 48;
const CLIENTS_PER_HOST = 24;
const CUSTOMERS = 8;
const COUNTRIES = ['GB', 'US', 'RU', 'DE'];
const HOST_CONFIG = {
  // The schema's highest: far above what one key sends here in a minute.
  api: { rateLimitPerMinute: 1_000_000 },
  // Cancel at once, and as often as the load likes: the SIMs go round and round.
  orders: { holdSeconds: 0, maxCancelsPerService: 1000 },
};

interface Scenario {
  readonly name: string;
  readonly engine: 'sqlite' | 'postgres';
  readonly hosts: readonly string[];
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'sqlite-1', engine: 'sqlite', hosts: ['bench-a'] },
  { name: 'postgres-1', engine: 'postgres', hosts: ['bench-a'] },
  { name: 'postgres-3', engine: 'postgres', hosts: ['bench-a', 'bench-b', 'bench-c'] },
];

interface ScenarioResult {
  readonly hosts: number;
  readonly engine: string;
  readonly startMs: number;
  readonly load: LoadFigures;
  readonly feed?: FeedFigures;
}

async function adminPost(cluster: Cluster, route: string, body: unknown) {
  const response = await fetch(`${cluster.hosts[0]!.apiUrl}/api/v1/admin${route}`, {
    method: 'POST',
    headers: { 'x-api-key': cluster.adminKey, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`POST ${route}: ${response.status}`);
  return (await response.json()) as { api_key: string };
}

async function services(cluster: Cluster): Promise<string[]> {
  const response = await fetch(`${cluster.hosts[0]!.apiUrl}/api/v1/admin/catalog`, {
    headers: { 'x-api-key': cluster.adminKey },
  });
  const catalog = (await response.json()) as { services: { code: string }[] };
  return catalog.services.map((s) => s.code);
}

async function database(scenario: Scenario, dir: string, server: PostgresCluster | undefined) {
  if (scenario.engine === 'sqlite') return path.join(dir, `${scenario.name}.db`);
  const name = scenario.name.replace(/-/g, '_');
  const admin = new pg.Client({ connectionString: server!.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return server!.databaseUrl(name);
}

async function run(
  scenario: Scenario,
  options: { dir: string; server: PostgresCluster | undefined; quick: boolean },
): Promise<ScenarioResult> {
  const begun = Date.now();
  const cluster = await startCluster({
    database: await database(scenario, options.dir, options.server),
    hostIds: scenario.hosts,
    modemsPerHost: MODEMS_PER_HOST,
    config: HOST_CONFIG,
  });
  try {
    const [first] = cluster.hosts;
    await waitForReadySims(
      first!.apiUrl,
      cluster.adminKey,
      cluster.hosts.length * MODEMS_PER_HOST,
      120_000,
    );
    const startMs = Date.now() - begun;
    const keys: string[] = [];
    for (let k = 0; k < CUSTOMERS + 1; k++) {
      const created = await adminPost(cluster, '/customers', {
        email: `bench-${k}@example.com`,
        balance: 100_000,
      });
      keys.push(created.api_key);
    }
    const codes = await services(cluster);
    const clients: LoadClient[] = [];
    for (let i = 0; i < CLIENTS_PER_HOST * cluster.hosts.length; i++) {
      clients.push({
        apiUrl: cluster.hosts[i % cluster.hosts.length]!.apiUrl,
        key: keys[i % CUSTOMERS]!,
        country: COUNTRIES[Math.floor(i / cluster.hosts.length) % COUNTRIES.length]!,
      });
    }
    console.log(
      `${scenario.name}: ${cluster.hosts.length} host(s) up in ${(startMs / 1000).toFixed(1)} s; ` +
        `${clients.length} clients buying and cancelling …`,
    );
    const load = await purchaseLoad({
      clients,
      services: codes,
      warmupMs: options.quick ? 1_000 : 3_000,
      measureMs: options.quick ? 4_000 : 15_000,
    });
    let feed: FeedFigures | undefined;
    if (cluster.hosts.length > 1) {
      console.log(
        `${scenario.name}: SMS on ${cluster.hosts[0]!.hostId} → frame on ${cluster.hosts[1]!.hostId} …`,
      );
      feed = await feedLatency({
        smsHost: cluster.hosts[0]!,
        feedHost: cluster.hosts[1]!,
        key: keys[CUSTOMERS]!,
        orders: 8,
        rounds: options.quick ? 30 : 200,
        services: codes,
      });
    }
    return {
      hosts: cluster.hosts.length,
      engine: scenario.engine,
      startMs,
      load,
      ...(feed ? { feed } : {}),
    };
  } catch (error) {
    console.error(cluster.describe(20));
    throw error;
  } finally {
    await cluster.stop();
  }
}

function targets(results: Readonly<Record<string, ScenarioResult>>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const three = results['postgres-3'];
  if (three) {
    checks.push(
      {
        name: 'three hosts on PostgreSQL: purchases/s together',
        limit: '>= 500',
        measured: three.load.purchasesPerS,
        unit: '/s',
        pass: three.load.purchasesPerS >= 500,
      },
      {
        name: 'three hosts on PostgreSQL: errors',
        limit: '= 0',
        measured: three.load.errors,
        unit: '',
        pass: three.load.errors === 0,
      },
    );
    if (three.feed) {
      checks.push({
        name: 'SMS on host A → WebSocket frame on host B: p99',
        limit: '<= 100',
        measured: three.feed.latency.p99Ms,
        unit: 'ms',
        pass: three.feed.latency.p99Ms <= 100 && three.feed.missed === 0,
      });
    }
  }
  for (const name of ['sqlite-1', 'postgres-1']) {
    const r = results[name];
    if (!r) continue;
    checks.push({
      name: `${name}: errors`,
      limit: '= 0',
      measured: r.load.errors,
      unit: '',
      pass: r.load.errors === 0,
      binding: false,
    });
  }
  return checks;
}

async function main(): Promise<void> {
  const { quick, only } = benchArgs();
  const chosen = SCENARIOS.filter((s) => only === undefined || s.name === only);
  if (chosen.length === 0)
    throw new Error(`--only: one of ${SCENARIOS.map((s) => s.name).join(', ')}`);
  // The figures depend on what else the machine runs: its load is recorded with them.
  const loadBefore = os.loadavg().map((n) => Math.round(n * 100) / 100);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'simpool-bench-cluster-'));
  const server = chosen.some((s) => s.engine === 'postgres')
    ? await startPostgresCluster()
    : undefined;
  const results: Record<string, ScenarioResult> = {};
  try {
    for (const scenario of chosen)
      results[scenario.name] = await run(scenario, { dir, server, quick });
  } finally {
    server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.table(
    Object.entries(results).map(([name, r]) => ({
      scenario: name,
      clients: r.load.clients,
      'purchases/s': r.load.purchasesPerS,
      'p50 ms': r.load.purchaseLatency.p50Ms,
      'p99 ms': r.load.purchaseLatency.p99Ms,
      'cancel p99 ms': r.load.cancelLatency.p99Ms,
      errors: r.load.errors,
    })),
  );
  for (const [name, r] of Object.entries(results)) {
    if (r.load.errors > 0) console.log(`${name} errors: ${JSON.stringify(r.load.errorKinds)}`);
    if (r.feed) {
      const { latency, missed, rounds } = r.feed;
      console.log(
        `${name}: SMS on ${r.feed.smsHost} → frame on ${r.feed.feedHost}, ${rounds} rounds: ` +
          `p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, max ${latency.maxMs} ms, missed ${missed}`,
      );
    }
  }
  const checks = targets(results);
  printTargets(checks);
  const loadAfter = os.loadavg().map((n) => Math.round(n * 100) / 100);
  console.log(
    `load average (1, 5, 15 min): before ${loadBefore.join(', ')}; after ${loadAfter.join(', ')}`,
  );
  writeResults('cluster', {
    machine: machineInfo(),
    loadAverage: { before: loadBefore, after: loadAfter },
    quick,
    modemsPerHost: MODEMS_PER_HOST,
    clientsPerHost: CLIENTS_PER_HOST,
    customers: CUSTOMERS,
    scenarios: results,
    targets: checks,
  });
}

runMain(main);

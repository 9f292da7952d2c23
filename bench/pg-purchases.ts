/**
 * PostgreSQL purchase benchmark (`npm run bench:pg-purchases`): the OrderPort of several hosts,
 * each a process of its own with one `openPostgres` pool and store (as each daemon has, default
 * pool size; bench/pg-purchases/host-process.ts), on one throwaway PostgreSQL server
 * (test/helpers/postgres-cluster.ts: fsync off), without HTTP. A
 * database is seeded once (the catalog, SIMs spread over the hosts, customers with a key and a
 * deposit) and each scenario runs on a copy of it (CREATE DATABASE … TEMPLATE).
 *
 * Scenarios (`--only NAME`):
 *   purchase-3-hosts   3 hosts × `--buyers` concurrent buyers buy until `--purchases` are made
 *   purchase-1-host    the same with one host (context)
 *   cycle-3-hosts      each buyer buys, then cancels (past the hold) or has an SMS attached and
 *                      finishes: the commands after a purchase, with SIMs coming free again
 *
 * Figures: purchases/s (all hosts together), p50/p99/max of one call, errors (anything but
 * success: a refusal is an error here, there are SIMs and money for every purchase), and the
 * database round trips per command, counted by wrapping `pg.Client.prototype.query` and charged
 * through AsyncLocalStorage to the command that caused them: its transaction's statements,
 * BEGIN/COMMIT included, and apart from them the event numbering passes its commit started;
 * and CPU per purchase of the hosts' processes and of the server's.
 * While the timed part runs, `pg_stat_activity` is sampled: what the benchmark's backends were
 * doing (running, waiting for the client inside a transaction, waiting on a lock).
 *
 *   --quick            fewer purchases (smoke run)
 *   --buyers N         concurrent buyers per host (default 16)
 *   --purchases N      purchases per purchase scenario (default 3000)
 *   --out NAME         results file bench/results/NAME.json (default pg-purchases)
 *   --statements       restart the server with pg_stat_statements and list, per scenario, the
 *                      statements by server time (planning and execution) per purchase
 *   --host-profiles DIR  a V8 CPU profile of each host process (warm-up included) in DIR
 *   --perf FILE        record the server's CPU samples while the hosts run (`perf record -g`
 *                      on its processes) to FILE.<scenario>, for `perf report -i`
 */
import { fork, spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Principal } from '../src/domain/index.js';
import { startPostgresCluster, type PostgresCluster } from '../test/helpers/postgres-cluster.js';
import { benchArgs, machineInfo, runMain, writeResults } from './common.js';
import { CUSTOMERS, seed } from './pg-purchases/fixture.js';
import type { Command, HostJob, HostResult } from './pg-purchases/host-process.js';
import {
  calibrate,
  loadStatementStatistics,
  sampleActivity,
  serverCpuSeconds,
  serverPids,
  statementCosts,
} from './pg-purchases/server.js';

const HOST_PROCESS = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'pg-purchases',
  'host-process.ts',
);

interface Scenario {
  readonly name: string;
  readonly hosts: number;
  readonly cycle: boolean;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'purchase-3-hosts', hosts: 3, cycle: false },
  { name: 'purchase-1-host', hosts: 1, cycle: false },
  { name: 'cycle-3-hosts', hosts: 3, cycle: true },
];

interface Latencies {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly roundTrips: number;
  readonly numberingRoundTrips: number;
}

function summarize(ms: number[], trips: number, numbering: number): Latencies {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const per = (n: number) => Number((n / sorted.length).toFixed(2));
  return {
    count: sorted.length,
    p50Ms: Number(at(0.5).toFixed(2)),
    p99Ms: Number(at(0.99).toFixed(2)),
    maxMs: Number((sorted.at(-1) ?? 0).toFixed(2)),
    roundTrips: per(trips),
    numberingRoundTrips: per(numbering),
  };
}

/** A host process, warmed up: `go()` starts its timed run and resolves with what it measured. */
interface HostProcess {
  go(): Promise<HostResult>;
}

function startHost(job: HostJob, profileDir: string | undefined): Promise<HostProcess> {
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = fork(HOST_PROCESS, [JSON.stringify(job)], {
    execArgv: ['--import', 'tsx', ...profile],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let result: HostResult | undefined;
  const done = new Promise<HostResult>((resolve, reject) => {
    child.on('message', (message: { type: string }) => {
      if (message.type === 'result') result = message as HostResult;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      result ? resolve(result) : reject(new Error(`host ${job.hostIndex} exited with ${code}`)),
    );
  });
  return new Promise((resolve, reject) => {
    child.on('message', (message: { type: string }) => {
      if (message.type !== 'ready') return;
      resolve({
        go: () => {
          child.send('go');
          return done;
        },
      });
    });
    done.catch(reject);
  });
}

async function runScenario(
  cluster: PostgresCluster,
  template: string,
  principals: readonly Principal[],
  scenario: Scenario,
  options: {
    buyers: number;
    purchases: number;
    statements: boolean;
    perf: string | undefined;
    hostProfiles: string | undefined;
  },
): Promise<Record<string, unknown>> {
  const name = scenario.name.replaceAll('-', '_');
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  await admin.end();
  const url = cluster.databaseUrl(name);
  const share = (n: number) => Math.ceil(n / scenario.hosts);
  const warmup = Math.min(300, Math.floor(options.purchases / 10));
  const hosts = await Promise.all(
    Array.from({ length: scenario.hosts }, (_, hostIndex) =>
      startHost(
        {
          url,
          hostIndex,
          principals,
          buyers: options.buyers,
          allBuyers: options.buyers * scenario.hosts,
          warmup: share(warmup),
          purchases: share(options.purchases),
          cycle: scenario.cycle,
        },
        options.hostProfiles,
      ),
    ),
  );
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    if (options.statements) {
      await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await db.query('SELECT pg_stat_statements_reset()');
    }
    const sampler = await sampleActivity(url);
    // CPU samples of the server's processes while the hosts run (--perf FILE: `perf report -i`).
    const perf =
      options.perf &&
      spawn(
        'perf',
        [
          'record',
          '-F',
          '499',
          '-g',
          '-o',
          `${options.perf}.${name}`,
          '-p',
          serverPids(cluster).join(','),
        ],
        {
          stdio: 'ignore',
        },
      );
    const started = performance.now();
    const serverCpuBefore = serverCpuSeconds(cluster);
    const results = await Promise.all(hosts.map((host) => host.go()));
    const seconds = (performance.now() - started) / 1000;
    const serverCpu = serverCpuSeconds(cluster) - serverCpuBefore;
    if (perf) {
      const stopped = new Promise((resolve) => perf.once('exit', resolve));
      perf.kill('SIGINT');
      await stopped;
    }
    const backends = await sampler.stop();
    const check = await db.query<{ unnumbered: number; gaps: number }>(
      `SELECT (SELECT COUNT(*) FROM events WHERE seq IS NULL)::int AS unnumbered,
              (SELECT MAX(seq) - COUNT(seq) FROM events)::int AS gaps`,
    );
    const latencies = new Map<Command, number[]>();
    const trips = new Map<string, number>();
    for (const r of results) {
      for (const [command, ms] of Object.entries(r.latencies)) {
        latencies.set(command as Command, [...(latencies.get(command as Command) ?? []), ...ms]);
      }
      for (const [key, n] of Object.entries(r.trips)) trips.set(key, (trips.get(key) ?? 0) + n);
    }
    const errors = results.flatMap((r) => r.errors);
    const bought = latencies.get('purchase')?.length ?? 0;
    const statements = options.statements ? await statementCosts(db, name, bought) : undefined;
    const commands = Object.fromEntries(
      [...latencies].map(([command, ms]) => [
        command,
        summarize(ms, trips.get(command) ?? 0, trips.get(`${command}:numbering`) ?? 0),
      ]),
    );
    const hostsCpuMs = results.reduce((sum, r) => sum + r.cpuMs, 0);
    return {
      scenario: scenario.name,
      hosts: scenario.hosts,
      buyersPerHost: options.buyers,
      purchases: bought,
      seconds: Number(seconds.toFixed(2)),
      purchasesPerSecond: Math.round(bought / seconds),
      commands,
      errors: errors.length,
      firstErrors: [...new Set(errors)].slice(0, 5),
      events: check.rows[0],
      // CPU per purchase (all commands of the scenario included): the hosts' processes (their
      // buyers are a small part of it) and the PostgreSQL server.
      cpuMsPerPurchase: {
        hosts: Number((hostsCpuMs / bought).toFixed(2)),
        server: Number(((serverCpu * 1e3) / bought).toFixed(2)),
      },
      meanBackends: backends,
      ...(statements ? { statements } : {}),
    };
  } finally {
    await db.end();
  }
}

async function main(): Promise<void> {
  const args = benchArgs();
  const argv = process.argv.slice(2);
  const flag = (name: string, fallback: number) =>
    argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback;
  const out = argv.includes('--out') ? argv[argv.indexOf('--out') + 1]! : 'pg-purchases';
  const buyers = flag('--buyers', 16);
  const purchases = flag('--purchases', args.quick ? 600 : 3000);
  const scenarios = SCENARIOS.filter((s) => args.only === undefined || s.name === args.only);
  const statements = argv.includes('--statements');
  const cluster = await startPostgresCluster();
  try {
    if (statements) await loadStatementStatistics(cluster);
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE seeded');
    await admin.end();
    // Every purchase of a purchase scenario takes a SIM for good (nothing is released).
    const sims = Math.ceil(purchases * 1.2) + 400;
    console.log(`seeding ${sims} SIMs and ${CUSTOMERS} customers …`);
    const principals = await seed(cluster.databaseUrl('seeded'), sims);
    const roundTripsPerSecond = await calibrate(cluster.databaseUrl('seeded'));
    console.log(`machine: ${roundTripsPerSecond} simple round trips/s over 30 connections`);
    const results: Record<string, unknown>[] = [];
    for (const scenario of scenarios) {
      console.log(`${scenario.name} …`);
      const result = await runScenario(cluster, 'seeded', principals, scenario, {
        buyers,
        purchases,
        statements,
        perf: argv.includes('--perf') ? argv[argv.indexOf('--perf') + 1] : undefined,
        hostProfiles: argv.includes('--host-profiles')
          ? argv[argv.indexOf('--host-profiles') + 1]
          : undefined,
      });
      console.log(JSON.stringify(result, null, 2));
      results.push(result);
    }
    console.table(
      results.map((r) => {
        const purchase = (r['commands'] as Record<string, Latencies>)['purchase'];
        return {
          scenario: r['scenario'],
          'purchases/s': r['purchasesPerSecond'],
          'p50 ms': purchase?.p50Ms,
          'p99 ms': purchase?.p99Ms,
          'round trips': purchase?.roundTrips,
          '+ numbering': purchase?.numberingRoundTrips,
          'cpu ms hosts+server': Object.values(r['cpuMsPerPurchase'] as object).join(' + '),
          errors: r['errors'],
        };
      }),
    );
    writeResults(out, {
      machine: machineInfo(),
      simpleRoundTripsPerSecond: roundTripsPerSecond,
      buyersPerHost: buyers,
      purchases,
      results,
    });
  } finally {
    cluster.stop();
  }
}

runMain(main);

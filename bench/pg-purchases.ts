/**
 * PostgreSQL purchase benchmark (`npm run bench:pg-purchases`): the OrderPort of several hosts
 * (one `openPostgres` pool and store each, as each daemon has, default pool size) on one
 * throwaway PostgreSQL server (test/helpers/postgres-cluster.ts: fsync off), without HTTP. A
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
 * BEGIN/COMMIT included, and apart from them the event numbering passes its commit started.
 * While the timed part runs, `pg_stat_activity` is sampled: what the benchmark's backends were
 * doing (running, waiting for the client inside a transaction, waiting on a lock).
 *
 *   --quick            fewer purchases (smoke run)
 *   --buyers N         concurrent buyers per host (default 16)
 *   --purchases N      purchases per purchase scenario (default 3000)
 *   --out NAME         results file bench/results/NAME.json (default pg-purchases)
 *   --statements       restart the server with pg_stat_statements and list, per scenario, the
 *                      statements by server time (planning and execution) per purchase
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  DEFAULT_ORDER_RULES,
  leastRecentlyUsed,
  type Order,
  type OrderCommandContext,
  type Principal,
} from '../src/domain/index.js';
import { systemClock } from '../src/shared/index.js';
import { startPostgresCluster, type PostgresCluster } from '../test/helpers/postgres-cluster.js';
import { benchArgs, machineInfo, runMain, writeResults } from './common.js';
import { CUSTOMERS, closeHosts, openHosts, seed, type Host } from './pg-purchases/fixture.js';
import {
  calibrate,
  loadStatementStatistics,
  sampleActivity,
  serverCpuSeconds,
  statementCosts,
} from './pg-purchases/server.js';

const HOLD_PASSED_MS = 10 * 60_000;
const SERVICES = ['tg', 'wa', 'go', 'fb', 'ig', 'tw', 'vi', 'wb'];
const RULES = { ...DEFAULT_ORDER_RULES, maxCancelsPerService: 1_000_000 };

// ---- round trips, charged to the command running when the query was sent ----

type Command = 'purchase' | 'cancel' | 'attachSms' | 'finish';
const running = new AsyncLocalStorage<Command>();
const NUMBERING = 'SELECT pg_advisory_xact_lock';
const trips = new Map<string, number>();
const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  const command = running.getStore();
  if (command !== undefined) {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: string }).text;
    const key = text?.startsWith(NUMBERING) ? `${command}:numbering` : command;
    trips.set(key, (trips.get(key) ?? 0) + 1);
  }
  return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

// ---- scenarios ----

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

function summarize(command: Command, ms: number[]): Latencies {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const per = (key: string) => Number(((trips.get(key) ?? 0) / sorted.length).toFixed(2));
  return {
    count: sorted.length,
    p50Ms: Number(at(0.5).toFixed(2)),
    p99Ms: Number(at(0.99).toFixed(2)),
    maxMs: Number((sorted.at(-1) ?? 0).toFixed(2)),
    roundTrips: per(command),
    numberingRoundTrips: per(`${command}:numbering`),
  };
}

async function runScenario(
  cluster: PostgresCluster,
  template: string,
  principals: readonly Principal[],
  scenario: Scenario,
  options: { buyers: number; purchases: number; statements: boolean },
): Promise<Record<string, unknown>> {
  const name = scenario.name.replaceAll('-', '_');
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  await admin.end();
  const url = cluster.databaseUrl(name);
  const hosts = await openHosts(url, scenario.hosts);
  const latencies = new Map<Command, number[]>();
  const errors: string[] = [];
  let purchases = 0;
  let sms = 0;
  const ctx = (): OrderCommandContext => ({
    now: systemClock.now(),
    rules: RULES,
    policy: leastRecentlyUsed,
  });
  async function timed<T>(command: Command, work: () => Promise<T>): Promise<T | undefined> {
    const started = performance.now();
    try {
      const outcome = await running.run(command, work);
      const failed = outcome as { ok?: boolean; refusal?: { code: string } };
      if (failed.ok === false) {
        errors.push(`${command}: ${failed.refusal?.code ?? 'refused'}`);
        return undefined;
      }
      return outcome;
    } catch (error) {
      errors.push(`${command}: ${(error as Error).message}`);
      return undefined;
    } finally {
      const list = latencies.get(command) ?? [];
      list.push(performance.now() - started);
      latencies.set(command, list);
    }
  }
  async function buyer(host: Host, index: number, total: number): Promise<void> {
    const principal = principals[index % principals.length]!;
    for (let i = 0; purchases < total; i++) {
      purchases++;
      const service = SERVICES[(index + i) % SERVICES.length]!;
      const bought = await timed('purchase', () =>
        host.store.orders.purchase({ ...principal, service, country: 'GB' }, ctx()),
      );
      if (!scenario.cycle || !bought?.ok) continue;
      const order: Order = bought.value;
      if (i % 2 === 0) {
        await timed('cancel', () =>
          host.store.orders.cancel(principal.customerId, order.id, {
            ...ctx(),
            now: systemClock.now() + HOLD_PASSED_MS,
          }),
        );
        continue;
      }
      const now = systemClock.now();
      const text = `Your code: ${10_000 + (++sms % 90_000)}`;
      const message = { iccid: order.simIccid, inboundMessageId: null, sender: 'Bench', text };
      await timed('attachSms', async () => {
        const result = await host.store.orders.attachSms(
          { ...message, sentAt: now, receivedAt: now },
          ctx(),
        );
        return result.kind === 'matched' ? result : { ok: false, refusal: { code: result.kind } };
      });
      await timed('finish', () => host.store.orders.finish(principal.customerId, order.id, ctx()));
    }
  }
  const run = async (total: number) => {
    await Promise.all(
      hosts.flatMap((host, h) =>
        Array.from({ length: options.buyers }, (_, b) =>
          buyer(host, h * options.buyers + b, total),
        ),
      ),
    );
    await Promise.all(hosts.map((h) => h.store.events.numberCommittedEvents()));
  };
  try {
    // Warm-up: connections opened, statements planned, JIT warm.
    const warmup = Math.min(300, Math.floor(options.purchases / 10));
    await run(warmup);
    latencies.clear();
    trips.clear();
    errors.length = 0;
    purchases = 0;
    if (options.statements) {
      await hosts[0]!.db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await hosts[0]!.db.query('SELECT pg_stat_statements_reset()');
    }
    const sampler = await sampleActivity(url);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const serverCpuBefore = serverCpuSeconds(cluster);
    await run(options.purchases);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const serverCpu = serverCpuSeconds(cluster) - serverCpuBefore;
    const backends = await sampler.stop();
    const check = await hosts[0]!.db.query<{ unnumbered: number; gaps: number }>(
      `SELECT (SELECT COUNT(*) FROM events WHERE seq IS NULL)::int AS unnumbered,
              (SELECT MAX(seq) - COUNT(seq) FROM events)::int AS gaps`,
    );
    const bought = latencies.get('purchase')?.length ?? 1;
    const statements = options.statements
      ? await statementCosts(hosts[0]!.db, name, bought)
      : undefined;
    const commands = Object.fromEntries(
      [...latencies].map(([command, ms]) => [command, summarize(command, ms)]),
    );
    return {
      scenario: scenario.name,
      hosts: scenario.hosts,
      buyersPerHost: options.buyers,
      purchases: latencies.get('purchase')?.length ?? 0,
      seconds: Number(seconds.toFixed(2)),
      purchasesPerSecond: Math.round((latencies.get('purchase')?.length ?? 0) / seconds),
      commands,
      errors: errors.length,
      firstErrors: [...new Set(errors)].slice(0, 5),
      events: check.rows[0],
      // CPU per purchase (all commands of the scenario included): the hosts' process (the load
      // generator is a small part of it) and the PostgreSQL server.
      cpuMsPerPurchase: {
        hosts: Number(((cpu.user + cpu.system) / 1e3 / bought).toFixed(2)),
        server: Number(((serverCpu * 1e3) / bought).toFixed(2)),
      },
      meanBackends: backends,
      ...(statements ? { statements } : {}),
    };
  } finally {
    await closeHosts(hosts);
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

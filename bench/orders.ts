/**
 * Order benchmark (`npm run bench:orders`): purchases through the real OrderService on a real
 * SQLite file (WAL, synchronous FULL) holding 1,000 ready SIMs in four countries, 300 customers
 * and 10,000 historical orders. The template database is built once (bench/orders/fixture.ts);
 * each scenario runs in a child process on its own copy. Prints a table and writes
 * bench/results/orders.json. Never fails on a missed target.
 *
 *   --quick          fewer rounds (smoke check)
 *   --only NAME      one scenario by name (e.g. concurrent-4)
 *   --save-profile   also write bench/results/orders-sequential.cpuprofile
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  benchArgs,
  machineInfo,
  runChild as runInChild,
  printAttribution,
  printTargets,
  type TargetCheck,
  resultsDir,
  runMain,
  serveChild,
  writeResults,
} from './common.js';
import { BENCH_PAIRS } from './orders/buyer.js';
import { buildFixture, COUNTRIES, DEFAULT_FIXTURE, type FixtureInfo } from './orders/fixture.js';
import {
  runConcurrent,
  runSequential,
  runWorker,
  type FixtureRef,
  type ScenarioResult,
  type ScenarioSpec,
  type WorkerSpec,
} from './orders/scenario.js';

const entry = fileURLToPath(import.meta.url);

interface Named {
  readonly name: string;
  readonly spec: ScenarioSpec;
}

function scenarios(quick: boolean, saveProfile: boolean): Named[] {
  const rounds = quick ? 1 : 5;
  const concurrentRounds = quick ? 1 : 3;
  return [
    { name: 'sequential', spec: { kind: 'sequential', rounds } },
    ...[2, 3, 4].map((processes) => ({
      name: `concurrent-${processes}`,
      spec: { kind: 'concurrent', processes, rounds: concurrentRounds } as const,
    })),
    {
      name: 'sequential-profiled',
      spec: {
        kind: 'sequential',
        rounds: 1,
        profile: true,
        ...(saveProfile
          ? { saveProfile: path.join(resultsDir, 'orders-sequential.cpuprofile') }
          : {}),
      },
    },
  ];
}

function runChild(spec: ScenarioSpec, fixture: FixtureRef): Promise<ScenarioResult> {
  return runInChild<ScenarioResult>(entry, { spec, fixture });
}

type Target = TargetCheck;

function targets(results: ReadonlyMap<string, ScenarioResult>): Target[] {
  const mk = (
    name: string,
    limit: string,
    measured: number | undefined,
    unit: string,
    ok: (v: number) => boolean,
    binding = true,
  ): Target => ({
    name,
    limit,
    measured: measured === undefined || Number.isNaN(measured) ? null : measured,
    unit,
    pass: measured !== undefined && !Number.isNaN(measured) && ok(measured),
    binding,
  });
  const seq = results.get('sequential');
  const list = [
    mk('purchases/s, one process', '>= 1000', seq?.purchasesPerS, 'purchases/s', (v) => v >= 1000),
    mk(
      'p99 allocation (purchase) latency, one process',
      '<= 5',
      seq?.latency.p99Ms,
      'ms',
      (v) => v <= 5,
    ),
  ];
  for (const n of [2, 3, 4]) {
    const r = results.get(`concurrent-${n}`);
    if (!r) continue;
    list.push(
      mk(
        `purchases/s, ${n} processes together`,
        '>= 1000',
        r.purchasesPerS,
        'purchases/s',
        (v) => v >= 1000,
        false,
      ),
      mk(
        `p99 purchase latency, worst of ${n} processes`,
        '<= 5',
        Math.max(...r.perProcess.map((p) => p.latency.p99Ms)),
        'ms',
        (v) => v <= 5,
        false,
      ),
    );
  }
  return list;
}

function printTable(results: ReadonlyMap<string, ScenarioResult>, checks: readonly Target[]): void {
  console.table(
    [...results].map(([name, r]) => ({
      scenario: name,
      purchases: r.purchases,
      'wall s': (r.wallMs / 1000).toFixed(2),
      'purchases/s': r.purchasesPerS,
      'p50 ms': r.latency.p50Ms,
      'p99 ms': r.latency.p99Ms,
      'max ms': r.latency.maxMs,
      'CPU ms/purchase': r.cpuMsPerPurchase,
      'expiries/s': r.expiriesPerS,
    })),
  );
  const perProcess = [...results]
    .filter(([, r]) => r.spec.kind === 'concurrent')
    .flatMap(([name, r]) =>
      r.perProcess.map((p, i) => ({
        scenario: name,
        process: i + 1,
        purchases: p.purchases,
        'purchases/s': p.purchasesPerS,
        'p50 ms': p.latency.p50Ms,
        'p99 ms': p.latency.p99Ms,
        'max ms': p.latency.maxMs,
        'CPU ms/purchase': p.cpuMsPerPurchase,
        no_numbers: p.noNumbers,
        errors: Object.entries(p.errors)
          .map(([c, n]) => `${c}:${n}`)
          .join(' '),
      })),
    );
  if (perProcess.length > 0) {
    console.log('Per process under contention:');
    console.table(perProcess);
  }
  printAttribution(
    'CPU by layer, sequential (profiled run; share of busy samples):',
    results.get('sequential-profiled')?.attribution,
  );
  printTargets(checks);
}

async function main(): Promise<void> {
  const { only, quick, saveProfile } = benchArgs();
  const list = scenarios(quick, saveProfile).filter((s) => !only || s.name === only);
  const work = mkdtempSync(path.join(os.tmpdir(), 'simpool-bench-orders-template-'));
  try {
    process.stdout.write('building the template database (SIMs, customers, history) … ');
    const info: FixtureInfo = await buildFixture(work);
    console.log(`${(info.buildMs / 1000).toFixed(1)} s`, info.rows);
    const fixture: FixtureRef = {
      template: info.file,
      principals: info.principals,
      now: info.now,
    };
    const results = new Map<string, ScenarioResult>();
    for (const { name, spec } of list) {
      process.stdout.write(`running ${name} … `);
      const result = await runChild(spec, fixture);
      results.set(name, result);
      console.log(
        `${result.purchasesPerS} purchases/s, p99 ${result.latency.p99Ms} ms, ` +
          `${result.cpuMsPerPurchase} CPU ms/purchase`,
      );
    }
    const checks = targets(results);
    printTable(results, checks);
    const report = {
      benchmark: 'orders',
      date: new Date().toISOString(),
      machine: machineInfo(),
      fixture: {
        ...DEFAULT_FIXTURE,
        sims: Object.fromEntries(COUNTRIES.map((c) => [c.iso2, c.sims])),
        pairs: BENCH_PAIRS.map((p) => `${p.service}/${p.country}`),
        buildMs: info.buildMs,
        rows: info.rows,
        history: info.history,
      },
      notes: [
        'Latency is the wall time of one OrderService.purchase call: validation, key/price/balance checks, SIM eligibility and LRU pick, order + number + ledger + balance + two events, commit with fsync (WAL, synchronous FULL). Only successful purchases are counted; the no_numbers answers that end a round are in the wall time.',
        'A round buys until every (service, country) pair answers no_numbers (≈ all 1,000 SIMs in open orders); then the clock moves past the lifetime and expireDue recycles the SIMs (not timed as purchases; reported as expiries/s). The first round of each scenario is a warm-up and is not in the figures.',
        'Concurrent scenarios: N processes with their own connection and disjoint customers buy from the same file at once; SQLite serialises the IMMEDIATE transactions, waiters sleep in the busy handler. purchasesPerS is all processes together over the round wall time; CPU is summed over the purchasing processes.',
        'The template is built through the real services with synchronous NORMAL (set-up only); every scenario reopens a copy with synchronous FULL.',
      ],
      scenarios: Object.fromEntries(results),
      targets: checks,
    };
    writeResults('orders', report);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  serveChild<{ spec: ScenarioSpec; fixture: FixtureRef }>(({ spec, fixture }) =>
    spec.kind === 'sequential' ? runSequential(spec, fixture) : runConcurrent(spec, fixture, entry),
  );
} else if (process.argv[2] === '--worker') {
  runWorker(JSON.parse(process.argv[3] ?? '{}') as WorkerSpec);
} else {
  runMain(main);
}

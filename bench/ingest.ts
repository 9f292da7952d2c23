/**
 * Inbound ingest benchmark (`npm run bench:ingest`): simulated modems on in-memory links, the
 * real ModemPool, a real SQLite file (WAL, synchronous FULL). Each scenario runs in a child
 * process. Prints a table and writes bench/results/ingest.json. Never fails on a missed target.
 *
 *   --quick          shorter runs (smoke check)
 *   --only NAME      one scenario by name (e.g. burst-256)
 *   --save-profile   also write bench/results/ingest-burst-256.cpuprofile
 */
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
import { runScenario, type ScenarioResult, type ScenarioSpec } from './ingest/scenario.js';

const entry = fileURLToPath(import.meta.url);

interface Named {
  readonly name: string;
  readonly spec: ScenarioSpec;
  /** Runs of a noisy scenario (fsync timing varies); the median run by SMS/s is reported. */
  readonly runs?: number;
}

/** The median run by SMS/s, with the spread of every run. */
type Reported = ScenarioResult & {
  readonly runs?: readonly { readonly smsPerS: number; readonly cpuMsPerSms: number }[];
};

function scenarios(quick: boolean, saveProfile: boolean): Named[] {
  const durationS = quick ? 5 : 15;
  const burst = quick ? 5_000 : 20_000;
  const runs = quick ? 1 : 3;
  return [
    {
      name: 'rate-64',
      spec: { kind: 'rate', modems: 64, ratePerS: 200, durationS, sink: 'sqlite' },
    },
    {
      name: 'rate-256',
      spec: { kind: 'rate', modems: 256, ratePerS: 200, durationS, sink: 'sqlite' },
    },
    {
      name: 'burst-64',
      spec: { kind: 'burst', modems: 64, count: burst, sink: 'sqlite' },
      runs,
    },
    {
      name: 'burst-256',
      spec: { kind: 'burst', modems: 256, count: burst, sink: 'sqlite' },
      runs,
    },
    {
      name: 'burst-256-nostore',
      spec: { kind: 'burst', modems: 256, count: burst, sink: 'count' },
      runs,
    },
    {
      name: 'burst-256-profiled',
      spec: {
        kind: 'burst',
        modems: 256,
        count: burst,
        sink: 'sqlite',
        profile: true,
        ...(saveProfile
          ? { saveProfile: path.join(resultsDir, 'ingest-burst-256.cpuprofile') }
          : {}),
      },
    },
  ];
}

function runChild(spec: ScenarioSpec): Promise<ScenarioResult> {
  return runInChild<ScenarioResult>(entry, spec);
}

type Target = TargetCheck;

function targets(results: ReadonlyMap<string, ScenarioResult>): Target[] {
  const burst = results.get('burst-256');
  const rate = results.get('rate-256');
  const rate64 = results.get('rate-64');
  const p99 = Math.max(rate?.latency.p99Ms ?? NaN, rate64?.latency.p99Ms ?? NaN);
  const mk = (
    name: string,
    limit: string,
    measured: number | undefined,
    unit: string,
    ok: (v: number) => boolean,
  ): Target => ({
    name,
    limit,
    measured: measured === undefined || Number.isNaN(measured) ? null : measured,
    unit,
    pass: measured !== undefined && !Number.isNaN(measured) && ok(measured),
  });
  return [
    mk('burst throughput, 256 modems', '>= 2000', burst?.smsPerS, 'SMS/s', (v) => v >= 2000),
    mk('p99 latency at 200 SMS/s (64 and 256 modems)', '<= 50', p99, 'ms', (v) => v <= 50),
    mk(
      'CPU per SMS (burst-256, whole process)',
      '<= 0.5',
      burst?.cpuMsPerSms,
      'ms',
      (v) => v <= 0.5,
    ),
    mk(
      'CPU per SMS at 200 SMS/s, 256 modems (includes idle polling; no batching)',
      '<= 0.5',
      rate?.cpuMsPerSms,
      'ms',
      (v) => v <= 0.5,
    ),
    mk(
      'RSS, 256 idle modems after GC',
      '<= 150',
      results.get('burst-256')?.idleRssMb,
      'MB',
      (v) => v <= 150,
    ),
  ];
}

function printTable(results: ReadonlyMap<string, Reported>, checks: readonly Target[]): void {
  const rows = [...results].map(([name, r]) => ({
    scenario: name,
    sms: r.injected,
    committed: r.committed,
    'wall s': (r.wallMs / 1000).toFixed(1),
    'SMS/s': r.smsPerS,
    'p50 ms': r.latency.p50Ms,
    'p99 ms': r.latency.p99Ms,
    'max ms': r.latency.maxMs,
    'CPU ms/SMS': r.cpuMsPerSms,
    'CPU util': r.cpuUtilisation,
    'SMS/tx': r.smsPerTransaction,
    'idle RSS MB': r.idleRssMb,
    'Δ RSS MB': Math.round((r.idleRssMb - r.baselineRssMb) * 10) / 10,
    'start s': (r.startupMs / 1000).toFixed(1),
  }));
  console.table(rows);
  for (const [name, r] of results) {
    if (!r.runs) continue;
    const spread = r.runs.map((run) => `${run.smsPerS}/s ${run.cpuMsPerSms} ms`).join(', ');
    console.log(`${name} runs: ${spread}`);
  }
  printAttribution(
    'CPU by layer during burst-256 (profiled run; share of busy samples):',
    results.get('burst-256-profiled')?.attribution,
  );
  printTargets(checks);
}

/** simpool's own CPU per SMS: the burst's total times the share not spent in the simulator. */
function ownShare(results: ReadonlyMap<string, ScenarioResult>) {
  const burst = results.get('burst-256');
  const nostore = results.get('burst-256-nostore');
  const layers = results.get('burst-256-profiled')?.attribution?.byLayer;
  if (!burst || !layers) return null;
  const simulator = layers['simulator'] ?? 0;
  const attributed = 1 - (layers['runtime'] ?? 0) - (layers['gc'] ?? 0);
  // Runtime and GC are split in proportion to the attributed shares.
  const simulatorShare = attributed > 0 ? simulator / attributed : 0;
  return {
    totalCpuMsPerSms: burst.cpuMsPerSms,
    simulatorShare: Math.round(simulatorShare * 1000) / 1000,
    simpoolCpuMsPerSms: Math.round(burst.cpuMsPerSms * (1 - simulatorShare) * 1000) / 1000,
    storeCpuMsPerSmsByDifference: nostore
      ? Math.round((burst.cpuMsPerSms - nostore.cpuMsPerSms) * 1000) / 1000
      : null,
  };
}

async function main(): Promise<void> {
  const { only, quick, saveProfile } = benchArgs();
  const list = scenarios(quick, saveProfile).filter((s) => !only || s.name === only);
  const results = new Map<string, Reported>();
  for (const { name, spec, runs = 1 } of list) {
    process.stdout.write(`running ${name}${runs > 1 ? ` (${runs} runs, median)` : ''} … `);
    const all: ScenarioResult[] = [];
    for (let i = 0; i < runs; i++) all.push(await runChild(spec));
    all.sort((a, b) => a.smsPerS - b.smsPerS);
    const median = all[Math.floor(all.length / 2)]!;
    const result: Reported =
      runs > 1
        ? { ...median, runs: all.map((r) => ({ smsPerS: r.smsPerS, cpuMsPerSms: r.cpuMsPerSms })) }
        : median;
    results.set(name, result);
    console.log(
      `${result.smsPerS} SMS/s, p99 ${result.latency.p99Ms} ms, ${result.cpuMsPerSms} CPU ms/SMS`,
    );
  }
  const checks = targets(results);
  printTable(results, checks);
  const own = ownShare(results);
  if (own) console.log('CPU per SMS split (estimate):', own);
  const report = {
    benchmark: 'ingest',
    date: new Date().toISOString(),
    machine: machineInfo(),
    notes: [
      'Everything runs in one process: the simulated modems (PDU encoding, AT interpreter) cost CPU in the same process as simpool.',
      'cpuMsPerSms is process.cpuUsage (user+system) over the scenario divided by SMS count; it includes the simulator, SQLite and fsync syscalls, GC.',
      'cpuSplit estimates simpool-only CPU from the profiled run (samples charged to the innermost src/<layer> frame; runtime/GC split proportionally).',
      'RSS is measured after all modems are ready and two forced GCs; it includes node, the tsx loader (a worker thread with its own V8 isolate) and the simulator bank. baselineRssMb is the same process before the rig was built; the difference is what the modems, pool and store add.',
    ],
    scenarios: Object.fromEntries(results),
    cpuSplit: own,
    targets: checks,
  };
  writeResults('ingest', report);
}

if (process.argv[2] === '--child') serveChild<ScenarioSpec>(runScenario);
else runMain(main);

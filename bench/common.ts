/**
 * What every benchmark shares: its command-line flags, running a scenario in a fresh child
 * process (so memory and JIT state do not carry over), and writing results with the machine
 * they were measured on.
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Attribution } from './ingest/profile.js';

export const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

export interface BenchArgs {
  readonly only: string | undefined;
  readonly quick: boolean;
  readonly saveProfile: boolean;
}

export function benchArgs(argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  return {
    only: argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined,
    quick: argv.includes('--quick'),
    saveProfile: argv.includes('--save-profile'),
  };
}

/** Forks `entry --child <payload as JSON>` and resolves with the one message it sends back. */
export function runChild<T>(entry: string, payload: unknown): Promise<T> {
  const execArgv = [...process.execArgv];
  if (!execArgv.includes('--expose-gc')) execArgv.push('--expose-gc');
  if (!execArgv.some((a) => a.includes('tsx'))) execArgv.push('--import', 'tsx');
  return new Promise((resolve, reject) => {
    const child = fork(entry, ['--child', JSON.stringify(payload)], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: T | undefined;
    child.on('message', (message) => (result = message as T));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(`scenario child exited with ${code} and no result`));
    });
  });
}

/** The child side: runs the scenario, sends its result to the parent, exits. */
export function serveChild<T>(run: (payload: T) => Promise<unknown>): void {
  run(JSON.parse(process.argv[3] ?? '{}') as T).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

export function machineInfo(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    availableParallelism: os.availableParallelism(),
    totalMemMb: Math.round(os.totalmem() / 1024 / 1024),
  };
}

/** Writes `bench/results/<name>.json` and says where. */
export function writeResults(name: string, report: Record<string, unknown>): void {
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`written ${path.relative(process.cwd(), file)}`);
}

/** Runs `main` unless this process is a child; a failure sets a non-zero exit code. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

/** Where a profiled scenario spent its CPU: by layer, then the functions with most self time. */
export function printAttribution(title: string, attribution: Attribution | undefined): void {
  if (!attribution) return;
  console.log(title);
  console.table(
    Object.entries(attribution.byLayer).map(([layer, share]) => ({
      layer,
      share: `${(share * 100).toFixed(1)}%`,
    })),
  );
  console.log('Top self time:');
  for (const { fn, share } of attribution.topSelf.slice(0, 15)) {
    console.log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${fn}`);
  }
}

export interface TargetCheck {
  readonly name: string;
  readonly limit: string;
  readonly measured: number | null;
  readonly unit: string;
  readonly pass: boolean;
  /** false: shown for context, not one of the figures. */
  readonly binding?: boolean;
}

export function printTargets(checks: readonly TargetCheck[]): void {
  console.table(
    checks.map((t) => ({
      target: t.name,
      limit: `${t.limit} ${t.unit}`,
      measured: t.measured,
      result: t.pass ? 'PASS' : t.binding === false ? 'miss (context)' : 'MISS',
    })),
  );
}

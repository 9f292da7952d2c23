/**
 * The order scenarios, each in its own child process on its own copy of the template database:
 *   sequential  one process buys until the free SIMs run out, expires everything (clock moved
 *               past the lifetime) to recycle the SIMs, and repeats;
 *   concurrent  2–4 worker processes, each with its own connection and customers, buy from the
 *               same file at once (same rounds; this process expires between rounds).
 * The first round of each is a warm-up (JIT, page cache) and is left out of the figures.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OrderService, type Principal } from '../../src/domain/index.js';
import { ManualClock } from '../../src/shared/index.js';
import { createStore, openDatabase } from '../../src/store/index.js';
import { attribute, startProfile, type Attribution } from '../ingest/profile.js';
import { BENCH_PAIRS, buyRound, type Pair, type RoundResult } from './buyer.js';
import { copyTemplate, MINUTE, moveTo, PAST_LIFETIME } from './fixture.js';
import { gc, percentiles, round, type LatencyFigures } from './stats.js';

export interface FixtureRef {
  readonly template: string;
  readonly principals: readonly Principal[];
  readonly now: number;
}

export type ScenarioSpec =
  | {
      readonly kind: 'sequential';
      readonly rounds: number;
      readonly profile?: boolean;
      readonly saveProfile?: string;
    }
  | { readonly kind: 'concurrent'; readonly processes: number; readonly rounds: number };

export interface ProcessFigures {
  readonly purchases: number;
  readonly purchasesPerS: number;
  readonly latency: LatencyFigures;
  readonly cpuMsPerPurchase: number;
  readonly noNumbers: number;
  readonly errors: Readonly<Record<string, number>>;
}

export interface ScenarioResult {
  readonly spec: ScenarioSpec;
  readonly rounds: number;
  readonly purchases: number;
  /** Purchases over the wall time of the measured rounds (expiry between rounds excluded). */
  readonly purchasesPerS: number;
  readonly wallMs: number;
  /** Every successful purchase call of every process, end to end (validation, allocation,
   * ledger, events, commit with fsync). */
  readonly latency: LatencyFigures;
  /** CPU of the purchasing processes (sum) per purchase. */
  readonly cpuMsPerPurchase: number;
  readonly perProcess: readonly ProcessFigures[];
  /** Recycling: expireDue over a full round of open orders (one transaction per order). */
  readonly expiriesPerS: number;
  readonly warmup: { readonly purchases: number; readonly purchasesPerS: number };
  readonly attribution?: Attribution;
}

function figures(rounds: readonly RoundResult[]): ProcessFigures {
  const purchases = rounds.reduce((a, r) => a + r.purchases, 0);
  const wallMs = rounds.reduce((a, r) => a + r.wallMs, 0);
  const cpuMs = rounds.reduce((a, r) => a + r.cpuMs, 0);
  const errors: Record<string, number> = {};
  for (const r of rounds) {
    for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
  }
  return {
    purchases,
    purchasesPerS: Math.round((purchases / wallMs) * 1000),
    latency: percentiles(rounds.flatMap((r) => r.latencies)),
    cpuMsPerPurchase: round(cpuMs / Math.max(1, purchases)),
    noNumbers: rounds.reduce((a, r) => a + r.noNumbers, 0),
    errors,
  };
}

/** Closes the open orders of a round (clock past their lifetime); returns expiries/s. */
async function recycle(orders: OrderService, clock: ManualClock): Promise<number> {
  await moveTo(clock, clock.now() + PAST_LIFETIME);
  const t0 = performance.now();
  const report = await orders.expireDue();
  const ms = performance.now() - t0;
  await moveTo(clock, clock.now() + MINUTE);
  return report.expired.length / (ms / 1000);
}

function scratch(): string {
  return mkdtempSync(path.join(tmpdir(), 'simpool-bench-orders-'));
}

export async function runSequential(
  spec: Extract<ScenarioSpec, { kind: 'sequential' }>,
  fixture: FixtureRef,
): Promise<ScenarioResult> {
  const dir = scratch();
  try {
    const file = copyTemplate(fixture.template, dir, 'sequential');
    const store = createStore(openDatabase(file));
    const clock = new ManualClock(fixture.now);
    const orders = new OrderService(store.orders, clock);
    const warm = await buyRound(orders, fixture.principals, BENCH_PAIRS);
    await recycle(orders, clock);
    gc();
    const stopProfile = spec.profile ? await startProfile() : undefined;
    const rounds: RoundResult[] = [];
    const expiries: number[] = [];
    for (let r = 0; r < spec.rounds; r++) {
      rounds.push(await buyRound(orders, fixture.principals, BENCH_PAIRS, r * 7));
      expiries.push(await recycle(orders, clock));
    }
    const profile = stopProfile ? await stopProfile() : undefined;
    store.db.close();
    const own = figures(rounds);
    const wallMs = rounds.reduce((a, r) => a + r.wallMs, 0);
    return {
      spec,
      rounds: spec.rounds,
      purchases: own.purchases,
      purchasesPerS: own.purchasesPerS,
      wallMs: Math.round(wallMs),
      latency: own.latency,
      cpuMsPerPurchase: own.cpuMsPerPurchase,
      perProcess: [own],
      expiriesPerS: Math.round(expiries.reduce((a, b) => a + b, 0) / expiries.length),
      warmup: {
        purchases: warm.purchases,
        purchasesPerS: Math.round((warm.purchases / warm.wallMs) * 1000),
      },
      ...(profile ? { attribution: attribute(profile, spec.saveProfile) } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- concurrent ----------------------------------------------------------------------------

export interface WorkerSpec {
  readonly file: string;
  readonly principals: readonly Principal[];
  readonly pairs: readonly Pair[];
  readonly now: number;
  readonly index: number;
}

type ToWorker = { readonly type: 'round'; readonly now: number } | { readonly type: 'exit' };
type FromWorker =
  { readonly type: 'ready' } | { readonly type: 'done'; readonly round: RoundResult };

/** A purchasing process: waits for "round", buys until no SIM is left, reports, repeats. */
export function runWorker(spec: WorkerSpec): void {
  const store = createStore(openDatabase(spec.file));
  const clock = new ManualClock(spec.now);
  const orders = new OrderService(store.orders, clock);
  let turn = spec.index;
  process.on('message', (message: ToWorker) => {
    if (message.type === 'exit') {
      store.db.close();
      process.disconnect();
      return;
    }
    void (async () => {
      await moveTo(clock, message.now);
      const result = await buyRound(orders, spec.principals, spec.pairs, turn);
      turn += 7;
      process.send?.({ type: 'done', round: result } satisfies FromWorker);
    })();
  });
  process.send?.({ type: 'ready' } satisfies FromWorker);
}

interface WorkerHandle {
  readonly next: () => Promise<FromWorker>;
  readonly send: (message: ToWorker) => void;
  readonly exited: Promise<void>;
}

function startWorker(entry: string, spec: WorkerSpec): WorkerHandle {
  const execArgv = [...process.execArgv];
  if (!execArgv.some((a) => a.includes('tsx'))) execArgv.push('--import', 'tsx');
  const child = fork(entry, ['--worker', JSON.stringify(spec)], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: FromWorker[] = [];
  const waiters: ((m: FromWorker) => void)[] = [];
  child.on('message', (m: FromWorker) => {
    const waiter = waiters.shift();
    if (waiter) waiter(m);
    else queue.push(m);
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`worker ${spec.index} exited with ${code}`)),
    );
  });
  return {
    next: () => {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return Promise.race([
        new Promise<FromWorker>((resolve) => waiters.push(resolve)),
        exited.then(() => {
          throw new Error(`worker ${spec.index} exited early`);
        }),
      ]);
    },
    send: (message) => child.send(message),
    exited,
  };
}

export async function runConcurrent(
  spec: Extract<ScenarioSpec, { kind: 'concurrent' }>,
  fixture: FixtureRef,
  entry: string,
): Promise<ScenarioResult> {
  const dir = scratch();
  try {
    const file = copyTemplate(fixture.template, dir, `concurrent-${spec.processes}`);
    const store = createStore(openDatabase(file));
    const clock = new ManualClock(fixture.now);
    const orders = new OrderService(store.orders, clock);
    // Disjoint customers per process (each key may hold 20 open orders).
    const workers = Array.from({ length: spec.processes }, (_, index) =>
      startWorker(entry, {
        file,
        principals: fixture.principals.filter((_, i) => i % spec.processes === index),
        pairs: BENCH_PAIRS,
        now: clock.now(),
        index,
      }),
    );
    for (const w of workers) await w.next();
    const runRound = async (): Promise<{ results: RoundResult[]; wallMs: number }> => {
      const t0 = performance.now();
      for (const w of workers) w.send({ type: 'round', now: clock.now() });
      const results: RoundResult[] = [];
      for (const w of workers) {
        const m = await w.next();
        if (m.type !== 'done') throw new Error('worker out of step');
        results.push(m.round);
      }
      return { results, wallMs: performance.now() - t0 };
    };
    const warm = await runRound();
    await recycle(orders, clock);
    const perWorker: RoundResult[][] = workers.map(() => []);
    const expiries: number[] = [];
    let wallMs = 0;
    for (let r = 0; r < spec.rounds; r++) {
      const { results, wallMs: ms } = await runRound();
      results.forEach((res, i) => perWorker[i]!.push(res));
      wallMs += ms;
      expiries.push(await recycle(orders, clock));
    }
    for (const w of workers) w.send({ type: 'exit' });
    await Promise.all(workers.map((w) => w.exited));
    store.db.close();
    const all = perWorker.flat();
    const purchases = all.reduce((a, r) => a + r.purchases, 0);
    const cpuMs = all.reduce((a, r) => a + r.cpuMs, 0);
    const warmPurchases = warm.results.reduce((a, r) => a + r.purchases, 0);
    return {
      spec,
      rounds: spec.rounds,
      purchases,
      purchasesPerS: Math.round((purchases / wallMs) * 1000),
      wallMs: Math.round(wallMs),
      latency: percentiles(all.flatMap((r) => r.latencies)),
      cpuMsPerPurchase: round(cpuMs / Math.max(1, purchases)),
      perProcess: perWorker.map(figures),
      expiriesPerS: Math.round(expiries.reduce((a, b) => a + b, 0) / expiries.length),
      warmup: {
        purchases: warmPurchases,
        purchasesPerS: Math.round((warmPurchases / warm.wallMs) * 1000),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One benchmark scenario, run in its own child process (so RSS and JIT state of one scenario do
 * not leak into the next). Sends its result to the parent over IPC.
 */
import { attribute, startProfile, type Attribution } from './profile.js';
import { buildRig, type Rig, type SinkKind } from './rig.js';

export type ScenarioSpec =
  | {
      readonly kind: 'rate';
      readonly modems: number;
      readonly ratePerS: number;
      readonly durationS: number;
      readonly sink: SinkKind;
      readonly profile?: boolean;
      readonly saveProfile?: string;
    }
  | {
      readonly kind: 'burst';
      readonly modems: number;
      readonly count: number;
      readonly sink: SinkKind;
      /** Profile the burst in-process and attribute CPU by layer (slower: not a figure run). */
      readonly profile?: boolean;
      readonly saveProfile?: string;
    };

export interface LatencyFigures {
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface ScenarioResult {
  readonly spec: ScenarioSpec;
  readonly startupMs: number;
  /** RSS / heap after start-up (all modems ready and idle) and a full GC. */
  readonly idleRssMb: number;
  readonly idleHeapUsedMb: number;
  readonly baselineRssMb: number;
  readonly injected: number;
  readonly committed: number;
  readonly wallMs: number;
  readonly smsPerS: number;
  readonly cpuMsPerSms: number;
  readonly cpuUtilisation: number;
  /** Share of the CPU time spent in the kernel (fsync, event-loop syscalls). */
  readonly cpuSystemShare: number;
  readonly latency: LatencyFigures;
  readonly maxHeldInNetwork: number;
  /** SQLite transactions during the scenario and SMS per transaction (fsync amortisation). */
  readonly transactions: number;
  readonly smsPerTransaction: number;
  readonly attribution?: Attribution;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  collect?.();
}

function percentiles(values: number[]): LatencyFigures {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return {
    p50Ms: round(at(0.5) ?? NaN, 1),
    p90Ms: round(at(0.9) ?? NaN, 1),
    p99Ms: round(at(0.99) ?? NaN, 1),
    maxMs: round(sorted.at(-1) ?? NaN, 1),
  };
}

/** Injection times by unique text; commits resolve them into latencies. */
class Tracker {
  readonly injectedAt = new Map<string, number>();
  readonly latencies: number[] = [];
  lastCommitAt = 0;
  maxHeld = 0;
  private waiter: (() => void) | undefined;
  private expected = Infinity;

  constructor(private readonly rig: Rig) {
    rig.onCommitted((text) => {
      const t0 = this.injectedAt.get(text);
      if (t0 === undefined) return;
      this.injectedAt.delete(text);
      this.lastCommitAt = performance.now();
      this.latencies.push(this.lastCommitAt - t0);
      if (this.latencies.length >= this.expected) this.waiter?.();
    });
  }

  inject(n: number): void {
    const modem = this.rig.bank.modems[n % this.rig.bank.modems.length]!;
    const text = `bench ${n} your code is ${100000 + (n % 900000)}`;
    this.injectedAt.set(text, performance.now());
    const { pendingInNetwork } = modem.injectSms({ from: '+447700900123', text });
    if (pendingInNetwork > this.maxHeld) this.maxHeld = pendingInNetwork;
  }

  allCommitted(count: number, timeoutMs: number): Promise<void> {
    this.expected = count;
    if (this.latencies.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`only ${this.latencies.length} of ${count} committed in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Fixed rate: due injections computed from elapsed time, checked every 5 ms. */
async function injectAtRate(tracker: Tracker, ratePerS: number, total: number): Promise<void> {
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * ratePerS) / 1000));
      while (sent < due) tracker.inject(sent++);
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
}

/** As fast as possible: one SMS per modem per event-loop turn until `count` are out. */
async function injectBurst(tracker: Tracker, modems: number, count: number): Promise<void> {
  let sent = 0;
  while (sent < count) {
    const end = Math.min(count, sent + modems);
    while (sent < end) tracker.inject(sent++);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export async function runScenario(spec: ScenarioSpec): Promise<ScenarioResult> {
  gc();
  const baselineRssMb = mb(process.memoryUsage().rss);
  const rig = await buildRig(spec.modems, spec.sink);
  gc();
  const idle = process.memoryUsage();
  const tracker = new Tracker(rig);
  const count = spec.kind === 'rate' ? Math.round(spec.ratePerS * spec.durationS) : spec.count;
  const stopProfile = spec.profile ? await startProfile() : undefined;
  rig.batches.count = 0;
  rig.batches.records = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (spec.kind === 'rate') await injectAtRate(tracker, spec.ratePerS, count);
  else await injectBurst(tracker, spec.modems, count);
  await tracker.allCommitted(count, 300_000);
  const wallMs = tracker.lastCommitAt - t0;
  const cpu = process.cpuUsage(cpu0);
  const profile = stopProfile ? await stopProfile() : undefined;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const { count: transactions, records } = rig.batches;
  await rig.close();
  return {
    spec,
    startupMs: Math.round(rig.startupMs),
    idleRssMb: mb(idle.rss),
    idleHeapUsedMb: mb(idle.heapUsed),
    baselineRssMb,
    injected: count,
    committed: tracker.latencies.length,
    wallMs: Math.round(wallMs),
    smsPerS: Math.round((count / wallMs) * 1000),
    cpuMsPerSms: round(cpuMs / count),
    cpuUtilisation: round(cpuMs / wallMs, 2),
    cpuSystemShare: round(cpu.system / Math.max(1, cpu.user + cpu.system), 2),
    latency: percentiles(tracker.latencies),
    maxHeldInNetwork: tracker.maxHeld,
    transactions,
    smsPerTransaction: round(records / Math.max(1, transactions), 1),
    ...(profile ? { attribution: attribute(profile, spec.saveProfile) } : {}),
  };
}

/**
 * One send scenario, in its own child process: simulated modems on in-memory links, the real
 * ModemPool (router, throttles off, workers) and the real SQLite store. The outbound repository
 * is wrapped to time every call the queue makes, and to measure how long a modem waits between
 * finishing one message and getting the next while work is queued.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  ModemPool,
  composeOutbound,
  type OutboundRepository,
  type SendStep,
  type SendStepOutcome,
} from '../../src/pool/index.js';
import { ModemBank } from '../../src/simulator/index.js';
import { createRepositories, openDatabase } from '../../src/store/index.js';

export interface SendSpec {
  readonly modems: number;
  readonly messages: number;
  /** How long a simulated modem takes to answer a send (ms). */
  readonly sendDelayMs: number;
}

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface SendResult {
  readonly spec: SendSpec;
  readonly enqueueMsPerMessage: number;
  readonly wallMs: number;
  readonly messagesPerS: number;
  /** Time inside the queue's store calls (routing query, claim, record, release) per message. */
  readonly queueMsPerMessage: number;
  /** Store transactions (commits) per message: batches shared by many modems count once. */
  readonly queueCallsPerMessage: number;
  /** Whole-process CPU per message (simulator and drivers included). */
  readonly cpuMsPerMessage: number;
  /**
   * From a modem's sent part being recorded to its next claim (ms) while work was queued: the
   * rest of that group commit (many modems' writes, one fsync) plus routing.
   */
  readonly idleGapMs: Percentiles;
  readonly gapsOver10Ms: number;
  readonly sent: number;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? 0) };
}

/** Times every call on the repository; notes when each SIM became free and was fed again. */
function timed(outbound: OutboundRepository, gaps: number[]) {
  const totals = { ms: 0, calls: 0 };
  const freeSince = new Map<string, number>();
  // The workers' writes come in batches (applySendSteps): a SIM is free once its sent part is
  // recorded, and fed again by its next claim.
  const noteSteps = async (
    steps: readonly SendStep[],
    outcomes: Promise<SendStepOutcome[]>,
    start: number,
    end: number,
  ): Promise<void> => {
    const settled = await outcomes.catch(() => []);
    steps.forEach((step, i) => {
      if (settled[i]?.ok !== true) return;
      if (step.kind === 'markPartSent') freeSince.set(step.iccid, end);
      if (step.kind === 'claimPart' && settled[i].part !== undefined) {
        const since = freeSince.get(step.iccid);
        if (since !== undefined) gaps.push(start - since);
        freeSince.delete(step.iccid);
      }
    });
  };
  const proxy = new Proxy(outbound, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        // SQLite does a call's work before it returns (its promise is already settled).
        const start = performance.now();
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        const end = performance.now();
        totals.ms += end - start;
        totals.calls += 1;
        if (key === 'applySendSteps') {
          const steps = args[0] as readonly SendStep[];
          void noteSteps(steps, result as Promise<SendStepOutcome[]>, start, end);
        }
        return result;
      };
    },
  });
  return { proxy, totals };
}

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function runSendScenario(spec: SendSpec): Promise<SendResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'simpool-bench-send-'));
  const db = openDatabase(path.join(dir, 'simpool.db'));
  const repos = createRepositories(db);
  const bank = new ModemBank({
    count: spec.modems,
    flavour: 'mixed',
    timing: { sendDelayMs: spec.sendDelayMs, statusReportDelayMs: 3_600_000 },
  });
  const gaps: number[] = [];
  const { proxy, totals } = timed(repos.outbound, gaps);
  const pool = new ModemPool({
    sources: [],
    fixedSlots: bank.modems.map((m) => ({
      address: `simulated:${m.index}`,
      linkFactory: m.connect,
    })),
    inventory: repos.inventory,
    inbound: repos.inbound,
    outbound: proxy,
  });
  try {
    await pool.start();
    await until(() => pool.modems().every((m) => m.state === 'ready'), 60_000);
    const sentCount = () => bank.modems.reduce((n, m) => n + m.sent.length, 0);

    const enqueueStart = performance.now();
    const now = Date.now();
    // SQLite queues each message when asked: the whole backlog is one transaction.
    const queued: Promise<void>[] = [];
    db.transaction(() => {
      for (let i = 0; i < spec.messages; i++) {
        queued.push(
          repos.outbound.enqueue(
            composeOutbound({
              to: `+4477009${String(i).padStart(5, '0')}`,
              text: `bench ${i}`,
              iccid: null,
              now,
            }),
          ),
        );
      }
    })();
    await Promise.all(queued);
    const enqueueMs = performance.now() - enqueueStart;
    totals.ms = 0;
    totals.calls = 0;

    const cpu = process.cpuUsage();
    const start = performance.now();
    pool.wakeSenders();
    await until(() => sentCount() >= spec.messages, 600_000);
    // The last answers are recorded right after the modems took them.
    await until(
      () =>
        db.prepare("SELECT COUNT(*) AS n FROM outbound_messages WHERE status = 'sent'").get() !==
          undefined &&
        (
          db.prepare("SELECT COUNT(*) AS n FROM outbound_messages WHERE status = 'sent'").get() as {
            n: number;
          }
        ).n === spec.messages,
      60_000,
    );
    const wallMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    return {
      spec,
      enqueueMsPerMessage: enqueueMs / spec.messages,
      wallMs: Math.round(wallMs),
      messagesPerS: Math.round((spec.messages / wallMs) * 1000),
      queueMsPerMessage: totals.ms / spec.messages,
      queueCallsPerMessage: totals.calls / spec.messages,
      cpuMsPerMessage: (used.user + used.system) / 1000 / spec.messages,
      idleGapMs: percentiles(gaps),
      gapsOver10Ms: gaps.filter((g) => g > 10).length,
      sent: sentCount(),
    };
  } finally {
    await pool.stop();
    bank.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

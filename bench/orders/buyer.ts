/**
 * The purchase loop every scenario runs: sequential purchases through OrderService (each its own
 * IMMEDIATE transaction, committed with synchronous FULL), rotating over customers and over the
 * (service, country) pairs, until every pair answers `no_numbers` (the free SIMs ran out).
 */
import type { OrderService, Principal } from '../../src/domain/index.js';
import { isSimpoolError } from '../../src/shared/index.js';
import { BENCH_SERVICES, COUNTRIES } from './fixture.js';

export interface Pair {
  readonly service: string;
  readonly country: string;
}

export const BENCH_PAIRS: readonly Pair[] = COUNTRIES.flatMap((c) =>
  BENCH_SERVICES.map((service) => ({ service, country: c.iso2 })),
);

export interface RoundResult {
  readonly purchases: number;
  /** Attempts refused with no_numbers (one per pair at the end of a round, more under contention). */
  readonly noNumbers: number;
  /** Any other refusal or error code, counted. */
  readonly errors: Readonly<Record<string, number>>;
  /** Wall time of every successful purchase call, ms. */
  readonly latencies: number[];
  readonly wallMs: number;
  /** process.cpuUsage (user + system) over the loop, ms. */
  readonly cpuMs: number;
}

export async function buyRound(
  orders: OrderService,
  principals: readonly Principal[],
  pairs: readonly Pair[],
  firstTurn = 0,
): Promise<RoundResult> {
  const active = [...pairs];
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let noNumbers = 0;
  let turn = firstTurn;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (active.length > 0) {
    const slot = turn % active.length;
    const pair = active[slot]!;
    const principal = principals[turn % principals.length]!;
    turn++;
    const start = performance.now();
    try {
      await orders.purchase(principal, pair);
      latencies.push(performance.now() - start);
    } catch (error) {
      const code = isSimpoolError(error) ? error.code : String(error);
      if (code === 'no_numbers') {
        noNumbers++;
        active.splice(slot, 1);
      } else {
        errors[code] = (errors[code] ?? 0) + 1;
        if ((errors[code] ?? 0) > 100) throw error;
      }
    }
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    purchases: latencies.length,
    noNumbers,
    errors,
    latencies,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

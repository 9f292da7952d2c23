export interface LatencyFigures {
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

export function percentiles(values: readonly number[]): LatencyFigures {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return {
    p50Ms: round(at(0.5) ?? NaN, 2),
    p90Ms: round(at(0.9) ?? NaN, 2),
    p99Ms: round(at(0.99) ?? NaN, 2),
    maxMs: round(sorted.at(-1) ?? NaN, 2),
  };
}

export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  collect?.();
}

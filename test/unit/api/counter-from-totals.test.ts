import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CounterFromTotals } from '../../../src/api/plugins/counter-from-totals.js';

async function valueOf(registry: Registry, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric('test_outcomes_total')!.get();
  const sample = metric.values.find((v) =>
    Object.entries(labels).every(([k, want]) => v.labels[k] === want),
  );
  return sample?.value ?? Number.NaN;
}

describe('a counter fed with totals read at scrape time', () => {
  it('starts at the first total, adds what each total grew by, and never goes down', async () => {
    const registry = new Registry();
    const counter = new CounterFromTotals({
      name: 'test_outcomes_total',
      help: 'test',
      labelNames: ['status'],
      registry,
    });
    const seen: number[] = [];
    // 5, 7; then 3 (an endpoint deleted with its deliveries), then 4: one more since.
    for (const total of [5, 7, 3, 4, 4]) {
      counter.observe({ status: 'succeeded' }, total);
      seen.push(await valueOf(registry, { status: 'succeeded' }));
    }
    expect(seen).toEqual([5, 7, 7, 8, 8]);
    // A status with no rows yet is a series at 0 from the first scrape.
    counter.observe({ status: 'failed' }, 0);
    expect(await valueOf(registry, { status: 'failed' })).toBe(0);
    expect((await registry.getSingleMetric('test_outcomes_total')!.get()).type).toBe('counter');
  });
});

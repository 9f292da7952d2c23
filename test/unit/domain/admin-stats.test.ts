import { describe, expect, it } from 'vitest';
import { HOUR_MS, hourSeries, hourStart, modemCounts } from '../../../src/domain/index.js';

const NOW = Date.UTC(2026, 10, 22, 12, 34, 56);

describe('the SMS-per-hour series', () => {
  it('has 24 rows, oldest first, ending with the current hour, zeros where nothing happened', () => {
    const series = hourSeries(NOW, [
      { hour: Date.UTC(2026, 10, 22, 12), in: 3, out: 1 },
      { hour: Date.UTC(2026, 10, 21, 13), in: 2, out: 0 },
      // Outside the window: ignored.
      { hour: Date.UTC(2026, 10, 21, 12), in: 9, out: 9 },
    ]);
    expect(series).toHaveLength(24);
    expect(series[0]).toEqual({ hour: Date.UTC(2026, 10, 21, 13), in: 2, out: 0 });
    expect(series.at(-1)).toEqual({ hour: Date.UTC(2026, 10, 22, 12), in: 3, out: 1 });
    expect(series.slice(1, -1).every((h) => h.in === 0 && h.out === 0)).toBe(true);
    expect(series.every((h, i) => i === 0 || h.hour - series[i - 1]!.hour === HOUR_MS)).toBe(true);
  });

  it('aligns hours to UTC hour starts', () => {
    expect(hourStart(NOW)).toBe(Date.UTC(2026, 10, 22, 12));
    expect(hourStart(Date.UTC(2026, 10, 22, 12))).toBe(Date.UTC(2026, 10, 22, 12));
  });
});

describe('the overview modem counters', () => {
  it('counts recovering as degraded and starting or offline as offline', () => {
    expect(
      modemCounts([
        'ready',
        'ready',
        'degraded',
        'recovering',
        'offline',
        'connecting',
        'initializing',
      ]),
    ).toEqual({ ready: 2, degraded: 2, offline: 3 });
  });
});

/** Pure helpers of the admin overview and chart. */
import type { HourCount } from './admin-types.js';

export const HOUR_MS = 60 * 60_000;

/** Start of the UTC hour holding `ms`. */
export function hourStart(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/**
 * `hours` rows, oldest first, ending with the current hour; hours without SMS get zeros.
 * `counts` may be sparse and unordered; counts outside the window are ignored.
 */
export function hourSeries(now: number, counts: readonly HourCount[], hours = 24): HourCount[] {
  const last = hourStart(now);
  const first = last - (hours - 1) * HOUR_MS;
  const byHour = new Map<number, HourCount>();
  for (const c of counts) byHour.set(hourStart(c.hour), c);
  const rows: HourCount[] = [];
  for (let hour = first; hour <= last; hour += HOUR_MS) {
    const found = byHour.get(hour);
    rows.push({ hour, in: found?.in ?? 0, out: found?.out ?? 0 });
  }
  return rows;
}

/** The overview's modem counters: recovering counts as degraded, starting as offline. */
export function modemCounts(states: readonly string[]): {
  ready: number;
  degraded: number;
  offline: number;
} {
  const counts = { ready: 0, degraded: 0, offline: 0 };
  for (const state of states) {
    if (state === 'ready') counts.ready++;
    else if (state === 'degraded' || state === 'recovering') counts.degraded++;
    else counts.offline++;
  }
  return counts;
}

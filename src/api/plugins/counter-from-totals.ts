import { Counter, type LabelValues, type Registry } from 'prom-client';

/**
 * A Prometheus counter fed with totals read from the store at scrape time (rows in a final
 * status, messages ever stored). It adds what each total grew by since the last scrape and
 * ignores a total that shrank (an endpoint deleted with its deliveries, a failed delivery
 * retried by hand): a counter never goes down while the process lives, or `rate()` would read
 * the drop as a reset and count the whole total again. The first scrape starts from the
 * total, as a restarted process does.
 */
export class CounterFromTotals<L extends string> {
  private readonly counter: Counter<L>;
  private readonly last = new Map<string, number>();

  constructor(options: {
    readonly name: string;
    readonly help: string;
    readonly labelNames?: readonly L[];
    readonly registry: Registry;
  }) {
    this.counter = new Counter<L>({
      name: options.name,
      help: options.help,
      labelNames: options.labelNames ?? [],
      registers: [options.registry],
    });
  }

  /** The store's total now for one label set (every label set the same keys, same order). */
  observe(labels: LabelValues<L>, total: number): void {
    const key = JSON.stringify(labels);
    const previous = this.last.get(key);
    this.last.set(key, total);
    // inc(…, 0) on the first scrape: the series exists, at 0, before anything happened.
    const grown = previous === undefined ? Math.max(0, total) : total - previous;
    if (grown > 0 || previous === undefined) this.counter.inc(labels, Math.max(0, grown));
  }
}

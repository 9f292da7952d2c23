/** The cluster test's clients at work: a fixed number of them taking tasks in a fixed order. */
import type { Workload } from './cluster-workload.js';

/**
 * Runs `purchases` purchase flows and `messages` messages (spread among the purchases) with
 * `concurrency` clients; `atHalf` runs once when half the tasks are done, while the rest go on.
 */
export async function runWorkload(
  workload: Workload,
  options: {
    readonly purchases: number;
    readonly messages: number;
    readonly concurrency: number;
    readonly atHalf: () => Promise<void>;
  },
): Promise<void> {
  const tasks: (() => Promise<void>)[] = [];
  let nextMessage = 0;
  for (let p = 0; p < options.purchases; p++) {
    tasks.push(() => workload.purchase(p));
    while (
      nextMessage < options.messages &&
      (nextMessage + 0.5) * options.purchases <= (p + 1) * options.messages
    ) {
      const m = nextMessage++;
      tasks.push(() => workload.message(m));
    }
  }
  while (nextMessage < options.messages) {
    const m = nextMessage++;
    tasks.push(() => workload.message(m));
  }
  let next = 0;
  let done = 0;
  let half: Promise<unknown> | undefined;
  let halfFailed: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task();
      if (++done === Math.floor(tasks.length / 2)) {
        // Not awaited here: the other clients go on while it runs.
        half = options.atHalf().catch((error: unknown) => (halfFailed = { error }));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  await half;
  if (halfFailed) throw halfFailed.error;
}

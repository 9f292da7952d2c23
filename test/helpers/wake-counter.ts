/**
 * Counts calls of a callback (an EventPort subscriber) and lets a test wait for the n-th one
 * without polling; a wait that is never satisfied fails with `what` after `timeoutMs`, naming
 * what did not happen instead of hitting the test's timeout.
 */
export class WakeCounter {
  count = 0;
  private waiters: { readonly n: number; readonly resolve: () => void }[] = [];

  readonly wake = (): void => {
    this.count++;
    this.waiters = this.waiters.filter((waiter) => {
      if (this.count < waiter.n) return true;
      waiter.resolve();
      return false;
    });
  };

  /** Resolves once `n` calls were counted in all. */
  reached(n: number, what = `call ${n}`, timeoutMs = 10_000): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`never happened: ${what}`)), timeoutMs);
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

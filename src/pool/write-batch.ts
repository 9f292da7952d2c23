/**
 * Group commit for the send workers. Every store write is one transaction, and with
 * `synchronous = FULL` each commit waits for the disk: 64 modems recording their sends one by
 * one would spend their time in fsync. Writes asked for within one event-loop turn run together
 * in one transaction (each still all-or-nothing on its own: the store nests them as savepoints),
 * and each caller learns its own outcome once the whole batch is committed.
 */
interface PendingWrite {
  readonly write: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

function attempt(write: () => unknown): Outcome {
  try {
    return { ok: true, value: write() };
  } catch (error) {
    return { ok: false, error };
  }
}

export class WriteBatch {
  private pending: PendingWrite[] = [];
  private flushed: Promise<void> = Promise.resolve();

  constructor(
    /** Runs `work` in one transaction. */
    private readonly transaction: (work: () => void) => void,
  ) {}

  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.length === 1) {
        this.flushed = new Promise((done) =>
          setImmediate(() => {
            this.flush();
            done();
          }),
        );
      }
    });
  }

  /** Resolves once every write asked for so far is committed (before closing the store). */
  async idle(): Promise<void> {
    while (this.pending.length > 0) await this.flushed;
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    let outcomes: Outcome[] = [];
    try {
      this.transaction(() => {
        outcomes = batch.map((p) => attempt(p.write));
      });
    } catch {
      // The COMMIT itself failed, so nothing of the batch was kept: each write on its own.
      outcomes = batch.map((p) => attempt(p.write));
    }
    batch.forEach((p, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.error);
    });
  }
}

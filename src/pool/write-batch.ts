/**
 * Group commit for the send workers. Every store write is one transaction, and with
 * `synchronous = FULL` each commit waits for the disk: 64 modems recording their sends one by
 * one would spend their time in fsync. Steps asked for within one event-loop turn go to the store
 * together in one `applySendSteps` call (one transaction; each step still all-or-nothing on its
 * own), and each caller learns its own outcome once the whole batch is committed.
 *
 * One batch is in flight at a time: steps asked for meanwhile wait for the next one. So the
 * steps reach the store in the order they were asked for, whatever the engine (a network
 * database could otherwise commit two batches out of order), and a slow commit gathers a bigger
 * next batch instead of more concurrent transactions.
 */
import { SimpoolError } from '../shared/index.js';
import type { OutboundPartToSend, SendStep, SendStepOutcome } from './ports.js';

/** A store that answers fewer outcomes than steps broke its contract: the step is not done. */
const NO_OUTCOME: SendStepOutcome = {
  ok: false,
  error: new SimpoolError('internal_error', 'the store answered no outcome for a step'),
};

interface PendingStep {
  readonly step: SendStep;
  readonly resolve: (part: OutboundPartToSend | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/** A step other than a claim: its caller only learns that it is committed. */
export type RecordStep = Exclude<SendStep, { readonly kind: 'claimPart' }>;

export class WriteBatch {
  private pending: PendingStep[] = [];
  private scheduled = false;
  private flushing: Promise<void> | null = null;

  constructor(
    /** Applies steps in one transaction (OutboundRepository.applySendSteps). */
    private readonly apply: (steps: readonly SendStep[]) => Promise<SendStepOutcome[]>,
  ) {}

  /** The next due part of the message for this SIM, claimed (see OutboundRepository.claimPart). */
  claim(messageId: string, iccid: string, at: number): Promise<OutboundPartToSend | undefined> {
    return this.add({ kind: 'claimPart', messageId, iccid, at });
  }

  /** Resolves once the step is committed; rejects with the step's own error. */
  async record(step: RecordStep): Promise<void> {
    await this.add(step);
  }

  /** Resolves once every step asked for so far is committed (before closing the store). */
  async idle(): Promise<void> {
    while (this.pending.length > 0 || this.flushing) {
      if (this.flushing) await this.flushing;
      else await new Promise<void>((done) => setImmediate(done));
    }
  }

  private add(step: SendStep): Promise<OutboundPartToSend | undefined> {
    return new Promise((resolve, reject) => {
      this.pending.push({ step, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flushing = this.flush().finally(() => {
        this.flushing = null;
        this.schedule();
      });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    let outcomes: readonly SendStepOutcome[];
    try {
      outcomes = await this.apply(batch.map((p) => p.step));
    } catch {
      // The transaction itself failed, so nothing of the batch was kept: each step on its own.
      const alone: SendStepOutcome[] = [];
      for (const p of batch) alone.push(await this.applyAlone(p.step));
      outcomes = alone;
    }
    batch.forEach((p, i) => {
      const outcome = outcomes[i] ?? NO_OUTCOME;
      if (outcome.ok) p.resolve(outcome.part);
      else p.reject(outcome.error);
    });
  }

  private async applyAlone(step: SendStep): Promise<SendStepOutcome> {
    try {
      const [outcome] = await this.apply([step]);
      return outcome ?? NO_OUTCOME;
    } catch (error) {
      return { ok: false, error };
    }
  }
}

/**
 * The per-modem work queue: one item at a time (the modem runs one command at a time anyway),
 * highest priority first, so inbound reads always overtake queued sends. An item may run several
 * AT commands (read + commit + delete is one item, so nothing else lands between them).
 *
 * p-queue's `clear()` drops queued tasks without settling their promises; this wrapper keeps
 * every queued item's reject so `close()` settles them all and no caller waits forever.
 */
import PQueue from 'p-queue';
import type { SimpoolError } from '../shared/index.js';

export const WorkPriority = {
  /** +CMTI/+CDSI reads: an SMS waiting on the SIM is the most valuable thing. */
  inbound: 100,
  /** ATH for an incoming call: one short command after the read in flight, before sweeps. */
  call: 95,
  sweep: 90,
  health: 50,
  send: 10,
} as const;

export class WorkQueue {
  private readonly queue = new PQueue({ concurrency: 1, autoStart: false });
  private readonly waiting = new Set<(error: Error) => void>();
  private closedError: SimpoolError | undefined;

  /** Items queued, not counting the one running. */
  get size(): number {
    return this.queue.size;
  }

  /** Items running (0 or 1). */
  get running(): number {
    return this.queue.pending;
  }

  get isPaused(): boolean {
    return this.queue.isPaused;
  }

  /** Queues `task`; rejects with the close error if the queue closes before it starts. */
  run<T>(priority: number, task: () => Promise<T>): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise<T>((resolve, reject) => {
      let started = false;
      const cancel = (error: Error): void => {
        if (!started) reject(error);
      };
      this.waiting.add(cancel);
      this.queue
        .add(
          async () => {
            started = true;
            this.waiting.delete(cancel);
            return task();
          },
          { priority },
        )
        .then(resolve, reject);
    });
  }

  /** Starts (or resumes) running items. */
  resume(): void {
    if (!this.closedError) this.queue.start();
  }

  /** Stops starting new items; the one running finishes. */
  pause(): void {
    this.queue.pause();
  }

  /** Resolves when no item is running (queued ones may remain while paused). */
  async settled(): Promise<void> {
    await this.queue.onPendingZero();
  }

  /** Rejects every queued item with `error`, forgets them, and refuses new ones. */
  close(error: SimpoolError): void {
    if (this.closedError) return;
    this.closedError = error;
    this.queue.pause();
    this.queue.clear();
    for (const cancel of [...this.waiting]) cancel(error);
    this.waiting.clear();
  }
}

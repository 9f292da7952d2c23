/**
 * The engine's waiting line: higher priority first, first-come within a priority. Small and ours
 * (rather than p-queue) because closing the engine must reject every waiting caller with one
 * error, and a resync must be able to run between two tasks.
 */

export interface QueuedTask {
  readonly priority: number;
  /** Runs the task; settles the caller's promise itself and never rejects. */
  readonly run: () => Promise<void>;
  /** Rejects the caller's promise without running. */
  readonly cancel: (error: Error) => void;
}

interface Entry extends QueuedTask {
  readonly seq: number;
}

export class CommandQueue {
  private readonly entries: Entry[] = [];
  private seq = 0;

  get length(): number {
    return this.entries.length;
  }

  push(task: QueuedTask): void {
    const entry: Entry = { ...task, seq: this.seq++ };
    // Insert after every entry of higher or equal priority: stable FIFO within a priority.
    let at = this.entries.length;
    while (at > 0 && (this.entries[at - 1]?.priority ?? 0) < entry.priority) at--;
    this.entries.splice(at, 0, entry);
  }

  shift(): QueuedTask | undefined {
    return this.entries.shift();
  }

  /** Rejects and forgets every waiting task. */
  cancelAll(error: Error): void {
    for (const entry of this.entries.splice(0)) entry.cancel(error);
  }
}

/**
 * A feed's one serial queue: attaching sockets, replays and reads of the event outbox run one at
 * a time, so a socket neither misses nor repeats an event. A failed task is logged; the queue
 * goes on with the next one.
 */
import { describeError, type Logger } from '../../shared/index.js';

export class FeedQueue {
  private tail: Promise<void> = Promise.resolve();
  private pumpQueued = false;

  /** `name` for the log line: `order feed`, `admin feed`. */
  constructor(
    private readonly logger: Logger,
    private readonly name: string,
  ) {}

  enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.tail.then(task).catch((error: unknown) => {
      this.logger.error({ err: describeError(error) }, `${this.name} failed`);
    });
    this.tail = run;
    return run;
  }

  /** Queues `pump` unless a pump is already waiting to start: a burst of commits reads once. */
  schedulePump(pump: () => Promise<void>): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    void this.enqueue(async () => {
      this.pumpQueued = false;
      await pump();
    });
  }
}

import { describeError, type Logger } from '../shared/index.js';

/**
 * What the daemon started, in order, with how to stop each part. Unwinding stops them in the
 * reverse order: on `stop()`, and when start-up fails part-way, so a daemon that cannot serve
 * (API port taken, database unwritable) never keeps its modems open. A part that fails to stop
 * is logged and the others still stop.
 */
export class StopStack {
  private readonly parts: Array<{ readonly name: string; readonly stop: () => unknown }> = [];

  constructor(private readonly logger: Logger) {}

  push(name: string, stop: () => unknown): void {
    this.parts.push({ name, stop });
  }

  async unwind(): Promise<void> {
    for (const part of this.parts.splice(0).reverse()) {
      try {
        await part.stop();
      } catch (error) {
        this.logger.warn({ part: part.name, err: describeError(error) }, 'stopping failed');
      }
    }
  }
}

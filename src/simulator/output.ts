import { sleep, type Clock } from '../shared/index.js';
import { randomInt, type Random } from './prng.js';

export type OutputKind = 'echo' | 'response' | 'urc' | 'raw';

interface OutputItem {
  readonly text: string;
  readonly kind: OutputKind;
  /** Items of one command's response share a block; URCs may slip in between them. */
  readonly block: number | undefined;
}

export interface OutputOptions {
  /** Largest chunk written at once; 0 writes each item whole. Chunk sizes are random in [1, max]. */
  readonly maxChunk: number;
  /** Pause before each response line, so URCs can land between lines as on real hardware. */
  readonly lineDelayMs: number;
}

export type Sink = (bytes: Buffer) => Promise<void>;

/**
 * The modem's transmit side: one ordered queue of echo, response lines and URCs, written in
 * fragments. A URC raised while a response is being written goes in at the next line boundary
 * of that response (before its final result), which is where real modems put them.
 */
export class Output {
  private readonly queue: OutputItem[] = [];
  private writing: OutputItem | undefined;
  private pumping = false;
  private nextBlock = 1;
  private sink: Sink | undefined;
  /** Called as the next response line starts (URCs they raise land inside that response). */
  private responseLineWaiters: (() => void)[] = [];
  /** Called just before the next response line (URCs they raise go in front of it). */
  private beforeLineWaiters: (() => void)[] = [];
  /** While muted (hung, resetting, unplugged) everything is dropped. */
  muted = false;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly options: OutputOptions,
  ) {}

  setSink(sink: Sink | undefined): void {
    this.sink = sink;
    if (!sink) this.queue.length = 0;
  }

  newBlock(): number {
    return this.nextBlock++;
  }

  /**
   * Runs `callback` when the next response line starts being written: a URC it raises goes in
   * right after that line (or, `before`, right ahead of it: between the echo and the answer, or
   * before a lone OK), between a command's lines and its final result (call noise).
   */
  onNextResponseLine(callback: () => void, placement: 'before' | 'after' = 'after'): void {
    if (placement === 'before') this.beforeLineWaiters.push(callback);
    else this.responseLineWaiters.push(callback);
  }

  /** Drops anything not yet written (the port was closed, the modem reset). */
  clear(): void {
    this.queue.length = 0;
  }

  write(text: string, kind: OutputKind, block?: number): void {
    if (this.muted || !this.sink || text.length === 0) return;
    const item: OutputItem = { text, kind, block };
    if (kind === 'urc' && this.writing?.block !== undefined) {
      let i = 0;
      while (i < this.queue.length && this.queue[i]?.kind === 'urc') i++;
      if (this.queue[i]?.block === this.writing.block) {
        this.queue.splice(i, 0, item);
        return;
      }
    }
    this.queue.push(item);
    void this.pump();
  }

  /** Resolves when everything queued so far has been written. */
  async idle(): Promise<void> {
    while (this.pumping || this.queue.length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const item = this.queue.shift();
        if (!item) break;
        this.writing = item;
        if (item.kind === 'response' && this.beforeLineWaiters.length > 0) {
          // Back in front: the URCs the waiters raise are inserted ahead of it (see write).
          const waiters = this.beforeLineWaiters;
          this.beforeLineWaiters = [];
          this.queue.unshift(item);
          for (const waiter of waiters) waiter();
          continue;
        }
        if (item.kind === 'response' && this.responseLineWaiters.length > 0) {
          const waiters = this.responseLineWaiters;
          this.responseLineWaiters = [];
          for (const waiter of waiters) waiter();
        }
        if (item.kind === 'response' && this.options.lineDelayMs > 0) {
          await sleep(this.clock, this.options.lineDelayMs);
        }
        await this.emit(item.text);
      }
    } finally {
      this.writing = undefined;
      this.pumping = false;
    }
  }

  private async emit(text: string): Promise<void> {
    const bytes = Buffer.from(text, 'latin1');
    const max = this.options.maxChunk;
    let offset = 0;
    while (offset < bytes.length) {
      const size = max > 0 ? randomInt(this.random, 1, max) : bytes.length;
      const chunk = bytes.subarray(offset, offset + size);
      offset += size;
      const sink = this.sink;
      if (this.muted || !sink) return;
      try {
        await sink(chunk);
      } catch {
        // The port went away mid-write: a real modem's bytes would be lost too.
        return;
      }
    }
  }
}

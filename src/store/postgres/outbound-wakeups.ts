/**
 * Wake-ups of the send routers across hosts: a message queued through any host's API (or put
 * back in the queue by any host) is announced with `pg_notify('simpool_outbound')` at commit
 * (outbound-steps.ts), and every host listening here routes at once instead of at its next
 * sweep. A notification is only a wake-up: the router reads the queue. After the LISTEN
 * connection comes back, listeners are called once, since queued work may have gone unheard.
 */
import { PostgresListener, type PostgresListenerOptions } from './listener.js';
import type { PostgresDatabase } from './database.js';
import { OUTBOUND_QUEUED_CHANNEL } from './outbound-steps.js';

export interface OutboundWakeupOptions {
  /** The process's shared LISTEN connection; without one, a listener of its own is started. */
  readonly listener?: PostgresListener;
  /** Settings of the own listener (when `listener` is not given). */
  readonly listenerOptions?: PostgresListenerOptions;
  /** The own listener's errors (lost connection, failed reconnects). */
  readonly onError?: (error: Error) => void;
}

export class PostgresOutboundWakeups {
  private readonly listeners = new Set<() => void>();
  private listening: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private ownListener: PostgresListener | undefined;
  private wakeQueued = false;
  private closed = false;

  constructor(
    private readonly db: PostgresDatabase,
    private readonly options: OutboundWakeupOptions = {},
  ) {}

  /**
   * Calls `listener` (once per burst of notifications, on a microtask) whenever any host queued
   * outbound work, and after the LISTEN connection came back. Starts listening if not yet done.
   * Returns the function that stops calling it.
   */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    this.startListening().catch((error: unknown) => this.report(error));
    return () => this.listeners.delete(listener);
  }

  /** LISTENs (once; later calls share the first). Resolves once notifications reach listeners. */
  startListening(): Promise<void> {
    this.listening ??= this.listen();
    return this.listening;
  }

  /** Stops listening (closing the own listener). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.listening?.catch(() => undefined);
    await this.unlisten?.().catch(() => undefined);
    await this.ownListener?.close();
  }

  private async listen(): Promise<void> {
    let listener = this.options.listener;
    if (!listener) {
      listener = await PostgresListener.start(this.db, {
        ...this.options.listenerOptions,
        onError: (error) => this.report(error),
      });
      this.ownListener = listener;
    }
    if (this.closed) return;
    this.unlisten = await listener.listen(OUTBOUND_QUEUED_CHANNEL, {
      onNotification: () => this.wake(),
      onReconnect: () => this.wake(),
    });
  }

  private wake(): void {
    if (this.wakeQueued || this.closed) return;
    this.wakeQueued = true;
    queueMicrotask(() => {
      this.wakeQueued = false;
      if (this.closed) return;
      for (const listener of [...this.listeners]) {
        try {
          listener();
        } catch {
          // A listener's bug must not stop the others from hearing the wake-up.
        }
      }
    });
  }

  private report(error: unknown): void {
    if (this.closed) return;
    this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
  }
}

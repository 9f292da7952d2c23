/**
 * The sockets of one feed (`/ws/orders`, `/ws/admin`): server pings (a socket that did not
 * answer the previous ping is dropped), a bound on what a socket may have queued (a client that
 * does not read is terminated before it can grow memory), and shutdown (1001 to every client,
 * cut after a grace period). What a feed sends, and to whom, is its own business.
 */
import type { WebSocket } from 'ws';
import type { Clock, Logger, TimerHandle } from '../../shared/index.js';

export interface FeedSocketOptions {
  /** Server ping period; a socket that has not answered the previous ping is dropped. */
  readonly pingIntervalMs: number;
  /** Bytes a socket may have queued (ws.bufferedAmount); past it the client is terminated. */
  readonly maxBufferedBytes: number;
  /** How long shutdown waits for clients to answer the 1001 close before cutting them. */
  readonly closeGraceMs: number;
}

export const DEFAULT_FEED_SOCKET_OPTIONS: FeedSocketOptions = {
  pingIntervalMs: 30_000,
  maxBufferedBytes: 1024 * 1024,
  closeGraceMs: 5_000,
};

export interface FeedClient<S> {
  readonly ws: WebSocket;
  /** What the client follows; null until authenticated. */
  sub: S | null;
  /** The last event seq this client has been offered (sent or filtered out). */
  cursor: number;
  alive: boolean;
}

export interface FeedSocketsDeps<S> {
  readonly clock: Clock;
  readonly logger: Logger;
  /** For logs: `order feed`, `admin feed`. */
  readonly name: string;
  /** A client is gone (closed, dropped): the feed removes it from its own indexes. */
  readonly onForget?: (client: FeedClient<S>) => void;
}

export class FeedSockets<S> {
  private readonly clients = new Map<WebSocket, FeedClient<S>>();
  private pingTimer: TimerHandle | null = null;
  private closing = false;
  readonly stats = { dropped: 0, peakBufferedBytes: 0 };

  constructor(
    private readonly deps: FeedSocketsDeps<S>,
    private readonly options: FeedSocketOptions = DEFAULT_FEED_SOCKET_OPTIONS,
  ) {}

  get isClosing(): boolean {
    return this.closing;
  }

  get size(): number {
    return this.clients.size;
  }

  /** A freshly upgraded socket: pinged from now on. */
  accept(ws: WebSocket): FeedClient<S> {
    const client: FeedClient<S> = { ws, sub: null, cursor: 0, alive: true };
    this.clients.set(ws, client);
    ws.on('pong', () => (client.alive = true));
    ws.on('close', () => this.forget(client));
    ws.on('error', () => ws.terminate());
    this.pingTimer ??= this.deps.clock.setTimeout(() => this.ping(), this.options.pingIntervalMs);
    return client;
  }

  /** The client of a socket still open (undefined once it closed). */
  get(ws: WebSocket): FeedClient<S> | undefined {
    return this.clients.get(ws);
  }

  all(): FeedClient<S>[] {
    return [...this.clients.values()];
  }

  /** False when the client is gone or was dropped for not reading. */
  send(client: FeedClient<S>, frame: Buffer): boolean {
    const { ws } = client;
    if (ws.readyState !== ws.OPEN) return false;
    // Checked before queueing, so a socket never holds more than the limit (plus one header).
    if (ws.bufferedAmount + frame.length > this.options.maxBufferedBytes) {
      this.drop(client, 'send buffer full');
      return false;
    }
    ws.send(frame, { binary: false });
    this.stats.peakBufferedBytes = Math.max(this.stats.peakBufferedBytes, ws.bufferedAmount);
    return true;
  }

  drop(client: FeedClient<S>, reason: string): void {
    this.stats.dropped++;
    this.deps.logger.warn({ sub: client.sub, reason }, `${this.deps.name} client dropped`);
    this.forget(client);
    client.ws.terminate();
  }

  /** Shutdown: every socket gets 1001; those that do not answer within the grace are cut. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stopPinging();
    const open = [...this.clients.values()];
    if (open.length === 0) return;
    const closed = Promise.all(
      open.map((c) => new Promise<void>((resolve) => c.ws.once('close', () => resolve()))),
    );
    for (const c of open) c.ws.close(1001, 'server shutting down');
    let grace: TimerHandle | undefined;
    const timeout = new Promise<void>(
      (resolve) => (grace = this.deps.clock.setTimeout(resolve, this.options.closeGraceMs)),
    );
    await Promise.race([closed, timeout]);
    if (grace) this.deps.clock.clearTimeout(grace);
    for (const c of open) c.ws.terminate();
  }

  private ping(): void {
    this.pingTimer = null;
    for (const client of [...this.clients.values()]) {
      if (!client.alive) {
        this.drop(client, 'no pong');
        continue;
      }
      client.alive = false;
      if (client.ws.readyState === client.ws.OPEN) client.ws.ping();
    }
    if (this.clients.size > 0 && !this.closing) {
      this.pingTimer = this.deps.clock.setTimeout(() => this.ping(), this.options.pingIntervalMs);
    }
  }

  private forget(client: FeedClient<S>): void {
    if (!this.clients.delete(client.ws)) return;
    this.deps.onForget?.(client);
    if (this.clients.size === 0) this.stopPinging();
  }

  private stopPinging(): void {
    if (this.pingTimer) this.deps.clock.clearTimeout(this.pingTimer);
    this.pingTimer = null;
  }
}

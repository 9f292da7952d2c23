import type pg from 'pg';
import { systemClock, type Clock, type TimerHandle } from '../../shared/index.js';
import type { PostgresDatabase, Queryable } from './database.js';

/** What a reader of one channel is told. */
export interface ChannelHandler {
  /** A notification on the channel; `payload` is '' when none was sent. */
  readonly onNotification: (payload: string) => void;
  /**
   * The connection was lost (or the channel could not be listened on at once) and is back:
   * notifications sent meanwhile are gone for good, so re-read from the tables whatever this
   * reader may have missed. Called after the channel is listened on again.
   */
  readonly onReconnect?: () => void | Promise<void>;
}

export type ListenerState = 'connected' | 'disconnected' | 'closed';

export interface PostgresListenerOptions {
  /** Lost connections, failed reconnects, handlers that threw. Passwords scrubbed. */
  readonly onError?: (error: Error) => void;
  readonly onStateChange?: (state: ListenerState) => void;
  /** Times the reconnect backoff and the heartbeat. Default: the system clock. */
  readonly clock?: Clock;
  /** First pause before reconnecting; doubled at each failure. Default 100 ms. */
  readonly minBackoffMs?: number;
  /** Longest pause between reconnect attempts. Default 10 000 ms. */
  readonly maxBackoffMs?: number;
  /**
   * A `SELECT 1` this often on an idle connection, failing after as long again: a connection
   * that dies without a word (network cut, power loss) is noticed within twice this, instead of
   * TCP keepalive's minutes. 0 disables. Default 15 000 ms.
   */
  readonly heartbeatMs?: number;
}

interface Subscription {
  readonly handler: ChannelHandler;
  /** Set when this subscriber may have missed notifications: told at the next connection. */
  missed: boolean;
}

/** LISTEN needs an identifier; quoted, so the channel is the exact string pg_notify is given. */
function quoteChannel(channel: string): string {
  return `"${channel.replaceAll('"', '""')}"`;
}

/**
 * One LISTEN connection per process, outside the pool, shared by every reader: each `listen`s to
 * its channels with a handler. When the connection drops (server restart, pg_terminate_backend,
 * network) it reconnects with a bounded exponential backoff, LISTENs again and calls the readers'
 * `onReconnect` so they catch up from the tables. `close()` stops it for good.
 *
 * NOTIFY is delivered at commit, to every listening connection of the database, in commit order;
 * a notification is a wake-up, never the data: readers read the tables.
 */
export class PostgresListener {
  private readonly subscriptions = new Map<string, Set<Subscription>>();
  private readonly listened = new Set<string>();
  private readonly clock: Clock;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly heartbeatMs: number;
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private timer: TimerHandle | undefined;
  private failures = 0;
  private closed = false;
  private state: ListenerState | undefined;
  /** The statement in flight on the connection: the next one waits for it (sendInTurn). */
  private inTurn: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: PostgresDatabase,
    private readonly options: PostgresListenerOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.minBackoffMs = Math.max(1, options.minBackoffMs ?? 100);
    this.maxBackoffMs = Math.max(this.minBackoffMs, options.maxBackoffMs ?? 10_000);
    this.heartbeatMs = Math.max(0, options.heartbeatMs ?? 15_000);
  }

  /**
   * A listener whose first connection attempt has finished: connected, or retrying in the
   * background (onStateChange says which).
   */
  static async start(
    db: PostgresDatabase,
    options: PostgresListenerOptions = {},
  ): Promise<PostgresListener> {
    const listener = new PostgresListener(db, options);
    listener.startConnecting();
    await listener.connecting;
    return listener;
  }

  /** Whether the connection is up now. */
  get connected(): boolean {
    return this.client !== undefined;
  }

  /**
   * Calls `handler` for the channel's notifications. Resolves once the channel is listened on,
   * or, when the connection is down, at once: the handler's onReconnect follows when it is back.
   * Returns the function that stops this handler (UNLISTEN after the channel's last one).
   */
  async listen(channel: string, handler: ChannelHandler): Promise<() => Promise<void>> {
    const subscription: Subscription = { handler, missed: false };
    let channelSubscriptions = this.subscriptions.get(channel);
    if (!channelSubscriptions) {
      channelSubscriptions = new Set();
      this.subscriptions.set(channel, channelSubscriptions);
    }
    channelSubscriptions.add(subscription);
    if (this.connecting) await this.connecting;
    if (!this.closed && !this.listened.has(channel)) {
      const client = this.client;
      try {
        if (!client) throw new Error('not connected');
        await this.sendInTurn(client, `LISTEN ${quoteChannel(channel)}`);
        if (client === this.client) this.listened.add(channel);
        else subscription.missed = true;
      } catch {
        // The connection is going or gone: the reconnect listens again and calls onReconnect.
        subscription.missed = true;
      }
    }
    return () => this.unlisten(channel, subscription);
  }

  /** Stops for good: no reconnect, no timer left, the connection ended. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    const pending = this.connecting;
    if (pending) await pending;
    this.clearTimer();
    const client = this.client;
    this.client = undefined;
    this.listened.clear();
    if (client) await client.end().catch(() => undefined);
    this.setState('closed');
  }

  private async unlisten(channel: string, subscription: Subscription): Promise<void> {
    const channelSubscriptions = this.subscriptions.get(channel);
    if (!channelSubscriptions?.delete(subscription) || channelSubscriptions.size > 0) return;
    this.subscriptions.delete(channel);
    if (!this.listened.delete(channel)) return;
    const client = this.client;
    if (client) {
      await this.sendInTurn(client, `UNLISTEN ${quoteChannel(channel)}`).catch(() => undefined);
    }
  }

  /**
   * Sends one statement on the LISTEN connection once the one before it is answered: handlers
   * listen and unlisten at any moment, and overlapping queries on one client are deprecated in
   * node-postgres (refused from pg 9).
   */
  private sendInTurn(client: pg.Client, query: string | pg.QueryConfig): Promise<unknown> {
    const config: pg.QueryConfig = typeof query === 'string' ? { text: query } : query;
    const sent = this.inTurn.then(() => client.query(config));
    this.inTurn = sent.catch(() => undefined);
    return sent;
  }

  private startConnecting(): void {
    this.connecting = this.connect().finally(() => {
      this.connecting = undefined;
    });
  }

  private async connect(): Promise<void> {
    let client: pg.Client | undefined;
    try {
      client = await this.db.connectClient((error) => this.lost(client, error));
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      const connection = client;
      client.on('notification', (message) => this.deliver(message));
      client.on('end', () => this.lost(connection, new Error('LISTEN connection ended')));
      // Channels added while this runs are listened on too (Map iteration sees new keys).
      for (const channel of this.subscriptions.keys()) {
        await this.sendInTurn(client, `LISTEN ${quoteChannel(channel)}`);
        this.listened.add(channel);
      }
      if (this.closed) {
        this.listened.clear();
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.failures = 0;
      this.setState('connected');
      this.scheduleHeartbeat(client);
      this.catchUp();
    } catch (error) {
      this.listened.clear();
      await client?.end().catch(() => undefined);
      if (this.closed) return;
      this.report(this.db.sanitize(error));
      this.setState('disconnected'); // news only when the first attempt fails
      this.scheduleReconnect();
    }
  }

  /** The connection `client` failed or ended: forget it and reconnect (unless closed). */
  private lost(client: pg.Client | undefined, error: Error): void {
    if (client === undefined || client !== this.client) return; // stale, or seen already
    this.client = undefined;
    this.listened.clear();
    this.clearTimer();
    for (const channelSubscriptions of this.subscriptions.values()) {
      for (const subscription of channelSubscriptions) subscription.missed = true;
    }
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.report(error);
    this.setState('disconnected');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const ceiling = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** this.failures);
    this.failures++;
    // Jitter within the upper half: hosts that lost the server together do not return together.
    const delay = ceiling / 2 + (Math.random() * ceiling) / 2;
    this.clearTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.closed) this.startConnecting();
    }, delay);
  }

  private scheduleHeartbeat(client: pg.Client): void {
    if (this.heartbeatMs === 0) return;
    this.clearTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (client !== this.client) return;
      const heartbeat = { text: 'SELECT 1', query_timeout: this.heartbeatMs } as pg.QueryConfig;
      this.sendInTurn(client, heartbeat).then(
        () => this.scheduleHeartbeat(client),
        (error: unknown) => this.lost(client, this.db.sanitize(error)),
      );
    }, this.heartbeatMs);
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private deliver(message: pg.Notification): void {
    for (const subscription of this.subscriptions.get(message.channel) ?? []) {
      try {
        subscription.handler.onNotification(message.payload ?? '');
      } catch (error) {
        this.report(error as Error);
      }
    }
  }

  /** Tells every subscriber that may have missed notifications to re-read the tables. */
  private catchUp(): void {
    for (const channelSubscriptions of this.subscriptions.values()) {
      for (const subscription of channelSubscriptions) {
        if (!subscription.missed) continue;
        subscription.missed = false;
        Promise.resolve()
          .then(() => subscription.handler.onReconnect?.())
          .catch((error: unknown) => this.report(error as Error));
      }
    }
  }

  /** Tells onStateChange of changes only (not of each failed reconnect attempt). */
  private setState(state: ListenerState): void {
    if (state === this.state) return;
    this.state = state;
    this.options.onStateChange?.(state);
  }

  private report(error: Error): void {
    this.options.onError?.(error);
  }
}

/**
 * Sends a notification (`SELECT pg_notify(channel, payload)`). Inside a transaction (a client of
 * `db.transaction`) it is delivered at commit, and not at all on rollback; on the database it is
 * sent at once. Payloads are at most 8000 bytes: send ids, not data.
 */
export async function notify(target: Queryable, channel: string, payload = ''): Promise<void> {
  await target.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

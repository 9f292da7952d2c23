/**
 * The `/ws/orders` fan-out: one reader of the event outbox for all sockets. The outbox tells it
 * when rows were committed (EventPort.subscribe), it reads them once, renders each event's frames
 * once and sends them to the sockets subscribed to that customer (or order). Replays (`since=`)
 * and live reads run on one serial queue, so a resuming client neither misses nor repeats an event.
 */
import type { WebSocket } from 'ws';
import type { DomainEvent, EventPort, OrderDetail, OrderService } from '../../domain/index.js';
import type { Clock, Logger } from '../../shared/index.js';
import {
  DEFAULT_FEED_SOCKET_OPTIONS,
  FeedSockets,
  type FeedClient as SocketClient,
  type FeedSocketOptions,
} from './feed-sockets.js';
import { FeedQueue } from './feed-queue.js';
import { framesFor, isFeedEvent } from './frames.js';

export interface OrderFeedOptions extends FeedSocketOptions {
  /** A resume that would replay more frames than this closes with 4409 (resync over REST). */
  readonly maxReplayEvents: number;
}

export const DEFAULT_ORDER_FEED_OPTIONS: OrderFeedOptions = {
  ...DEFAULT_FEED_SOCKET_OPTIONS,
  maxReplayEvents: 1000,
};

export interface FeedSubscription {
  readonly customerId: string;
  /** sp_test_ keys see sandbox orders only, live keys live ones (as over REST). */
  readonly sandbox: boolean;
  /** The `ord_` id when following one order; null for all of the customer's orders. */
  readonly orderId: string | null;
}

type FeedClient = SocketClient<FeedSubscription>;

export interface OrderFeedDeps {
  readonly events: EventPort;
  readonly orders: OrderService;
  readonly clock: Clock;
  readonly logger: Logger;
}

const PAGE = 500;
type OrderCache = Map<string, OrderDetail | null>;

export class OrderFeed {
  private readonly sockets: FeedSockets<FeedSubscription>;
  private readonly byCustomer = new Map<string, Set<FeedClient>>();
  /** Seq of the last outbox row the live reader has handled. */
  private cursor = 0;
  /** With nobody subscribed the outbox is not read; the cursor is re-read before the next one. */
  private stale = true;
  private readonly queue: FeedQueue;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly deps: OrderFeedDeps,
    private readonly options: OrderFeedOptions = DEFAULT_ORDER_FEED_OPTIONS,
  ) {
    this.queue = new FeedQueue(deps.logger, 'order feed');
    this.sockets = new FeedSockets<FeedSubscription>(
      {
        clock: deps.clock,
        logger: deps.logger,
        name: 'order feed',
        onForget: (client) => this.unindex(client),
      },
      options,
    );
    this.unsubscribe = deps.events.subscribe(() => this.schedulePump());
  }

  get isClosing(): boolean {
    return this.sockets.isClosing;
  }

  get connections(): number {
    return this.sockets.size;
  }

  get stats(): { readonly dropped: number; readonly peakBufferedBytes: number } {
    return this.sockets.stats;
  }

  /** A freshly upgraded socket: pinged from now on, fed once `attach` has run. */
  accept(ws: WebSocket): void {
    this.sockets.accept(ws);
  }

  /** Starts feeding an authenticated socket, after replaying events after `sinceSeq`. */
  attach(ws: WebSocket, sub: FeedSubscription, sinceSeq: number | null): Promise<void> {
    return this.queue.enqueue(async () => {
      const client = this.sockets.get(ws);
      if (!client) return; // closed while authenticating
      if (this.stale) {
        this.cursor = await this.deps.events.latestSeq();
        this.stale = false;
      }
      client.sub = sub;
      client.cursor = this.cursor;
      if (sinceSeq !== null && !(await this.replay(client, sub, sinceSeq))) return;
      let set = this.byCustomer.get(sub.customerId);
      if (!set) this.byCustomer.set(sub.customerId, (set = new Set()));
      set.add(client);
    });
  }

  /** Shutdown: every socket gets 1001; those that do not answer within the grace are cut. */
  async close(): Promise<void> {
    if (this.sockets.isClosing) return;
    this.unsubscribe();
    await this.sockets.close();
  }

  private schedulePump(): void {
    if (!this.sockets.isClosing) this.queue.schedulePump(() => this.pump());
  }

  private async pump(): Promise<void> {
    if (this.byCustomer.size === 0) {
      this.stale = true;
      return;
    }
    for (;;) {
      const batch = await this.deps.events.eventsSince(this.cursor, PAGE);
      const orders: OrderCache = new Map();
      for (const event of batch) {
        const clients = event.customerId ? this.byCustomer.get(event.customerId) : undefined;
        if (clients && isFeedEvent(event)) await this.fanOut(event, clients, orders);
        this.cursor = event.seq;
      }
      if (batch.length < PAGE) return;
    }
  }

  private async fanOut(event: DomainEvent, clients: Set<FeedClient>, cache: OrderCache) {
    const order = await this.orderOf(event, cache);
    if (!order) return;
    // Rendered and encoded once for all sockets: fan-out cost is the sends only.
    let frames: Buffer[] | undefined;
    for (const client of [...clients]) {
      if (event.seq <= client.cursor) continue; // already replayed to it
      client.cursor = event.seq;
      if (!client.sub || !matches(client.sub, order)) continue;
      frames ??= framesFor(event, order).map((f) => Buffer.from(f));
      for (const frame of frames) if (!this.sockets.send(client, frame)) break;
    }
  }

  /** Events after `sinceSeq` of this subscription; false when the socket was closed instead. */
  private async replay(client: FeedClient, sub: FeedSubscription, sinceSeq: number) {
    let cursor = sinceSeq;
    let sent = 0;
    const cache: OrderCache = new Map();
    for (;;) {
      const page = await this.deps.events.eventsSince(cursor, PAGE, {
        customerId: sub.customerId,
      });
      for (const event of page) {
        cursor = event.seq;
        if (!isFeedEvent(event)) continue;
        const order = await this.orderOf(event, cache);
        if (!order || !matches(sub, order)) continue;
        if (++sent > this.options.maxReplayEvents) {
          client.ws.close(4409, 'too many missed events: resync over REST, then reconnect');
          return false;
        }
        for (const frame of framesFor(event, order)) {
          if (!this.sockets.send(client, Buffer.from(frame))) return false;
        }
      }
      if (page.length < PAGE) break;
    }
    // Everything of this customer up to the newest committed row was offered.
    client.cursor = Math.max(client.cursor, cursor);
    return true;
  }

  private async orderOf(event: DomainEvent, cache: OrderCache): Promise<OrderDetail | null> {
    const id = event.orderId as string;
    if (cache.has(id)) return cache.get(id) ?? null;
    let order: OrderDetail | null = null;
    try {
      order = await this.deps.orders.get(event.customerId as string, id);
    } catch {
      order = null; // an order that cannot be read has nothing to show
    }
    cache.set(id, order);
    return order;
  }

  private unindex(client: FeedClient): void {
    if (!client.sub) return;
    const set = this.byCustomer.get(client.sub.customerId);
    set?.delete(client);
    if (set?.size === 0) this.byCustomer.delete(client.sub.customerId);
  }
}

function matches(sub: FeedSubscription, order: OrderDetail): boolean {
  return sub.sandbox === order.sandbox && (sub.orderId === null || sub.orderId === order.id);
}

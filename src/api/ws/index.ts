/**
 * `GET /ws/orders` (API.md "WebSocket feeds") on the Fastify instance's own HTTP server, with the
 * `ws` package handling the upgrade. The upgrade is always accepted and problems are reported as
 * close codes, which browsers can read (a refused upgrade is opaque to them):
 *   4400 bad parameters or an unknown `since` event id (resync over REST, then reconnect without it)
 *   4401 missing, unknown or revoked key · 4403 banned account or a key without the `orders` scope
 *   4404 `order_id` is not one of this key's orders · 4409 too many missed events to replay
 *   4429 the key is over its per-minute budget (shared with REST and the legacy API), or the
 *        client's address is refused after too many failed authentications
 *   1001 server shutting down · 1011 internal error.
 * A client that stops answering pings or does not read its frames is terminated without a close.
 */
import type { IncomingMessage, Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventPort } from '../../domain/index.js';
import { describeError, isSimpoolError } from '../../shared/index.js';
import type { ServerDeps } from '../deps.js';
import {
  DEFAULT_ORDER_FEED_OPTIONS,
  OrderFeed,
  type FeedSubscription,
  type OrderFeedOptions,
} from './order-feed.js';
import { FeedRefusal, checkFeedKey, keyOf } from './feed-auth.js';
import { refuseUpgrade, routeUpgrade } from './upgrade-router.js';

export { OrderFeed, DEFAULT_ORDER_FEED_OPTIONS } from './order-feed.js';
export type { OrderFeedOptions, FeedSubscription } from './order-feed.js';
export { FeedSockets, DEFAULT_FEED_SOCKET_OPTIONS } from './feed-sockets.js';
export type { FeedSocketOptions, FeedClient } from './feed-sockets.js';
export { routeUpgrade, refuseUpgrade } from './upgrade-router.js';

export const ORDER_FEED_PATH = '/ws/orders';
const MAX_PARAM = 200;

/** What is used of the Fastify instance (whatever its type provider and logger). */
export interface FeedHost {
  readonly server: Server;
  addHook(name: 'preClose', hook: () => Promise<void>): unknown;
}

/** Serves /ws/orders on `app.server`; the feed is closed (1001 to every client) before the app. */
export function registerOrderFeed(
  app: FeedHost,
  deps: ServerDeps & { readonly events: EventPort },
  options: Partial<OrderFeedOptions> = {},
): OrderFeed {
  const feed = new OrderFeed(
    { events: deps.events, orders: deps.orders, clock: deps.clock, logger: deps.logger },
    { ...DEFAULT_ORDER_FEED_OPTIONS, ...options },
  );
  // Clients send nothing but control frames: a small payload limit keeps them from trying.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, clientTracking: false });

  routeUpgrade(app.server, ORDER_FEED_PATH, (request, socket, head, url) => {
    if (feed.isClosing) {
      refuseUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      feed.accept(ws);
      void open(ws, request, url);
    });
  });

  async function open(ws: WebSocket, request: IncomingMessage, url: URL): Promise<void> {
    try {
      const sub = await subscription(deps, request, url);
      const since = await sinceSeq(deps.events, sub, url.searchParams.get('since'));
      await feed.attach(ws, sub, since);
    } catch (error) {
      if (error instanceof FeedRefusal) {
        ws.close(error.code, error.reason);
        return;
      }
      deps.logger.error({ err: describeError(error) }, 'order feed connection failed');
      ws.close(1011, 'internal error');
    }
  }

  app.addHook('preClose', async () => {
    await feed.close();
    wss.close();
  });
  return feed;
}

/** The same checks as the REST `requireKey` hook, answered with close codes. */
async function subscription(
  deps: ServerDeps,
  request: IncomingMessage,
  url: URL,
): Promise<FeedSubscription> {
  const plain = keyOf(request, url);
  if (plain === undefined) throw new FeedRefusal(4401, 'send your API key as api_key');
  const found = await checkFeedKey(deps, plain, request);
  if (found.bannedUntil !== null && found.bannedUntil > deps.clock.now()) {
    throw new FeedRefusal(4403, 'this account is banned');
  }
  if (!found.key.scopes.includes('orders')) {
    throw new FeedRefusal(4403, 'this key lacks the orders scope');
  }
  // The same budget as the key's REST and legacy requests: reconnecting is no way around it.
  if (!deps.guards.keyLimit.take(found.key.id).allowed) {
    throw new FeedRefusal(4429, 'rate limit exceeded');
  }
  const customerId = found.customer.id;
  const sandbox = found.key.sandbox;
  const ref = url.searchParams.get('order_id');
  if (ref === null || ref === '') return { customerId, sandbox, orderId: null };
  if (ref.length > MAX_PARAM) throw new FeedRefusal(4400, 'order_id is too long');
  try {
    const order = await deps.orders.get(customerId, ref);
    // The other mode's orders are "not found" too, as over REST.
    if (order.sandbox !== sandbox) throw new FeedRefusal(4404, 'no such order');
    return { customerId, sandbox, orderId: order.id };
  } catch (error) {
    if (isSimpoolError(error) && error.code === 'order_not_found') {
      throw new FeedRefusal(4404, 'no such order');
    }
    throw error;
  }
}

/** An id this customer cannot see is as unknown as one that never existed (no probing). */
async function sinceSeq(events: EventPort, sub: FeedSubscription, since: string | null) {
  if (since === null || since === '') return null;
  const event = since.length <= MAX_PARAM ? await events.findEvent(since) : null;
  if (!event || event.customerId !== sub.customerId) {
    throw new FeedRefusal(4400, 'unknown since event id: resync over REST');
  }
  return event.seq;
}

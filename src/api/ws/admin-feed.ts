/**
 * `GET /ws/admin`: the admin page's live feed. Authenticated by the session cookie or an
 * admin-scoped key (`?api_key=`, X-API-Key, Bearer); anything else closes with 4401.
 *
 *   {"type":"hello"}                                   on connect
 *   {"type":"modem","modem":{…a GET /modems row…}}     a modem's state, health, SIM or last SMS changed
 *   {"type":"event","event":{id,type,created_at,data}} every outbox event (sms.received, order.*,
 *                                                       message.*, balance.* …), in outbox order
 *
 * Live only (no replay: the page reloads its lists over REST on connect). Pings, dead peers and
 * the per-client send bound are FeedSockets', as for /ws/orders.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import type { AdminService, DomainEvent, EventPort } from '../../domain/index.js';
import { describeError } from '../../shared/index.js';
import type { ServerDeps } from '../deps.js';
import { sessionToken, type AdminSessions } from '../plugins/admin-auth.js';
import { iso } from '../present.js';
import { modemObject } from '../routes/admin/schemas.js';
import { FeedRefusal, checkFeedKey, keyOf } from './feed-auth.js';
import {
  DEFAULT_FEED_SOCKET_OPTIONS,
  FeedSockets,
  type FeedClient,
  type FeedSocketOptions,
} from './feed-sockets.js';
import { FeedQueue } from './feed-queue.js';
import type { FeedHost } from './index.js';
import { refuseUpgrade, routeUpgrade } from './upgrade-router.js';

export const ADMIN_FEED_PATH = '/ws/admin';
const PAGE = 500;

export interface AdminFeedDeps extends ServerDeps {
  readonly admin: AdminService;
  readonly sessions: AdminSessions;
}

type AdminClient = FeedClient<'admin'>;

export class AdminFeed {
  readonly sockets: FeedSockets<'admin'>;
  private readonly attached = new Set<AdminClient>();
  private readonly dirtyModems = new Set<string>();
  private readonly offs: (() => void)[] = [];
  private cursor = 0;
  private readonly queue: FeedQueue;
  private flushQueued = false;

  constructor(
    private readonly deps: AdminFeedDeps,
    options: FeedSocketOptions = DEFAULT_FEED_SOCKET_OPTIONS,
  ) {
    this.queue = new FeedQueue(deps.logger, 'admin feed');
    this.sockets = new FeedSockets<'admin'>(
      {
        clock: deps.clock,
        logger: deps.logger,
        name: 'admin feed',
        onForget: (client) => this.attached.delete(client),
      },
      options,
    );
    if (deps.events) this.offs.push(deps.events.subscribe(() => this.schedulePump()));
    this.offs.push(deps.admin.watchModems((id) => this.modemChanged(id)));
  }

  get isClosing(): boolean {
    return this.sockets.isClosing;
  }

  accept(ws: WebSocket): AdminClient {
    return this.sockets.accept(ws);
  }

  /** Starts feeding an authenticated socket: hello, then live frames. */
  attach(ws: WebSocket): Promise<void> {
    return this.queue.enqueue(async () => {
      const client = this.sockets.get(ws);
      if (!client) return; // closed while authenticating
      if (this.attached.size === 0 && this.deps.events) {
        this.cursor = await this.deps.events.latestSeq();
      }
      client.sub = 'admin';
      this.attached.add(client);
      this.sockets.send(client, Buffer.from(JSON.stringify({ type: 'hello' })));
    });
  }

  async close(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    await this.sockets.close();
  }

  private broadcast(frame: string): void {
    const bytes = Buffer.from(frame);
    for (const client of [...this.attached]) this.sockets.send(client, bytes);
  }

  private schedulePump(): void {
    if (!this.sockets.isClosing) this.queue.schedulePump(() => this.pump());
  }

  private async pump(): Promise<void> {
    const events = this.deps.events as EventPort;
    // Nobody listening: the cursor is re-read when the next client attaches.
    if (this.attached.size === 0) return;
    for (;;) {
      const batch = await events.eventsSince(this.cursor, PAGE);
      for (const event of batch) {
        this.broadcast(eventFrame(event));
        this.cursor = event.seq;
      }
      if (batch.length < PAGE) return;
    }
  }

  /** Changes come in bursts (state and health together): one frame per modem per burst. */
  private modemChanged(id: string): void {
    if (this.attached.size === 0 || this.sockets.isClosing) return;
    this.dirtyModems.add(id);
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(
      () =>
        void this.queue.enqueue(async () => {
          this.flushQueued = false;
          const ids = new Set(this.dirtyModems);
          this.dirtyModems.clear();
          if (this.attached.size === 0) return;
          for (const modem of await this.deps.admin.modems()) {
            if (ids.has(modem.id)) {
              this.broadcast(JSON.stringify({ type: 'modem', modem: modemObject(modem) }));
            }
          }
        }),
    );
  }
}

function eventFrame(event: DomainEvent): string {
  return JSON.stringify({
    type: 'event',
    event: { id: event.id, type: event.type, created_at: iso(event.createdAt), data: event.data },
  });
}

/** Serves /ws/admin on `app.server`; closed (1001 to every client) before the app. */
export function registerAdminFeed(
  app: FeedHost,
  deps: AdminFeedDeps,
  options: Partial<FeedSocketOptions> = {},
): AdminFeed {
  const feed = new AdminFeed(deps, { ...DEFAULT_FEED_SOCKET_OPTIONS, ...options });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, clientTracking: false });
  routeUpgrade(app.server, ADMIN_FEED_PATH, (request, socket, head, url) => {
    if (feed.isClosing) {
      refuseUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      feed.accept(ws);
      void (async () => {
        try {
          await authenticate(deps, request, url);
          await feed.attach(ws);
        } catch (error) {
          if (error instanceof FeedRefusal) {
            ws.close(error.code, error.reason);
            return;
          }
          deps.logger.error({ err: describeError(error) }, 'admin feed connection failed');
          ws.close(1011, 'internal error');
        }
      })();
    });
  });
  app.addHook('preClose', async () => {
    await feed.close();
    wss.close();
  });
  return feed;
}

/** No Origin (not a browser) or the request's own host: the page that got the cookie. */
function sameOrigin(request: { readonly headers: Record<string, string | string[] | undefined> }) {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return typeof origin === 'string' && new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/** The admin hook's rules, answered with a close code: 4401 for anything but an admin. */
async function authenticate(
  deps: AdminFeedDeps,
  request: Parameters<typeof sessionToken>[0],
  url: URL,
): Promise<void> {
  const plain = keyOf(request as Parameters<typeof keyOf>[0], url);
  if (plain === undefined) {
    // A cookie rides along with any page's WebSocket, and SameSite does not separate ports of
    // one host: only the admin page's own origin may use the session.
    if (!sameOrigin(request)) throw new FeedRefusal(4401, 'the session is for the admin page only');
    if (await deps.sessions.resume(sessionToken(request))) return;
    throw new FeedRefusal(4401, 'log in, or send an admin key as api_key');
  }
  const found = await checkFeedKey(deps, plain, request as Parameters<typeof checkFeedKey>[2]);
  const until = found.bannedUntil;
  const banned = until !== null && until > deps.clock.now();
  if (banned || !found.key.scopes.includes('admin')) {
    throw new FeedRefusal(4401, 'not an admin credential');
  }
  if (!deps.guards.keyLimit.take(found.key.id).allowed) {
    throw new FeedRefusal(4429, 'rate limit exceeded');
  }
}

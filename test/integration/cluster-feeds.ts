/**
 * The cluster test's listeners: a WebSocket client per host (`/ws/orders` for one customer,
 * resumed on another host with `since=` when its host dies; `/ws/admin`, live only) and a
 * webhook receiver per host. They only record what arrives; the test compares it with the
 * database afterwards.
 */
import WebSocket from 'ws';
import { pollUntil } from '../helpers/sim-process.js';

interface Frame {
  readonly type: string;
  readonly event_id?: string;
  readonly event?: { readonly id: string; readonly type: string };
}

/**
 * Opens a socket and resolves once it is open (rejects when it closes first). `onFrame` is
 * attached at once: a frame in the same packet as the handshake's answer comes right after
 * 'open', before an awaiting caller could attach it.
 */
async function open(url: string, onFrame: (frame: Frame) => void): Promise<WebSocket> {
  const socket = new WebSocket(url);
  socket.on('error', () => undefined);
  socket.on('message', (data: Buffer) => onFrame(JSON.parse(data.toString('utf8')) as Frame));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('close', (code) => reject(new Error(`${url} closed with ${code} before opening`)));
  });
  return socket;
}

/**
 * `/ws/orders` of one customer. Records each event id once (an event's frames share it), in
 * arrival order, with the host that sent it. `resumeOn` reconnects to another host with
 * `since=<last event id>`, as a client does after losing its host.
 */
export class OrderFeedClient {
  readonly eventIds: string[] = [];
  /** Event ids by the host index whose socket delivered them. */
  readonly byHost = new Map<number, number>();
  readonly closes: number[] = [];
  private socket: WebSocket | undefined;

  constructor(
    private readonly key: string,
    readonly label: string,
  ) {}

  async connect(wsUrl: string, host: number): Promise<void> {
    const last = this.eventIds.at(-1);
    const since = last === undefined ? '' : `&since=${last}`;
    const socket = await open(`${wsUrl}/ws/orders?api_key=${this.key}${since}`, (frame) => {
      if (frame.event_id === undefined || frame.event_id === this.eventIds.at(-1)) return;
      this.eventIds.push(frame.event_id);
      this.byHost.set(host, (this.byHost.get(host) ?? 0) + 1);
    });
    this.socket = socket;
    socket.on('close', (code) => this.closes.push(code));
  }

  /** Resolves once the socket of the killed host is closed. */
  async lost(timeoutMs = 10_000): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    await pollUntil(
      () => (socket.readyState === WebSocket.CLOSED ? true : undefined),
      timeoutMs,
      `${this.label}'s socket to close`,
    );
  }

  close(): void {
    this.socket?.terminate();
  }
}

/** `/ws/admin`: every outbox event of every host, in outbox order (live only, no resume). */
export class AdminFeedClient {
  readonly eventIds: string[] = [];
  hello = false;
  private socket: WebSocket | undefined;

  constructor(readonly label: string) {}

  async connect(wsUrl: string, adminKey: string): Promise<void> {
    this.socket = await open(`${wsUrl}/ws/admin?api_key=${adminKey}`, (frame) => {
      if (frame.type === 'hello') this.hello = true;
      if (frame.type === 'event' && frame.event) this.eventIds.push(frame.event.id);
    });
    // Attached (its cursor set) once the hello came: events after that reach it.
    await pollUntil(() => (this.hello ? true : undefined), 10_000, `${this.label} hello`);
  }

  close(): void {
    this.socket?.terminate();
  }
}

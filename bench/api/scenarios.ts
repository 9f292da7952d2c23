/**
 * What the parent process measures against the server process: HTTP load with autocannon
 * (50 connections, each cycling through the polled orders of several customers) and the
 * WebSocket fan-out of one SMS to 1,000 clients of one customer.
 */
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { percentiles, round, type LatencyFigures } from '../orders/stats.js';
import type { PolledOrder, FeedOrder } from './fixture.js';
import { epochNow, type ServerHandle } from './server.js';

export interface HttpRequestSpec {
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** What one answer must contain (checked once per request before the run). */
  readonly expect: RegExp;
}

export interface LoadResult {
  readonly requests: number;
  readonly requestsPerS: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p97_5: number;
    readonly p99: number;
    readonly mean: number;
    readonly max: number;
  };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly durationS: number;
}

export function restRequests(polled: readonly PolledOrder[]): HttpRequestSpec[] {
  return polled.map((p) => ({
    path: `/api/v1/customer/order/${p.orderId}`,
    headers: { 'x-api-key': p.key },
    expect: new RegExp(`"order_id":"${p.orderId}".*"sms_received":true`),
  }));
}

export function legacyRequests(polled: readonly PolledOrder[]): HttpRequestSpec[] {
  return polled.map((p) => ({
    path: `/stubs/handler_api.php?api_key=${encodeURIComponent(p.key)}&action=getStatus&id=${p.activationId}`,
    expect: /^STATUS_OK:\d+$/,
  }));
}

/** Every request answers 200 with what it should before any load (a 200 error token is not 2xx-visible). */
export async function checkRequests(
  base: string,
  requests: readonly HttpRequestSpec[],
): Promise<void> {
  for (const r of requests) {
    const response = await fetch(`${base}${r.path}`, { headers: { ...r.headers } });
    const body = await response.text();
    if (response.status !== 200 || !r.expect.test(body)) {
      throw new Error(`${r.path} answered ${response.status}: ${body.slice(0, 200)}`);
    }
  }
}

export async function load(
  base: string,
  requests: readonly HttpRequestSpec[],
  connections: number,
  durationS: number,
): Promise<LoadResult> {
  const result = await autocannon({
    url: base,
    connections,
    duration: durationS,
    requests: requests.map((r) => ({ method: 'GET', path: r.path, headers: { ...r.headers } })),
  });
  return {
    requests: result.requests.total,
    requestsPerS: Math.round(result.requests.total / result.duration),
    latencyMs: {
      p50: result.latency.p50,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      mean: round(result.latency.mean, 2),
      max: result.latency.max,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    durationS: round(result.duration, 2),
  };
}

export interface FanOutResult {
  readonly clients: number;
  readonly rounds: number;
  readonly connectMs: number;
  /** From the SMS entering MatchingService to the last client's `sms` frame, per round. */
  readonly lastClientMs: LatencyFigures;
  /** … to the first client's frame. */
  readonly firstClientMs: LatencyFigures;
  readonly perRoundMs: readonly number[];
  readonly missed: number;
}

interface Client {
  readonly socket: WebSocket;
  /** order id → epoch ms of its first `sms` frame. */
  readonly smsAt: Map<string, number>;
}

function connect(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const client: Client = { socket, smsAt: new Map() };
    socket.on('message', (data: Buffer) => {
      const at = epochNow();
      const frame = JSON.parse(data.toString('utf8')) as { type: string; order_id?: string };
      if (frame.type === 'sms' && frame.order_id && !client.smsAt.has(frame.order_id)) {
        client.smsAt.set(frame.order_id, at);
        waiter?.();
      }
    });
    socket.once('open', () => resolve(client));
    socket.once('error', reject);
    socket.on('close', (code) => {
      if (code !== 1000 && code !== 1001 && code !== 1005) {
        console.error(`feed client closed with ${code}`);
      }
    });
  });
}

let waiter: (() => void) | undefined;

/** Resolves once every client has the `sms` frame of `orderId` (or after `timeoutMs`). */
function allReceived(clients: readonly Client[], orderId: string, timeoutMs: number) {
  return new Promise<boolean>((resolve) => {
    const check = () => {
      if (clients.every((c) => c.smsAt.has(orderId))) finish(true);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      waiter = undefined;
      resolve(ok);
    };
    waiter = check;
    check();
  });
}

export async function fanOut(
  server: ServerHandle,
  key: string,
  orders: readonly FeedOrder[],
  clientCount: number,
  rounds: number,
): Promise<FanOutResult> {
  const url = `ws://127.0.0.1:${server.port}/ws/orders?api_key=${encodeURIComponent(key)}`;
  const t0 = performance.now();
  const clients: Client[] = [];
  // In batches: 1,000 simultaneous handshakes would only measure the accept backlog.
  for (let i = 0; i < clientCount; i += 100) {
    const batch = Math.min(100, clientCount - i);
    clients.push(...(await Promise.all(Array.from({ length: batch }, () => connect(url)))));
  }
  const connectMs = round(performance.now() - t0, 1);
  if (orders.length < rounds + 1) throw new Error(`need ${rounds + 1} feed orders`);
  const last: number[] = [];
  const first: number[] = [];
  let missed = 0;
  try {
    // Round 0 is the warm-up; it also proves every socket is attached to the feed.
    for (let r = 0; r <= rounds; r++) {
      const order = orders[r]!;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const arrived = allReceived(clients, order.orderId, 5_000);
      const { startedAt } = await server.request({
        op: 'sms',
        iccid: order.iccid,
        text: `Telegram code: ${200000 + r}. Do not give this code to anyone.`,
      });
      const ok = await arrived;
      const times = clients.map((c) => c.smsAt.get(order.orderId)).filter((t) => t !== undefined);
      if (!ok) missed += clients.length - times.length;
      if (r === 0 || startedAt === undefined) continue;
      last.push(Math.max(...times) - startedAt);
      first.push(Math.min(...times) - startedAt);
    }
  } finally {
    await Promise.all(
      clients.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.socket.readyState === WebSocket.CLOSED) return resolve();
            c.socket.once('close', () => resolve());
            c.socket.close(1000);
          }),
      ),
    );
  }
  return {
    clients: clientCount,
    rounds,
    connectMs,
    lastClientMs: percentiles(last),
    firstClientMs: percentiles(first),
    perRoundMs: last.map((v) => round(v, 2)),
    missed,
  };
}

/**
 * The cross-host feed latency of `npm run bench:cluster`: an SMS arrives on a simulated modem of
 * host A (injected through A's control API) for an open order; a WebSocket client of the order's
 * customer listens on host B (`/ws/orders`). Measured: from the moment the injection is sent to
 * the moment B's `sms` frame arrives — A's modem, A's inbound commit and match, the outbox, the
 * sequencer, NOTIFY, and B's feed. One SMS at a time, so no round queues behind another.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { controlModems, type ClusterHost } from '../../test/helpers/cluster.js';
import { percentiles, type LatencyFigures } from '../orders/stats.js';

export interface FeedOptions {
  /** Where the SMS arrive. */
  readonly smsHost: ClusterHost;
  /** Where the customer's WebSocket client listens. */
  readonly feedHost: ClusterHost;
  /** A customer key (scope orders) with enough balance for `orders` purchases and more. */
  readonly key: string;
  readonly orders: number;
  readonly rounds: number;
  readonly services: readonly string[];
}

export interface FeedFigures {
  readonly smsHost: string;
  readonly feedHost: string;
  readonly rounds: number;
  readonly latency: LatencyFigures;
  /** Rounds whose frame never came within the round's patience. */
  readonly missed: number;
}

const ROUND_PATIENCE_MS = 5_000;
const WARMUP_ROUNDS = 5;
const COUNTRIES = ['GB', 'US', 'RU', 'DE'];

async function post(url: string, key: string | null, body?: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      ...(key === null ? {} : { 'x-api-key': key }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Open orders whose SIMs are modems of `host`: bought anywhere, the others cancelled. */
async function ordersOn(options: FeedOptions): Promise<number[]> {
  const modems = new Map(
    (await controlModems(options.smsHost.controlUrl)).map((m) => [m.msisdn, m.index]),
  );
  const found: number[] = [];
  for (let n = 0; found.length < options.orders; n++) {
    if (n > options.orders * 20) throw new Error(`no ${options.orders} free SIMs on the SMS host`);
    const bought = await post(`${options.feedHost.apiUrl}/api/v1/customer/purchase`, options.key, {
      service: options.services[n % options.services.length],
      country: COUNTRIES[n % COUNTRIES.length],
    });
    if (bought.status !== 201) continue;
    const modem = modems.get(String(bought.body.phone_number));
    if (modem !== undefined) {
      found.push(modem);
      continue;
    }
    const id = String(bought.body.order_id);
    await post(`${options.feedHost.apiUrl}/api/v1/customer/cancel/${id}`, options.key);
  }
  return found;
}

export async function feedLatency(options: FeedOptions): Promise<FeedFigures> {
  const modems = await ordersOn(options);
  const waiting = new Map<string, (at: number) => void>();
  const socket = new WebSocket(
    `${options.feedHost.apiUrl.replace(/^http/, 'ws')}/ws/orders?api_key=${options.key}`,
  );
  socket.on('error', () => undefined);
  socket.on('message', (data: Buffer) => {
    const at = performance.now();
    const frame = JSON.parse(data.toString('utf8')) as { type: string; full_text?: string };
    if (frame.type === 'sms' && frame.full_text) waiting.get(frame.full_text)?.(at);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('close', (code) => reject(new Error(`feed closed with ${code} before opening`)));
  });
  /** One SMS on host A; the time until B's frame (undefined: none within the patience). */
  const round = async (n: number): Promise<number | undefined> => {
    const text = `Your code is ${String(50_000 + n)} (bench round ${n})`;
    const arrived = new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ROUND_PATIENCE_MS);
      waiting.set(text, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
    const sentAt = performance.now();
    const modem = modems[n % modems.length]!;
    const injected = await post(`${options.smsHost.controlUrl}/modems/${modem}/sms`, null, {
      from: 'Telegram',
      text,
    });
    if (injected.status !== 201) throw new Error(`inject: ${injected.status}`);
    const at = await arrived;
    waiting.delete(text);
    return at === undefined ? undefined : at - sentAt;
  };
  try {
    // The feed attaches a socket on its own queue after the handshake: rounds before that may
    // go unseen. Warm-up rounds (not counted) until one frame came.
    let warm = false;
    for (let n = 0; n < WARMUP_ROUNDS && !warm; n++) warm = (await round(10_000 + n)) !== undefined;
    if (!warm)
      throw new Error(`no sms frame on ${options.feedHost.hostId} after ${WARMUP_ROUNDS} SMS`);
    const latencies: number[] = [];
    let missed = 0;
    for (let n = 0; n < options.rounds; n++) {
      const ms = await round(n);
      if (ms === undefined) missed++;
      else latencies.push(ms);
    }
    return {
      smsHost: options.smsHost.hostId,
      feedHost: options.feedHost.hostId,
      rounds: options.rounds,
      latency: percentiles(latencies),
      missed,
    };
  } finally {
    socket.terminate();
  }
}

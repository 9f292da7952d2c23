/**
 * The purchase load of `npm run bench:cluster`: clients spread over the hosts' APIs, each buying
 * a number over HTTP, then cancelling it (so the SIM is free again: one SIM is in one open order
 * at a time), over and over. Purchases are timed one by one; the cancels load the hosts as much
 * as a real customer's end of an order would, and are counted apart.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentiles, round, type LatencyFigures } from '../orders/stats.js';

export interface LoadClient {
  /** The host's API base URL (`http://127.0.0.1:PORT`). */
  readonly apiUrl: string;
  /** A customer key with the `orders` scope. */
  readonly key: string;
  readonly country: string;
}

export interface LoadOptions {
  readonly clients: readonly LoadClient[];
  readonly services: readonly string[];
  readonly warmupMs: number;
  readonly measureMs: number;
}

export interface LoadFigures {
  readonly clients: number;
  readonly seconds: number;
  readonly purchases: number;
  readonly purchasesPerS: number;
  readonly purchaseLatency: LatencyFigures;
  readonly cancels: number;
  readonly cancelLatency: LatencyFigures;
  /** Any purchase not answered 201 or cancel not answered 200, or a failed connection. */
  readonly errors: number;
  /** Of those, the answers by status and code (`409 no_numbers` …), for the report. */
  readonly errorKinds: Record<string, number>;
}

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * Keep-alive connections, one per client at a time: the load generator shares the machine's
 * cores with the hosts and the database, and node:http costs a fraction of `fetch` per request
 * (about 1 ms of CPU less per purchase and cancel on the 2-core machine).
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function post(url: string, key: string, body?: unknown): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'x-api-key': key,
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          try {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: response.statusCode ?? 0,
              body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
            });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** Runs the clients for warm-up plus measurement; only what ends inside the window counts. */
export async function purchaseLoad(options: LoadOptions): Promise<LoadFigures> {
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const stopAt = measureFrom + options.measureMs;
  const purchaseMs: number[] = [];
  const cancelMs: number[] = [];
  const errorKinds: Record<string, number> = {};
  const error = (kind: string): void => void (errorKinds[kind] = (errorKinds[kind] ?? 0) + 1);
  const describe = (reply: Reply): string =>
    `${reply.status} ${typeof reply.body.error === 'string' ? reply.body.error : ''}`.trim();

  const client = async (c: LoadClient, index: number): Promise<void> => {
    for (let n = index; performance.now() < stopAt; n++) {
      const service = options.services[n % options.services.length]!;
      const began = performance.now();
      let bought: Reply;
      try {
        bought = await post(`${c.apiUrl}/api/v1/customer/purchase`, c.key, {
          service,
          country: c.country,
        });
      } catch {
        error('purchase: connection failed');
        continue;
      }
      const ended = performance.now();
      const counted = began >= measureFrom && ended <= stopAt;
      if (bought.status !== 201) {
        if (counted) error(`purchase: ${describe(bought)}`);
        continue;
      }
      if (counted) purchaseMs.push(ended - began);
      const cancelBegan = performance.now();
      const url = `${c.apiUrl}/api/v1/customer/cancel/${String(bought.body.order_id)}`;
      const cancelled = await post(url, c.key).catch(() => undefined);
      const cancelEnded = performance.now();
      const cancelCounted = cancelBegan >= measureFrom && cancelEnded <= stopAt;
      if (cancelled?.status !== 200) {
        // An order left open keeps its SIM: the next purchases find fewer.
        error(`cancel: ${cancelled === undefined ? 'connection failed' : describe(cancelled)}`);
      } else if (cancelCounted) {
        cancelMs.push(cancelEnded - cancelBegan);
      }
    }
  };
  await Promise.all(options.clients.map((c, i) => client(c, i)));
  const seconds = options.measureMs / 1000;
  return {
    clients: options.clients.length,
    seconds,
    purchases: purchaseMs.length,
    purchasesPerS: round(purchaseMs.length / seconds, 1),
    purchaseLatency: percentiles(purchaseMs),
    cancels: cancelMs.length,
    cancelLatency: percentiles(cancelMs),
    errors: Object.values(errorKinds).reduce((a, b) => a + b, 0),
    errorKinds,
  };
}

/**
 * A Fastify app with only the legacy plugin, over the real domain services on a real SQLite file
 * (OrderFixture) and a ManualClock, LISTENING on 127.0.0.1: `call` speaks the protocol over real
 * HTTP, as an sms-activate client would, so every row's bytes are checked on the wire.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { ApiDeps } from '../../../src/api/deps.js';
import { createGuards } from '../../../src/api/plugins/guards.js';
import { legacyRoutes } from '../../../src/api/routes/legacy/index.js';
import type { Order, OrderRulesConfig } from '../../../src/domain/index.js';
import { silentLogger } from '../../../src/shared/index.js';
import { OrderFixture, iccid } from '../domain/order-fixture.js';

export const PATH = '/stubs/handler_api.php';

/** What a client sees of an answer. */
export interface HttpAnswer {
  readonly statusCode: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  json<T = unknown>(): T;
}

export interface Legacy {
  readonly fx: OrderFixture;
  readonly app: FastifyInstance;
  /** A customer with 50.30 USD and its key. */
  readonly key: string;
  readonly customerId: string;
  call(
    params: Record<string, string>,
    options?: { method?: 'GET' | 'POST'; headers?: Record<string, string>; payload?: string },
  ): Promise<HttpAnswer>;
  /** Buys over the protocol and returns the order as the domain sees it. */
  buy(service?: string): Promise<Order>;
  /** An SMS arriving on the order's SIM, through the real matching service. */
  sms(order: Order, text: string): Promise<void>;
  close(): Promise<void>;
}

export async function legacy(
  options: {
    mode?: ApiDeps['config']['legacyMode'];
    /** Per-key requests per minute (the budget REST and WebSocket upgrades share). */
    rateLimitPerMinute?: number;
    sims?: number;
    rules?: Partial<OrderRulesConfig>;
  } = {},
): Promise<Legacy> {
  const fx = new OrderFixture(options.rules);
  await fx.seed();
  for (let n = 1; n <= (options.sims ?? 2); n++) await fx.addSim({ iccid: iccid(n) });
  const deps: ApiDeps = {
    catalog: fx.catalog,
    customers: fx.customers,
    orders: fx.orders,
    matching: fx.matching,
    clock: fx.clock,
    logger: silentLogger,
    config: {
      rateLimitPerMinute: options.rateLimitPerMinute ?? 60,
      legacyMode: options.mode ?? 'sms-activate',
    },
  };
  const app = Fastify({ logger: false });
  await app.register(legacyRoutes, { deps: { ...deps, guards: createGuards(deps) } });
  const principal = await fx.customer('alice@example.com', 503_000);

  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const call: Legacy['call'] = async (params, opts = {}) => {
    const query = new URLSearchParams(params).toString();
    const response = await fetch(`${base}${PATH}?${query}`, {
      method: opts.method ?? 'GET',
      ...(opts.headers ? { headers: opts.headers } : {}),
      ...(opts.payload !== undefined ? { body: opts.payload } : {}),
    });
    const body = await response.text();
    return {
      statusCode: response.status,
      headers: Object.fromEntries(response.headers),
      body,
      json: <T>() => JSON.parse(body) as T,
    };
  };

  return {
    fx,
    app,
    key: principal.plainKey,
    customerId: principal.customerId,
    call,
    async buy(service = 'tg') {
      const res = await call({
        action: 'getNumber',
        service,
        country: '16',
        api_key: principal.plainKey,
      });
      const id = /^ACCESS_NUMBER:(\d+):\d+$/.exec(res.body)?.[1];
      if (!id) throw new Error(`purchase failed: ${res.body}`);
      return fx.orders.get(principal.customerId, id);
    },
    async sms(order, text) {
      const now = fx.clock.now();
      await fx.matching.onInboundSms({
        iccid: order.simIccid,
        inboundMessageId: null,
        sender: 'Telegram',
        text,
        sentAt: now,
        receivedAt: now,
      });
    },
    async close() {
      await app.close();
      await fx.close();
    },
  };
}

export const TEXT = 'text/plain; charset=utf-8';
export const JSON_TYPE = 'application/json; charset=utf-8';

/** A classic action's answer: HTTP 200 (errors included), text/plain, exactly `body`. */
export function expectText(
  answer: { statusCode: number; headers: Record<string, unknown>; body: string },
  body: string,
): void {
  expect(answer.statusCode).toBe(200);
  expect(answer.headers['content-type']).toBe(TEXT);
  expect(answer.body).toBe(body);
}

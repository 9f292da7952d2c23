import { expect } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';

/** A JSON answer of the REST API: status, headers and the parsed body. */
export interface ApiReply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown> & { data?: Array<Record<string, unknown>> };
}

export interface ApiCallOptions {
  /** Sent as X-API-Key. */
  readonly key?: string;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Sent as is (with a JSON content type): for malformed bodies. */
  readonly raw?: string;
  readonly headers?: Record<string, string>;
}

/** One request to the daemon's listening server at `url`. */
export async function callApi(
  method: string,
  url: string,
  options: ApiCallOptions = {},
): Promise<ApiReply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers['x-api-key'] = options.key;
  const body = options.body !== undefined ? JSON.stringify(options.body) : options.raw;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method, headers, ...(body ? { body } : {}) });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as ApiReply['body'],
  };
}

/** A customer with an `orders` key, credited `usd` (nothing for 0). */
export async function newCustomer(d: Daemon, email: string, usd: number) {
  const created = await d.rental.customers.createCustomer(email);
  const { plainKey } = await d.rental.customers.createKey(created.id, { scopes: ['orders'] });
  if (usd > 0) await d.rental.customers.credit(created.id, usd * 10_000);
  return { customerId: created.id, key: plainKey };
}

/**
 * Buys a GB `tg` number with the customer's key and has the simulated network send `text` to its
 * SIM. Waiting for the SMS to reach the order is the caller's (each test waits in its own way).
 */
export async function buyAndInjectSms(
  d: Daemon,
  who: { customerId: string; key: string },
  text: string,
): Promise<{ orderId: string; iccid: string }> {
  const bought = await callApi('POST', `${d.api.url}/api/v1/customer/purchase`, {
    key: who.key,
    body: { service: 'tg', country: 'GB' },
  });
  expect(bought.status).toBe(201);
  const orderId = String(bought.body.order_id);
  const order = await d.rental.orders.get(who.customerId, orderId);
  const modem = d.simulator!.bank.modems.find((m) => m.identity.iccid === order.simIccid);
  modem!.injectSms({ from: 'Telegram', text });
  return { orderId, iccid: order.simIccid };
}

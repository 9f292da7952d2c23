/**
 * The admin API tests' rig: the whole appliance (useAppliance) and small HTTP helpers that speak
 * to /api/v1/admin over real HTTP on 127.0.0.1, with the admin credential or a session cookie.
 */
import type { Daemon } from '../../src/daemon/index.js';
import type { Order } from '../../src/domain/index.js';
import type { ManualClock } from '../../src/shared/index.js';
import type { Appliance, ApplianceOptions } from '../helpers/appliance.js';

export type Json = Record<string, unknown> & { data?: Array<Record<string, unknown>> };

export interface Answer {
  readonly status: number;
  readonly body: Json;
  readonly headers: Headers;
}

export interface AdminRig {
  readonly daemon: Daemon;
  readonly clock: ManualClock;
  readonly dir: string;
  readonly base: string;
  /** The admin credential the daemon generated on start. */
  readonly credential: string;
}

export async function adminRig(
  start: (options?: ApplianceOptions) => Promise<Appliance>,
  options: ApplianceOptions = {},
): Promise<AdminRig> {
  const { daemon, clock, dir } = await start({ prefix: 'simpool-admin-', ...options });
  return {
    daemon,
    clock,
    dir,
    base: daemon.api.url,
    credential: daemon.admin.credential.credential,
  };
}

export interface CallOptions {
  /** An API key (X-API-Key); default: the admin credential unless `cookie` is given. */
  readonly key?: string | null;
  readonly cookie?: string;
  readonly csrf?: string;
  readonly body?: unknown;
}

/** One request to `/api/v1/admin<path>`. */
export async function admin(
  r: AdminRig,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const key = options.key === undefined && !options.cookie ? r.credential : options.key;
  if (key) headers['x-api-key'] = key;
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrf) headers['x-csrf-token'] = options.csrf;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${r.base}/api/v1/admin${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  return {
    status: response.status,
    body: (await response.json()) as Json,
    headers: response.headers,
  };
}

/** Logs in with the credential: the cookie (name=value) and the CSRF token. */
export async function login(r: AdminRig): Promise<{ cookie: string; csrf: string }> {
  const answer = await admin(r, 'POST', '/login', {
    key: null,
    body: { credential: r.credential },
  });
  if (answer.status !== 200) throw new Error(`login failed: ${answer.status}`);
  const setCookie = answer.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0] ?? '', csrf: String(answer.body.csrf_token) };
}

export async function customer(d: Daemon, email: string, usd = 10) {
  const created = await d.rental.customers.createCustomer(email);
  const { plainKey, key } = await d.rental.customers.createKey(created.id, { scopes: ['orders'] });
  if (usd > 0) await d.rental.customers.credit(created.id, usd * 10_000);
  return { customerId: created.id, apiKeyId: key.id, key: plainKey };
}

export function modemOf(d: Daemon, order: Pick<Order, 'simIccid'>) {
  const modem = d.simulator!.bank.modems.find((m) => m.identity.iccid === order.simIccid);
  if (!modem) throw new Error(`no simulated modem holds ${order.simIccid}`);
  return modem;
}

/** Advances the clock in small steps until `done` holds (SMS go modem → store → matching). */
export async function advanceUntilAsync(
  r: AdminRig,
  done: () => Promise<boolean> | boolean,
  what = 'the condition',
): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await done()) return;
    await r.clock.advance(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

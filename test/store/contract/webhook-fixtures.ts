/**
 * The webhook contract suites' database (webhooks.contract.test.ts,
 * webhook-claims.contract.test.ts): a migrated database per engine with two customers, the
 * store of host `host-a` on it (and of other hosts on demand), endpoints and events to seed.
 */
import { afterEach, beforeEach } from 'vitest';
import {
  decideAttempt,
  type AttemptResult,
  type ClaimedDelivery,
  type NewEndpoint,
  type WebhookEventType,
} from '../../../src/domain/index.js';
import type { NewEvent } from '../../../src/store/common/events.js';
import { openEngineStore, type EngineStore } from './engine-store.js';
import { openEngineDatabase, type EngineDatabase, type EngineName } from './engines.js';

export const T0 = Date.UTC(2026, 2, 1, 12);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export const ok: AttemptResult = { kind: 'response', status: 204, body: '', retryAfter: null };
export const refused: AttemptResult = { kind: 'error', message: 'connect ECONNREFUSED' };
export const gone: AttemptResult = {
  kind: 'response',
  status: 410,
  body: 'gone',
  retryAfter: null,
};

let endpoints = 0;
export function endpoint(
  customerId: string | null,
  events: readonly WebhookEventType[] = ['sms.received'],
  now = T0 - HOUR,
): NewEndpoint {
  const n = String(++endpoints).padStart(3, '0');
  return {
    id: `whe_${n}`,
    customerId,
    url: `https://hooks.example.com/${n}`,
    events,
    description: `endpoint ${n}`,
    thresholdUnits: null,
    secret: `whsec_${n}`,
    now,
  };
}

export const sms = (customerId: string, n: number, now = T0): NewEvent => ({
  type: 'sms.received',
  customerId,
  orderId: null,
  data: { n },
  now,
});

export interface DeliveryState {
  readonly id: string;
  readonly endpoint_id: string;
  readonly status: string;
  readonly claimed_by_host: string | null;
  readonly claimed_until: number | null;
}

export interface WebhookDatabase {
  readonly opened: EngineDatabase;
  /** The store of host `host-a`. */
  readonly store: EngineStore;
  /** The store as host `hostId` builds it, on the same database. */
  host(hostId: string): EngineStore;
  exec(sql: string, params?: readonly unknown[]): Promise<void>;
  /** The delivery rows in creation order. */
  deliveries(where?: string, params?: readonly unknown[]): Promise<DeliveryState[]>;
  /** Records `result` for a claimed delivery as host-a's worker does. */
  attempt(claimed: ClaimedDelivery, result: AttemptResult, at: number): Promise<unknown>;
}

/** Registers the suite's beforeEach/afterEach; read the fields inside tests. */
export function useWebhookDatabase(engine: EngineName): WebhookDatabase {
  let opened: EngineDatabase | undefined;
  let stores: EngineStore[] = [];
  let store: EngineStore | undefined;
  const current = () => {
    if (!opened) throw new Error('no database open outside a test');
    return opened;
  };
  const database: WebhookDatabase = {
    get opened() {
      return current();
    },
    get store() {
      if (!store) throw new Error('no store outside a test');
      return store;
    },
    host(hostId) {
      const opened_ = openEngineStore(current(), { hostId });
      stores.push(opened_);
      return opened_;
    },
    exec: (sql, params) => current().exec(sql, params),
    deliveries: (where = '1 = 1', params = []) =>
      current().rows<DeliveryState>(
        `SELECT id, endpoint_id, status, claimed_by_host, claimed_until FROM webhook_deliveries
          WHERE ${where} ORDER BY rowid`,
        params,
      ),
    attempt: (claimed, result, at) =>
      database.store.webhooks.recordAttempt(decideAttempt(claimed, result, at)),
  };
  const customer = (id: string) =>
    database.exec('INSERT INTO customers (id, email, created_at) VALUES (?, ?, ?)', [
      id,
      `${id}@example.com`,
      T0 - 2 * HOUR,
    ]);
  beforeEach(async () => {
    opened = await openEngineDatabase(engine, 'webhooks');
    stores = [];
    store = database.host('host-a');
    await customer('cus_1');
    await customer('cus_2');
  });
  afterEach(async () => {
    for (const s of stores) await s.close();
    await opened?.close();
    opened = undefined;
    store = undefined;
  });
  return database;
}

/**
 * A real SQLite file, a customer, the WebhookService and a delivery worker on a ManualClock
 * that starts at the real time (so Standard Webhooks' timestamp tolerance holds on the first
 * attempt). `restart()` stops the worker, closes the file and opens it again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startWebhookWorker, type WebhookWorker } from '../../src/daemon/webhook-worker.js';
import {
  CustomerService,
  WebhookService,
  type DeliverySettings,
  type EventType,
} from '../../src/domain/index.js';
import { ManualClock, createLogger, silentLogger } from '../../src/shared/index.js';
import { createStore, openDatabase, type SqliteStore } from '../../src/store/index.js';
import { WebhookReceiver, type Received, type Reply } from '../helpers/webhook-receiver.js';

export const MINUTE = 60_000;

export class WebhookFixture {
  readonly clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  readonly dir = mkdtempSync(path.join(tmpdir(), 'simpool-webhooks-'));
  readonly file = path.join(this.dir, 'simpool.db');
  store!: SqliteStore;
  webhooks!: WebhookService;
  customers!: CustomerService;
  worker: WebhookWorker | undefined;

  constructor(private readonly concurrency = 4) {
    this.open();
  }

  private open(): void {
    this.store = createStore(openDatabase(this.file));
    this.customers = new CustomerService(this.store.customers, this.clock);
    this.webhooks = new WebhookService(this.store.webhooks, this.clock, {
      allowPrivate: true,
      onQueued: () => this.worker?.poke(),
    });
  }

  /**
   * `pollMs`: how often the outbox is read unprompted; tests that let hours pass raise it (the
   * worker still wakes at each retry's due time, and settle() pokes it). `timeoutMs`: the request
   * timeout runs on the same clock, so a test that jumps minutes while an answer is on its way
   * raises it, or that answer would be timed out.
   */
  async startWorker(
    options: {
      readonly settings?: DeliverySettings;
      readonly pollMs?: number;
      readonly timeoutMs?: number;
    } = {},
  ): Promise<WebhookWorker> {
    this.worker = await startWebhookWorker({
      port: this.store.webhooks,
      clock: this.clock,
      logger: process.env.WH_DEBUG ? createLogger('debug') : silentLogger,
      concurrency: this.concurrency,
      ...options,
    });
    return this.worker;
  }

  async customer(email: string): Promise<string> {
    return (await this.customers.createCustomer(email)).id;
  }

  /** An outbox event, as the order transactions write it. */
  emit(type: EventType, customerId: string, data: Record<string, unknown> = {}): string {
    this.store.events.append({ type, customerId, orderId: null, data, now: this.clock.now() });
    const row = this.store.db
      .prepare<[], { id: string }>('SELECT id FROM events ORDER BY seq DESC LIMIT 1')
      .get();
    return row!.id;
  }

  /** Runs the worker once now and waits until its sends are answered and recorded. */
  async settle(): Promise<void> {
    this.worker?.poke();
    await this.worker?.idle();
  }

  async advance(ms: number): Promise<void> {
    await this.clock.advance(ms);
  }

  async restart(): Promise<void> {
    await this.worker?.stop();
    this.worker = undefined;
    this.store.db.close();
    this.open();
  }

  /** Verifies with the standardwebhooks package, its "now" being the simulated now. */
  verify(secret: string, request: Received): unknown {
    const spy = vi.spyOn(Date, 'now').mockReturnValue(this.clock.now());
    try {
      return new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    } finally {
      spy.mockRestore();
    }
  }

  async close(): Promise<void> {
    await this.worker?.stop();
    this.store.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A fresh fixture for each test of the file, and receivers on 127.0.0.1 closed after it. */
export function useWebhookFixture() {
  let current: WebhookFixture | undefined;
  const receivers: WebhookReceiver[] = [];
  beforeEach(() => {
    current = new WebhookFixture();
  });
  afterEach(async () => {
    await current?.close();
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  return {
    get fx(): WebhookFixture {
      if (!current) throw new Error('useWebhookFixture: used outside a test');
      return current;
    },
    async receiver(script?: (n: number) => Reply): Promise<WebhookReceiver> {
      const r = await new WebhookReceiver(script).listen();
      receivers.push(r);
      return r;
    },
  };
}

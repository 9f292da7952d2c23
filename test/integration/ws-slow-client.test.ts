import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildServer, type ApiDeps } from '../../src/api/index.js';
import { createGuards } from '../../src/api/plugins/guards.js';
import { registerOrderFeed } from '../../src/api/ws/index.js';
import { CustomerService, type OrderDetail, type OrderService } from '../../src/domain/index.js';
import { ManualClock, silentLogger } from '../../src/shared/index.js';
import { createRepositories, openDatabase } from '../../src/store/index.js';

/**
 * A client that completes the handshake and never reads is terminated once its send buffer
 * passes the limit, while a reading client of the same customer keeps getting every frame.
 * The server is buildServer listening on 127.0.0.1 over a real SQLite outbox; events are
 * appended straight to the outbox (large SMS texts, so the kernel buffers fill quickly) and the
 * order lookup is a stand-in, as no modem is involved.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const LIMIT = 256 * 1024;

it('terminates a client that never reads, keeping its buffer bounded', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-ws-slow-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const db = openDatabase(path.join(dir, 'simpool.db'));
  cleanups.push(() => void db.close());
  const store = createRepositories(db);
  const clock = new ManualClock(Date.UTC(2026, 10, 22, 12));
  const customers = new CustomerService(store.customers, clock);
  const alice = await customers.createCustomer('alice@example.com');
  const { plainKey } = await customers.createKey(alice.id, { scopes: ['orders'] });
  const order = { id: 'ord_slow', customerId: alice.id, sandbox: false } as const;
  const orders = {
    get: (customerId: string, ref: string) =>
      customerId === alice.id && ref === order.id
        ? Promise.resolve(stubOrder(order.id, alice.id))
        : Promise.reject(Object.assign(new Error('no such order'), { code: 'order_not_found' })),
  } as unknown as OrderService;
  const deps = {
    customers,
    orders,
    clock,
    logger: silentLogger,
    config: { rateLimitPerMinute: 60, legacyMode: 'sms-activate' },
  } as unknown as ApiDeps;
  // Registered here rather than through deps.events, to read the feed's counters.
  const app = buildServer(deps);
  const feed = registerOrderFeed(
    app,
    { ...deps, events: store.events, guards: createGuards(deps) },
    { maxBufferedBytes: LIMIT },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => app.close());
  const { port } = app.server.address() as net.AddressInfo;

  // The slow client: a raw socket that sends the upgrade and then never reads a byte.
  const raw = net.connect(port, '127.0.0.1');
  raw.pause();
  let rawClosed = false;
  raw.on('close', () => (rawClosed = true));
  raw.on('error', () => undefined);
  cleanups.push(() => void raw.destroy());
  await new Promise((resolve) => raw.once('connect', resolve));
  raw.write(
    `GET /ws/orders?api_key=${plainKey} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
      `Sec-WebSocket-Version: 13\r\n\r\n`,
  );
  // A reader on the same customer, to show that dropping one client does not stop the others.
  const reader = new WebSocket(`ws://127.0.0.1:${port}/ws/orders?api_key=${plainKey}`);
  let received = 0;
  reader.on('message', () => received++);
  await new Promise((resolve) => reader.once('open', resolve));
  cleanups.push(() => reader.terminate());
  for (let i = 0; i < 5; i++) await clock.advance(0); // both attached on the feed's queue

  const text = 'x'.repeat(60 * 1024);
  const append = db.transaction((i: number) =>
    store.events.append({
      type: 'sms.received',
      customerId: alice.id,
      orderId: order.id,
      data: { order_id: order.id, code: String(i), full_text: text, received_at: 'now' },
      now: clock.now(),
    }),
  );
  // Up to ~24 MB of frames: far past the kernel's socket buffers, so the server must queue.
  let appended = 0;
  for (; appended < 200 && feed.stats.dropped === 0; appended++) {
    append(appended);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  expect(feed.stats.dropped).toBe(1);
  // Never more than the limit queued for one socket (plus a frame header).
  expect(feed.stats.peakBufferedBytes).toBeLessThanOrEqual(LIMIT + 16);
  expect(appended).toBeLessThan(200);

  // The reading client got every frame (an SMS frame and an order frame per event).
  for (let i = 0; i < 500 && received < appended * 2; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(received).toBe(appended * 2);
  expect(reader.readyState).toBe(WebSocket.OPEN);
  expect(feed.connections).toBe(1);
  // The server's side is gone: once the client drains what its kernel holds, it sees the end.
  raw.resume();
  for (let i = 0; i < 500 && !rawClosed; i++) await new Promise((r) => setTimeout(r, 10));
  expect(rawClosed).toBe(true);
});

function stubOrder(id: string, customerId: string): OrderDetail {
  return {
    id,
    activationId: 1,
    customerId,
    apiKeyId: 'key_1',
    sandbox: false,
    service: 'tg',
    country: 'GB',
    priceUnits: 5000,
    simIccid: '8944000000000000001',
    phoneNumber: '+447700900001',
    status: 'received',
    createdAt: 0,
    numberAssignedAt: 0,
    holdUntil: 0,
    expiresAt: 0,
    closedAt: null,
    lastCode: null,
    smsCount: 1,
    messages: [],
    numbers: [],
    simOperator: null,
    calls: [],
  };
}

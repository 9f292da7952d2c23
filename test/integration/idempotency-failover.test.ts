/**
 * An Idempotency-Key survives the death of the host (or process) that first took it: the claim
 * names its holder, a retry takes it over at once when that holder is dead, and the re-run finds
 * the effect the dead holder committed (the same order, the same message) instead of making a
 * second one. A live holder's claim still answers 409.
 *
 * The dead host's part is played through the ports exactly as its API would have (claim with
 * its holder, the purchase or send carrying the claim), stopping where a kill -9 stops it: after
 * the effect committed, before the response was stored. The retry goes through a real API.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildServer, type ApiServer } from '../../src/api/index.js';
import { requestFingerprint } from '../../src/api/plugins/idempotency.js';
import {
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_TTL_MS,
  MessagingService,
  OrderService,
  type ClaimHolder,
  type ClaimedIdempotencyKey,
  type HostSession,
  type IdempotencyPort,
} from '../../src/domain/index.js';
import { silentLogger } from '../../src/shared/index.js';
import type { SqliteStore } from '../../src/store/index.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import { OrderFixture, iccid } from '../unit/domain/order-fixture.js';
import type { EngineName } from '../store/contract/engines.js';

const PURCHASE = '/api/v1/customer/purchase';
const BUY = { service: 'tg', country: 'GB' };
const MESSAGES = '/api/v1/messages/';
const SMS = { to: '+447700900123', body: 'Your table is ready' };
const TTL = 15_000;

let fx: OrderFixture<EngineName>;
let apps: ApiServer[];
let sessions: HostSession[];
let alice: { customerId: string; plainKey: string };

async function setUp(engine: EngineName): Promise<void> {
  fx = await OrderFixture.open(engine);
  await fx.seed();
  for (const n of [1, 2, 3]) await fx.addSim({ iccid: iccid(n) });
  const customer = await fx.customers.createCustomer('alice@example.com');
  const key = await fx.customers.createKey(customer.id, { scopes: ['orders', 'messages'] });
  await fx.customers.credit(customer.id, 100_000);
  alice = { customerId: customer.id, plainKey: key.plainKey };
  apps = [];
  sessions = [];
}

async function tearDown(): Promise<void> {
  for (const app of apps) await app.close();
  for (const session of sessions) await session.stop().catch(() => undefined);
  await fx.close();
}

async function startHost(store: SqliteStore | PostgresStore, hostId: string): Promise<HostSession> {
  const session = await store.hosts.start({ hostId, version: 't', apiUrl: null, leaseTtlMs: TTL });
  sessions.push(session);
  return session;
}

const holderOf = (session: HostSession): ClaimHolder => ({
  hostId: session.hostId,
  epoch: session.epoch,
});

/** A host's customer and messaging API over its store, its claims held by `session`. */
async function apiOf(store: SqliteStore | PostgresStore, session: HostSession): Promise<ApiServer> {
  const app = buildServer({
    catalog: fx.catalog,
    customers: fx.customers,
    orders: new OrderService(store.orders, fx.clock),
    matching: fx.matching,
    messaging: new MessagingService(store.messaging, fx.clock),
    idempotency: store.idempotency,
    idempotencyHolder: holderOf(session),
    clock: fx.clock,
    logger: silentLogger,
    config: { rateLimitPerMinute: 600, legacyMode: 'sms-activate' },
  });
  await app.ready();
  apps.push(app);
  return app;
}

/** What the dead host's API did first: claim `key` for this request, as `session`. */
async function claimAs(
  idempotency: IdempotencyPort,
  session: HostSession,
  key: string,
  url: string,
  body: object,
): Promise<ClaimedIdempotencyKey> {
  const scope = `${alice.customerId}:live`;
  const claimId = randomUUID();
  const now = fx.clock.now();
  const found = await idempotency.claim(
    {
      scope,
      key,
      fingerprint: requestFingerprint('POST', url, body),
      claimId,
      holder: holderOf(session),
    },
    now,
    { expiredBefore: now - IDEMPOTENCY_TTL_MS, abandonedBefore: now - IDEMPOTENCY_LEASE_MS },
  );
  expect(found).toBeNull();
  return { scope, key, claimId };
}

function post(app: ApiServer, url: string, key: string, payload: object) {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'x-api-key': alice.plainKey, 'idempotency-key': key },
    payload,
  });
}

const purchases = () => fx.count("ledger WHERE type = 'purchase'");

/** Host A (the fixture's store) and host B (a pool of its own, with its API), both running. */
async function hostsAandB() {
  const storeB = (await fx.otherHost('host-b')) as PostgresStore;
  const a = await startHost(fx.store, 'host-a');
  const b = await startHost(storeB, 'host-b');
  return { a, b, apiB: await apiOf(storeB, b) };
}

/** Host A's lease runs out (as after kill -9) and B reaps it. */
async function killAndReapA(b: HostSession): Promise<void> {
  await fx.exec("UPDATE hosts SET lease_until = 0 WHERE id = 'host-a'");
  expect((await b.reapDeadHosts()).map((r) => r.hostId)).toEqual(['host-a']);
}

describe('Idempotency-Key across hosts on PostgreSQL', () => {
  beforeEach(() => setUp('postgres'));
  afterEach(tearDown);

  it("a retry on host B gets host A's order once A is reaped; a live A still gets 409", async () => {
    const { a, b, apiB } = await hostsAandB();

    // Host A takes two keys; it commits a purchase with the first, then dies (no response).
    const bought = await claimAs(fx.store.idempotency, a, 'buy-committed', PURCHASE, BUY);
    const order = await fx.orders.purchase(
      { customerId: alice.customerId, apiKeyId: await keyId() },
      { ...BUY, claimedKey: bought },
    );
    await claimAs(fx.store.idempotency, a, 'buy-never-ran', PURCHASE, BUY);
    const balanceAfterA = await fx.customers.balance(alice.customerId);

    // While A's lease runs, its claims are in flight: 409, nothing bought.
    const early = await post(apiB, PURCHASE, 'buy-committed', BUY);
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: 'idempotency_conflict' });
    expect(await purchases()).toBe(1);

    // A's lease runs out and B reaps it: its claims are dead at once, no 5-minute wait.
    await killAndReapA(b);

    const retry = await post(apiB, PURCHASE, 'buy-committed', BUY);
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toMatchObject({
      order_id: order.id,
      activation_id: String(order.activationId),
      phone_number: order.phoneNumber,
    });
    expect(await purchases()).toBe(1);
    expect(await fx.customers.balance(alice.customerId)).toBe(balanceAfterA);
    // Stored now: the next retry is a replay of the same answer.
    const replay = await post(apiB, PURCHASE, 'buy-committed', BUY);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(retry.body);

    // The claim whose holder died before buying runs afresh on B: one new order.
    const fresh = await post(apiB, PURCHASE, 'buy-never-ran', BUY);
    expect(fresh.statusCode).toBe(201);
    expect(fresh.json<{ order_id: string }>().order_id).not.toBe(order.id);
    expect(await purchases()).toBe(2);
    expect(await fx.customers.balance(alice.customerId)).toBe(balanceAfterA - order.priceUnits);
  });

  it("a retry of a queued message on host B gets A's message: one message, one SMS", async () => {
    const { a, b, apiB } = await hostsAandB();
    const sent = await claimAs(fx.store.idempotency, a, 'send-1', MESSAGES, SMS);
    const queued = await new MessagingService(fx.store.messaging, fx.clock).send(
      { ...SMS, claimedKey: sent },
      {
        customerId: alice.customerId,
        apiKeyId: await keyId(),
        scopes: ['messages'],
        sandbox: false,
      },
    );
    expect((await post(apiB, MESSAGES, 'send-1', SMS)).statusCode).toBe(409);
    await killAndReapA(b);
    const retry = await post(apiB, MESSAGES, 'send-1', SMS);
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toMatchObject({ id: queued.id, status: 'queued', parts: 1 });
    expect(await fx.count('outbound_messages')).toBe(1);
    expect(await fx.count('outbound_parts')).toBe(1);
  });
});

describe('Idempotency-Key across a restart on SQLite', () => {
  beforeEach(() => setUp('sqlite'));
  afterEach(tearDown);

  it("a retry after the restart gets the earlier run's order, not 409, not a second purchase", async () => {
    const store = fx.store as SqliteStore;
    const firstRun = await startHost(store, 'appliance');
    const bought = await claimAs(store.idempotency, firstRun, 'buy-1', PURCHASE, BUY);
    const order = await fx.orders.purchase(
      { customerId: alice.customerId, apiKeyId: await keyId() },
      { ...BUY, claimedKey: bought },
    );
    // kill -9: the lock goes with the process, the row stays as it was (not stopped).
    await firstRun.stop();
    await fx.exec('UPDATE hosts SET stopped_at = NULL');
    await fx.reopen();
    const secondRun = await startHost(fx.store, 'appliance');
    expect(secondRun.epoch).toBe(2);
    const api = await apiOf(fx.store, secondRun);

    const retry = await post(api, PURCHASE, 'buy-1', BUY);
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toMatchObject({
      order_id: order.id,
      activation_id: String(order.activationId),
    });
    expect(await purchases()).toBe(1);

    // A claim of this run, in flight, is live: 409 as before.
    await claimAs(fx.store.idempotency, secondRun, 'buy-2', PURCHASE, BUY);
    const busy = await post(api, PURCHASE, 'buy-2', BUY);
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toMatchObject({ error: 'idempotency_conflict' });
    expect(await purchases()).toBe(1);
  });
});

async function keyId(): Promise<string> {
  const [key] = await fx.customers.listKeys(alice.customerId);
  return key!.id;
}

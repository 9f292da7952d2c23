/**
 * A realistic appliance to copy: a daemon run on simulated modems and a real SQLite file,
 * driven through its services and HTTP API (customers, keys, deposits, live and sandbox
 * purchases, a matched SMS, a finish, a cancel, an outbound message, a webhook endpoint with
 * deliveries), stopped, and its file saved with SQLite's backup (page by page: rowids kept).
 * Also the readers the copy's tests compare with.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { loadConfig, startDaemon, type Daemon } from '../../src/daemon/index.js';
import { ManualClock, silentLogger } from '../../src/shared/index.js';
import { callApi, newCustomer } from '../helpers/customer-api.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

async function advanceUntil(
  clock: ManualClock,
  done: () => Promise<boolean> | boolean,
  what: string,
): Promise<void> {
  for (let step = 0; step < 600; step++) {
    if (await done()) return;
    await clock.advance(100);
  }
  throw new Error(`never happened: ${what}`);
}

async function drive(daemon: Daemon, clock: ManualClock, receiver: WebhookReceiver) {
  const { customers, orders } = daemon.rental;
  const alice = await newCustomer(daemon, 'alice@example.com', 20);
  const bob = await newCustomer(daemon, 'bob@example.com', 5);
  await customers.credit(bob.customerId, 12_345, { type: 'admin_credit' });
  await daemon.webhooks.service.create(
    { customerId: alice.customerId },
    { url: receiver.url, events: ['sms.received', 'order.finished', 'order.cancelled'] },
  );

  // Alice: one order gets its SMS and is finished.
  const bought = await callApi('POST', `${daemon.api.url}/api/v1/customer/purchase`, {
    key: alice.key,
    body: { service: 'tg', country: 'GB' },
  });
  expect(bought.status).toBe(201);
  const orderId = String(bought.body.order_id);
  const order = await orders.get(alice.customerId, orderId);
  const modem = daemon.simulator!.bank.modems.find((m) => m.identity.iccid === order.simIccid);
  modem!.injectSms({ from: 'Telegram', text: 'Telegram code 48213' });
  await advanceUntil(
    clock,
    async () => (await orders.get(alice.customerId, orderId)).status === 'received',
    'the SMS reaches the order',
  );
  await orders.finish(alice.customerId, orderId);

  // Bob: an order cancelled once its hold has passed (refunded).
  const bobKey = await customers.authenticate(bob.key);
  const held = await orders.purchase(
    { customerId: bob.customerId, apiKeyId: bobKey!.key.id },
    { service: 'wa', country: 'GB' },
  );
  await clock.advance(121_000);
  await orders.cancel(bob.customerId, held.id);

  // A sandbox customer: play money and a synthetic SMS.
  const dev = await customers.createCustomer('dev@example.com');
  const { key: devKey } = await customers.createKey(dev.id, { sandbox: true });
  const play = await orders.purchase(
    { customerId: dev.id, apiKeyId: devKey.id },
    { service: 'tg', country: 'GB' },
  );
  await advanceUntil(
    clock,
    async () => (await orders.get(dev.id, play.id)).messages.length > 0,
    'the sandbox SMS',
  );

  // The operator sends an SMS through the Messaging API.
  const { plainKey } = await daemon.admin.operator.createKey(['messages']);
  const sent = await callApi('POST', `${daemon.api.url}/api/v1/messages`, {
    key: plainKey,
    body: { to: '+447700900123', body: 'hello from the appliance' },
  });
  expect(sent.status).toBe(202);
  await advanceUntil(
    clock,
    async () => {
      const shown = await callApi(
        'GET',
        `${daemon.api.url}/api/v1/messages/${String(sent.body.id)}`,
        {
          key: plainKey,
        },
      );
      return shown.body.status === 'delivered';
    },
    'the outbound message is delivered',
  );
  await advanceUntil(clock, () => receiver.received.length >= 2, 'webhook deliveries');
}

/** Builds the appliance and saves its database as `${dir}/appliance.db`; returns that path. */
export async function buildApplianceFile(dir: string): Promise<string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'simpool-copy-source-'));
  const receiver = await new WebhookReceiver().listen();
  const clock = new ManualClock(Date.UTC(2026, 10, 22, 12));
  const loaded = loadConfig(
    undefined,
    {
      dataDir,
      hostId: 'copy-source',
      modems: ['simulated:5'],
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    },
    {},
  );
  const config = {
    ...loaded,
    simulatorControlPort: 0,
    webhooks: { ...loaded.webhooks, allowPrivate: true },
    api: { ...loaded.api, rateLimitPerMinute: 100_000 },
  };
  const daemon = await startDaemon(config, { clock, logger: silentLogger });
  try {
    await advanceUntil(
      clock,
      () => daemon.pool.modems().every((m) => m.state === 'ready'),
      'modems ready',
    );
    await drive(daemon, clock, receiver);
  } finally {
    await daemon.stop();
    await receiver.close();
  }
  const file = path.join(dir, 'appliance.db');
  const db = new Database(path.join(dataDir, 'simpool.db'), { readonly: true });
  try {
    await db.backup(file);
  } finally {
    db.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  return file;
}

export const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

export type Row = Record<string, unknown>;

/** The source's data tables and their rows (SQLite's own tables and the migrations' left out). */
export function sourceTables(file: string): Map<string, Row[]> {
  const db = new Database(file, { readonly: true });
  try {
    const names = db
      .prepare<[], string>(
        `SELECT name FROM sqlite_schema WHERE type = 'table'
           AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name`,
      )
      .pluck()
      .all();
    return new Map(names.map((n) => [n, db.prepare<[], Row>(`SELECT * FROM "${n}"`).all()]));
  } finally {
    db.close();
  }
}

/** Rows as comparable, order-free text, with only the given columns. */
export function canonical(rows: readonly Row[], columns: readonly string[]): string[] {
  return rows.map((r) => JSON.stringify(columns.map((c) => r[c] ?? null))).sort();
}

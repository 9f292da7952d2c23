import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import type { ManualClock } from '../../src/shared/index.js';
import { advanceBy, advanceUntil } from '../helpers/advance.js';
import { useAppliance } from '../helpers/appliance.js';
import { requireTool } from '../helpers/require-tool.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * `GET /metrics` of the whole appliance (simulated modems, pool, SQLite, order engine, webhook
 * worker on one ManualClock), scraped over real HTTP before and after a customer buys a number
 * and its SIM receives the code: the figures move, the text is Prometheus' exposition format,
 * and no label carries a phone number.
 */
const appliance = useAppliance();

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

interface Scrape {
  readonly text: string;
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
  /** The value of the one sample of `name` whose labels include `labels`. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/gy;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Parses the text format strictly enough that a malformed line fails the test. */
function parse(text: string): Scrape {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/.exec(line);
    if (type) {
      expect(TYPES, line).toContain(type[2]);
      expect(types.has(type[1]!), `${type[1]} typed twice`).toBe(false);
      types.set(type[1]!, type[2]!);
      continue;
    }
    const sample = SAMPLE.exec(line);
    expect(sample, `not a sample line: ${line}`).not.toBeNull();
    const [, name, rawLabels = '', rawValue] = sample!;
    const labels: Record<string, string> = {};
    let read = 0;
    LABEL.lastIndex = 0;
    for (let m = LABEL.exec(rawLabels); m; m = LABEL.exec(rawLabels)) {
      labels[m[1]!] = m[2]!;
      read = LABEL.lastIndex;
    }
    expect(read, `labels of ${line}`).toBe(rawLabels.length);
    // Go's ParseFloat (Prometheus' parser) takes NaN in any case; prom-client writes `Nan`.
    const value = /^nan$/i.test(rawValue!) ? NaN : Number(rawValue!.replace(/Inf$/, 'Infinity'));
    expect(Number.isNaN(value) && !/^nan$/i.test(rawValue!), line).toBe(false);
    // Every sample belongs to a family announced by a # TYPE line before it.
    const family = [name!, name!.replace(/_(bucket|sum|count)$/, '')].find((n) => types.has(n));
    expect(family, `${name} has no # TYPE line`).toBeDefined();
    samples.push({ name: name!, labels, value });
  }
  return {
    text,
    types,
    samples,
    value: (name, wanted = {}) =>
      samples.find(
        (s) => s.name === name && Object.entries(wanted).every(([k, v]) => s.labels[k] === v),
      )?.value,
  };
}

async function scrape(base: string): Promise<Scrape> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await response.text());
}

async function customer(d: Daemon) {
  const created = await d.rental.customers.createCustomer('ops@example.com');
  const { plainKey } = await d.rental.customers.createKey(created.id, { scopes: ['orders'] });
  await d.rental.customers.credit(created.id, 10 * 10_000);
  return { customerId: created.id, key: plainKey };
}

async function waitForCode(d: Daemon, clock: ManualClock, customerId: string, orderId: string) {
  for (let i = 0; i < 300; i++) {
    if ((await d.rental.orders.get(customerId, orderId)).status === 'received') return;
    await clock.advance(50);
  }
  throw new Error('the SMS never reached the order');
}

describe('GET /metrics', () => {
  it('counts SMS, orders, webhook work and HTTP requests, and shows every modem', async () => {
    const { daemon, clock } = await appliance.start({
      prefix: 'simpool-metrics-',
      modems: 2,
      configure: (config) => ({ ...config, webhooks: { ...config.webhooks, allowPrivate: true } }),
    });
    const base = daemon.api.url;
    const before = await scrape(base);
    expect(before.types.get('simpool_sms_inbound_total')).toBe('counter');
    expect(before.types.get('simpool_http_request_duration_seconds')).toBe('histogram');
    expect(before.types.get('process_cpu_seconds_total')).toBe('counter');
    // Totals that only grow are counters; the work in progress is a gauge.
    expect(before.types.get('simpool_orders_closed_total')).toBe('counter');
    expect(before.types.get('simpool_sms_outbound_finished_total')).toBe('counter');
    expect(before.types.get('simpool_webhook_deliveries_finished_total')).toBe('counter');
    expect(before.types.get('simpool_orders')).toBe('gauge');
    expect(before.value('simpool_orders_closed_total', { status: 'finished', mode: 'live' })).toBe(
      0,
    );
    expect(before.value('simpool_orders', { status: 'finished', mode: 'live' })).toBeUndefined();
    expect(before.value('simpool_webhook_deliveries_finished_total', { status: 'succeeded' })).toBe(
      0,
    );
    expect(before.value('simpool_sms_outbound_finished_total', { status: 'delivered' })).toBe(0);
    expect(before.value('simpool_sms_inbound_total')).toBe(0);
    expect(before.value('simpool_orders', { status: 'waiting', mode: 'live' })).toBe(0);
    for (const modem of daemon.pool.modems()) {
      expect(before.value('simpool_modem_state', { modem: modem.address, state: 'ready' })).toBe(1);
      const signal = before.value('simpool_modem_signal_dbm', { modem: modem.address });
      expect(signal).toBe(modem.signalDbm);
      expect(signal).toBeLessThan(0);
    }

    // A receiver that fails every delivery keeps them pending (retried in a minute).
    const rx = await new WebhookReceiver(() => ({ status: 503 })).listen();
    appliance.defer(() => rx.close());
    const alice = await customer(daemon);
    await daemon.webhooks.service.create(
      { customerId: alice.customerId },
      { url: rx.url, events: ['sms.received'] },
    );
    const bought = await fetch(`${base}/api/v1/customer/purchase`, {
      method: 'POST',
      headers: { 'x-api-key': alice.key, 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'tg', country: 'GB' }),
    });
    expect(bought.status).toBe(201);
    const order = (await bought.json()) as { order_id: string; phone_number: string };
    const detail = await daemon.rental.orders.get(alice.customerId, order.order_id);
    const modem = daemon.simulator!.bank.modems.find((m) => m.identity.iccid === detail.simIccid);
    modem!.injectSms({ from: '+447700900123', text: 'Your code: 48213' });
    await waitForCode(daemon, clock, alice.customerId, order.order_id);
    await advanceUntil(clock, () => rx.received.length > 0);
    await advanceBy(clock, 5_000);

    const after = await scrape(base);
    expect(after.value('simpool_sms_inbound_total')).toBe(1);
    expect(after.value('simpool_orders', { status: 'received', mode: 'live' })).toBe(1);
    expect(after.value('simpool_orders', { status: 'waiting', mode: 'live' })).toBe(0);
    expect(after.value('simpool_webhook_deliveries', { status: 'pending' })).toBe(1);
    expect(after.value('simpool_queue_depth', { queue: 'webhook_deliveries' })).toBe(1);
    expect(after.value('simpool_queue_depth', { queue: 'outbound_parts' })).toBe(0);
    expect(after.value('simpool_webhook_lag_seconds')).toBeGreaterThanOrEqual(5);
    // The purchase is timed under its route pattern; the order page under `:id`, not the id.
    await fetch(`${base}/api/v1/customer/order/${order.order_id}`, {
      headers: { 'x-api-key': alice.key },
    }).then((r) => r.arrayBuffer());
    // The customer confirms the code: the order closes, counted once as finished.
    const finished = await fetch(`${base}/api/v1/customer/order/${order.order_id}/finish`, {
      method: 'POST',
      headers: { 'x-api-key': alice.key },
    });
    expect(finished.status).toBe(200);
    const last = await scrape(base);
    expect(last.value('simpool_orders', { status: 'received', mode: 'live' })).toBe(0);
    expect(last.value('simpool_orders_closed_total', { status: 'finished', mode: 'live' })).toBe(1);
    const timed = (route: string, method: string, code: string) =>
      last.value('simpool_http_request_duration_seconds_count', {
        route,
        method,
        status_code: code,
      });
    expect(timed('/api/v1/customer/purchase', 'POST', '201')).toBe(1);
    expect(timed('/api/v1/customer/order/:id', 'GET', '200')).toBe(1);
    expect(timed('/metrics', 'GET', '200')).toBeGreaterThanOrEqual(2);

    // No phone number anywhere: not the rented one, not the sender, not as a label value.
    const digits = order.phone_number.replace(/\D/g, '');
    for (const text of [digits, '447700900123', order.order_id]) {
      expect(last.text).not.toContain(text);
    }
    for (const sample of last.samples) {
      for (const value of Object.values(sample.labels)) {
        expect(value, `${sample.name} label`).not.toMatch(/\+?\d{7,}/);
      }
    }
  });

  it('shows every state of every modem, 0 or 1, so a state change moves values, not series', async () => {
    const { daemon, clock } = await appliance.start({
      prefix: 'simpool-metrics-state-',
      modems: 2,
    });
    const states = (m: Scrape, modem: string) =>
      Object.fromEntries(
        m.samples
          .filter((s) => s.name === 'simpool_modem_state' && s.labels.modem === modem)
          .map((s) => [s.labels.state!, s.value]),
      );
    const everyState = ['connecting', 'initializing', 'ready', 'degraded', 'recovering', 'offline'];
    const before = await scrape(daemon.api.url);
    for (const modem of ['simulated:0', 'simulated:1']) {
      expect(Object.keys(states(before, modem)).sort()).toEqual([...everyState].sort());
      expect(states(before, modem)).toMatchObject({ ready: 1, recovering: 0, offline: 0 });
    }
    // simulated:0 stops answering: the pool takes it out of `ready`.
    daemon.simulator!.bank.modems[0]!.fault({ kind: 'hang' });
    const hung = () => daemon.pool.modems().find((m) => m.address === 'simulated:0')!.state;
    await advanceUntil(clock, () => hung() !== 'ready');
    const after = await scrape(daemon.api.url);
    const now = states(after, 'simulated:0');
    expect(Object.keys(now).sort()).toEqual([...everyState].sort());
    expect(now.ready).toBe(0);
    expect(now[hung()]).toBe(1);
    expect(Object.values(now).reduce((a, b) => a + b, 0)).toBe(1);
    expect(states(after, 'simulated:1')).toMatchObject({ ready: 1 });
  });

  it('passes `promtool check metrics` on the whole output', async () => {
    const promtool = requireTool('promtool', 'prometheus');
    const { daemon } = await appliance.start({ prefix: 'simpool-metrics-promtool-', modems: 1 });
    // Every family with samples: a request timed, an order, a webhook endpoint's figures.
    await fetch(`${daemon.api.url}/health`).then((r) => r.arrayBuffer());
    await fetch(`${daemon.api.url}/stubs/handler_api.php?action=getBalance&api_key=nope`).then(
      (r) => r.arrayBuffer(),
    );
    const { text } = await scrape(daemon.api.url);
    const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect(`${check.stdout}${check.stderr}`.trim()).toBe('');
    expect(check.status).toBe(0);
  });

  it('times requests no route matched under one label, never their URL', async () => {
    const { daemon } = await appliance.start({ prefix: 'simpool-metrics-404-', modems: 1 });
    await fetch(`${daemon.api.url}/stubs/447700900123`).then((r) => r.arrayBuffer());
    const metrics = await scrape(daemon.api.url);
    expect(metrics.text).not.toContain('447700900123');
    expect(
      metrics.value('simpool_http_request_duration_seconds_count', {
        route: 'unmatched',
        status_code: '404',
      }),
    ).toBe(1);
  });
});

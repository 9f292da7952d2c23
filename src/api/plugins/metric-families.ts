/**
 * The appliance's Prometheus metrics on a registry of their own (never prom-client's global one,
 * so two servers in one process, as in tests, do not share figures). The store and pool figures
 * are read at scrape time (`refresh`); the HTTP histogram is fed by every response.
 *
 * Labels carry only bounded, non-personal values: statuses, route patterns, methods, status
 * codes and modem slot addresses. Never a URL as sent, a phone number or a customer id.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  DELIVERY_STATUSES,
  OPEN_STATUSES,
  ORDER_STATUSES,
  OUTBOUND_STATUSES,
  type ModemReading,
  type StatsPort,
  type StatusCounts,
} from '../../domain/index.js';
import { CounterFromTotals } from './counter-from-totals.js';

/** Where the scrape-time figures come from; the daemon passes them (ApiDeps.metrics). */
export interface MetricsSources {
  readonly stats: StatsPort;
  readonly modems: () => readonly ModemReading[];
  /** Every lifecycle state a modem can be in: `simpool_modem_state` shows each, 0 or 1. */
  readonly modemStates: readonly string[];
}

/**
 * Final statuses: their row counts only grow (counters). The others are work in progress, up
 * and down (gauges); a status the lists do not know yet is shown as a gauge.
 */
const ORDER_OUTCOMES = ORDER_STATUSES.filter(
  (s) => !(OPEN_STATUSES as readonly string[]).includes(s),
);
const OUTBOUND_OUTCOMES: readonly string[] = ['delivered', 'failed', 'expired', 'unknown'];
const DELIVERY_OUTCOMES: readonly string[] = ['succeeded', 'failed', 'cancelled'];

/**
 * prom-client's `nodejs_active_{handles,requests,resources}_total` are gauges named like
 * counters (promtool refuses them); they are the sums of the per-type gauges without the
 * suffix, which stay: `sum(nodejs_active_handles)`.
 */
const MISNAMED_PROCESS_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

let processRegistry: Registry | undefined;

/**
 * Process figures (CPU, memory, event loop lag, GC …) belong to the process, not to one server:
 * collected once into a registry of their own (prom-client's default collectors start observers
 * that are never stopped, so one set per process).
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
    for (const name of MISNAMED_PROCESS_GAUGES) processRegistry.removeSingleMetric(name);
  }
  return processRegistry;
}

export class ApplianceMetrics {
  private readonly registry = new Registry();
  private readonly gauge = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    new Gauge<L>({ name, help, labelNames, registers: [this.registry] });

  private readonly smsIn = new CounterFromTotals({
    name: 'simpool_sms_inbound_total',
    help: 'Inbound SMS stored since the database was created.',
    registry: this.registry,
  });
  private readonly smsOut = this.gauge(
    'simpool_sms_outbound_messages',
    'Outbound SMS messages in progress by status: queued, sending, sent (awaiting a report).',
    ['status'],
  );
  private readonly smsOutFinished = new CounterFromTotals({
    name: 'simpool_sms_outbound_finished_total',
    help: 'Outbound SMS messages that reached a final status: delivered, failed, expired.',
    labelNames: ['status'],
    registry: this.registry,
  });
  private readonly queueDepth = this.gauge(
    'simpool_queue_depth',
    'Work waiting: outbound SMS parts queued for a modem, webhook deliveries pending.',
    ['queue'],
  );
  private readonly deliveries = this.gauge(
    'simpool_webhook_deliveries',
    'Webhook deliveries in progress by status: pending, delivering.',
    ['status'],
  );
  private readonly deliveriesFinished = new CounterFromTotals({
    name: 'simpool_webhook_deliveries_finished_total',
    help: 'Webhook deliveries that reached a final status: succeeded, failed, cancelled.',
    labelNames: ['status'],
    registry: this.registry,
  });
  private readonly webhookLag = this.gauge(
    'simpool_webhook_lag_seconds',
    'Age of the oldest pending webhook delivery; 0 when none is pending.',
  );
  private readonly orders = this.gauge(
    'simpool_orders',
    'Open orders by status (waiting, received, retry), live and sandbox apart.',
    ['status', 'mode'],
  );
  private readonly ordersClosed = new CounterFromTotals({
    name: 'simpool_orders_closed_total',
    help: 'Orders closed by outcome (finished, cancelled, expired), live and sandbox apart.',
    labelNames: ['status', 'mode'],
    registry: this.registry,
  });
  private readonly modemState = this.gauge(
    'simpool_modem_state',
    'Modems by slot: every state, 1 for the one the modem is in now and 0 for the others.',
    ['modem', 'state'],
  );
  private readonly modemSignal = this.gauge(
    'simpool_modem_signal_dbm',
    'Signal strength of the last health poll, per modem slot.',
    ['modem'],
  );
  /** Fed by the failed-authentication throttle (auth-throttle.ts) as it happens. */
  readonly authFailures = new Counter({
    name: 'simpool_auth_failures_total',
    help: 'Failed authentications (wrong API key or admin credential) by door.',
    labelNames: ['door'],
    registers: [this.registry],
  });
  readonly authRefusals = new Counter({
    name: 'simpool_auth_throttled_total',
    help: 'Authentication attempts refused unseen after too many failures from the address.',
    labelNames: ['door'],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'simpool_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern, method and status code.',
    labelNames: ['route', 'method', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor(
    private readonly sources: MetricsSources | undefined,
    private readonly now: () => number,
  ) {}

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text: process metrics, then the appliance's, read fresh. */
  async render(): Promise<string> {
    await this.refresh();
    return (await processMetrics().metrics()) + (await this.registry.metrics());
  }

  private async refresh(): Promise<void> {
    if (!this.sources) return;
    const stats = await this.sources.stats.trafficStats();
    const modems = this.sources.modems();
    // Everything below is synchronous: a concurrent scrape never sees half an update.
    this.smsIn.observe({}, stats.inboundMessages);
    const outbound = splitOutcomes(stats.outboundMessages, OUTBOUND_STATUSES, OUTBOUND_OUTCOMES);
    setByStatus(this.smsOut, outbound.inProgress);
    for (const [status, n] of outbound.outcomes) this.smsOutFinished.observe({ status }, n);
    const deliveries = splitOutcomes(stats.webhookDeliveries, DELIVERY_STATUSES, DELIVERY_OUTCOMES);
    setByStatus(this.deliveries, deliveries.inProgress);
    for (const [status, n] of deliveries.outcomes) this.deliveriesFinished.observe({ status }, n);
    this.queueDepth.set({ queue: 'outbound_parts' }, stats.queuedOutboundParts);
    this.queueDepth.set({ queue: 'webhook_deliveries' }, stats.webhookDeliveries.pending ?? 0);
    const oldest = stats.oldestPendingDeliveryAt;
    this.webhookLag.set(oldest === null ? 0 : Math.max(0, (this.now() - oldest) / 1000));
    this.orders.reset();
    for (const [mode, counts] of [
      ['live', stats.orders],
      ['sandbox', stats.sandboxOrders],
    ] as const) {
      const orders = splitOutcomes(counts, ORDER_STATUSES, ORDER_OUTCOMES);
      for (const [status, n] of orders.inProgress) this.orders.set({ status, mode }, n);
      for (const [status, n] of orders.outcomes) this.ordersClosed.observe({ status, mode }, n);
    }
    // A modem that left the pool must not linger with its last figures. Every state is shown
    // (0 or 1), so a state change moves a value instead of ending one series for another.
    this.modemState.reset();
    this.modemSignal.reset();
    for (const m of modems) {
      for (const state of new Set([...this.sources.modemStates, m.state])) {
        this.modemState.set({ modem: m.modem, state }, state === m.state ? 1 : 0);
      }
      if (m.signalDbm !== null) this.modemSignal.set({ modem: m.modem }, m.signalDbm);
    }
  }
}

/**
 * Counts by status split into work in progress and final outcomes, each with every known
 * status (at 0 when no row has it) so a dashboard's series exist from the start.
 */
function splitOutcomes(
  counts: StatusCounts,
  known: readonly string[],
  outcomes: readonly string[],
): { inProgress: Array<[string, number]>; outcomes: Array<[string, number]> } {
  const split = {
    inProgress: [] as Array<[string, number]>,
    outcomes: [] as Array<[string, number]>,
  };
  for (const status of new Set([...known, ...Object.keys(counts)])) {
    const side = outcomes.includes(status) ? split.outcomes : split.inProgress;
    side.push([status, counts[status] ?? 0]);
  }
  return split;
}

function setByStatus(gauge: Gauge<'status'>, counts: ReadonlyArray<[string, number]>) {
  gauge.reset();
  for (const [status, n] of counts) gauge.set({ status }, n);
}

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
  ORDER_STATUSES,
  OUTBOUND_STATUSES,
  type ModemReading,
  type StatsPort,
  type StatusCounts,
} from '../../domain/index.js';

/** Where the scrape-time figures come from; the daemon passes them (ApiDeps.metrics). */
export interface MetricsSources {
  readonly stats: StatsPort;
  readonly modems: () => readonly ModemReading[];
}

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
  }
  return processRegistry;
}

export class ApplianceMetrics {
  private readonly registry = new Registry();
  private readonly gauge = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    new Gauge<L>({ name, help, labelNames, registers: [this.registry] });

  private readonly smsIn = new Counter({
    name: 'simpool_sms_inbound_total',
    help: 'Inbound SMS stored since the database was created.',
    registers: [this.registry],
  });
  private readonly smsOut = this.gauge(
    'simpool_sms_outbound_messages',
    'Outbound SMS messages by status (rows in each status now).',
    ['status'],
  );
  private readonly queueDepth = this.gauge(
    'simpool_queue_depth',
    'Work waiting: outbound SMS parts queued for a modem, webhook deliveries pending.',
    ['queue'],
  );
  private readonly deliveries = this.gauge(
    'simpool_webhook_deliveries',
    'Webhook deliveries by status (succeeded and failed are the outcomes).',
    ['status'],
  );
  private readonly webhookLag = this.gauge(
    'simpool_webhook_lag_seconds',
    'Age of the oldest pending webhook delivery; 0 when none is pending.',
  );
  private readonly orders = this.gauge(
    'simpool_orders',
    'Orders by status (open ones and outcomes), live and sandbox apart.',
    ['status', 'mode'],
  );
  private readonly modemState = this.gauge(
    'simpool_modem_state',
    'Modems by slot: 1 for the state the modem is in now.',
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
    this.smsIn.reset();
    this.smsIn.inc(stats.inboundMessages);
    setByStatus(this.smsOut, stats.outboundMessages, OUTBOUND_STATUSES);
    setByStatus(this.deliveries, stats.webhookDeliveries, DELIVERY_STATUSES);
    this.queueDepth.set({ queue: 'outbound_parts' }, stats.queuedOutboundParts);
    this.queueDepth.set({ queue: 'webhook_deliveries' }, stats.webhookDeliveries.pending ?? 0);
    const oldest = stats.oldestPendingDeliveryAt;
    this.webhookLag.set(oldest === null ? 0 : Math.max(0, (this.now() - oldest) / 1000));
    this.orders.reset();
    for (const [mode, counts] of [
      ['live', stats.orders],
      ['sandbox', stats.sandboxOrders],
    ] as const) {
      for (const status of withKnown(counts, ORDER_STATUSES)) {
        this.orders.set({ status, mode }, counts[status] ?? 0);
      }
    }
    // A modem that left the pool must not linger with its last figures.
    this.modemState.reset();
    this.modemSignal.reset();
    for (const m of modems) {
      this.modemState.set({ modem: m.modem, state: m.state }, 1);
      if (m.signalDbm !== null) this.modemSignal.set({ modem: m.modem }, m.signalDbm);
    }
  }
}

/** The statuses present, plus the known ones at 0, so a dashboard's series exist from the start. */
function withKnown(counts: StatusCounts, known: readonly string[] = []): string[] {
  return [...new Set([...known, ...Object.keys(counts)])];
}

function setByStatus(gauge: Gauge<'status'>, counts: StatusCounts, known?: readonly string[]) {
  gauge.reset();
  for (const status of withKnown(counts, known)) gauge.set({ status }, counts[status] ?? 0);
}

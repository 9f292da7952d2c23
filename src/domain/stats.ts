/**
 * What `GET /metrics` reads at scrape time: row counts from the store (StatsPort) and the modems'
 * live state from the pool (ModemReading, passed in by the daemon). Counts only, never a phone
 * number, a message text or a customer id: these end up as Prometheus labels and values.
 */

/** How many rows are in each status, e.g. `{ waiting: 2, finished: 40 }`. */
export type StatusCounts = Readonly<Record<string, number>>;

export interface TrafficStats {
  /** Inbound SMS ever stored (a counter: it never goes down). */
  readonly inboundMessages: number;
  /** Outbound messages (Messaging API and test sends) by status. */
  readonly outboundMessages: StatusCounts;
  /** Outbound SMS parts waiting for a modem (status `queued`). */
  readonly queuedOutboundParts: number;
  /** Webhook deliveries by status (`pending` is the queue, `succeeded`/`failed` the outcomes). */
  readonly webhookDeliveries: StatusCounts;
  /** `created_at` (ms) of the oldest pending webhook delivery; null when none is pending. */
  readonly oldestPendingDeliveryAt: number | null;
  /** Live orders by status (open ones and outcomes). */
  readonly orders: StatusCounts;
  /** Sandbox (`sp_test_` key) orders by status, kept apart from the business figures. */
  readonly sandboxOrders: StatusCounts;
}

/** Implemented in src/store: each figure is a counter row or an indexed COUNT, never a scan. */
export interface StatsPort {
  trafficStats(): Promise<TrafficStats>;
}

/** One modem as the metrics see it. */
export interface ModemReading {
  /** The slot: its address (`/dev/serial/by-path/…`, `tcp://…`, `simulated:N`). */
  readonly modem: string;
  /** Lifecycle state (`ready`, `degraded`, `recovering`, `offline` …). */
  readonly state: string;
  /** Last health poll's signal; null before the first poll or when the modem does not know. */
  readonly signalDbm: number | null;
}

/** The figures of `GET /metrics` (StatsPort) from the rows both engines read. */
import type { StatusCounts, TrafficStats } from '../../domain/index.js';

/** A `status_counts` row (migration 9), kept by triggers. */
export interface CountRow {
  readonly subject: string;
  readonly status: string;
  readonly count: number;
}

export const STATUS_COUNTS_SQL = 'SELECT subject, status, count FROM status_counts';

export function trafficStatsOf(
  countRows: readonly CountRow[],
  figures: {
    readonly inboundMessages: number;
    readonly queuedOutboundParts: number;
    readonly oldestPendingDeliveryAt: number | null;
  },
): TrafficStats {
  const by = new Map<string, Record<string, number>>();
  for (const row of countRows) {
    const counts = by.get(row.subject) ?? {};
    counts[row.status] = row.count;
    by.set(row.subject, counts);
  }
  const counts = (subject: string): StatusCounts => by.get(subject) ?? {};
  return {
    inboundMessages: figures.inboundMessages,
    outboundMessages: counts('outbound_messages'),
    queuedOutboundParts: figures.queuedOutboundParts,
    webhookDeliveries: counts('webhook_deliveries'),
    oldestPendingDeliveryAt: figures.oldestPendingDeliveryAt,
    orders: counts('orders'),
    sandboxOrders: counts('orders_sandbox'),
  };
}

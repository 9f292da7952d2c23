/**
 * The figures of `GET /metrics` (StatsPort). Every query is cheap whatever the history: the
 * per-status counts are rows kept by triggers (migration 9), the inbound total is the newest id,
 * and the two queues are counted through their partial indexes (their size is the queue's).
 */
import type { StatsPort, StatusCounts, TrafficStats } from '../../domain/index.js';
import type { SqliteDatabase } from './database.js';

interface CountRow {
  readonly subject: string;
  readonly status: string;
  readonly count: number;
}

export class SqliteStatsRepository implements StatsPort {
  private readonly s;

  constructor(db: SqliteDatabase) {
    this.s = {
      statusCounts: db.prepare<[], CountRow>('SELECT subject, status, count FROM status_counts'),
      // AUTOINCREMENT ids are never reused: the newest one counts every message ever stored.
      inbound: db.prepare<[], { n: number }>(
        'SELECT COALESCE(MAX(id), 0) AS n FROM inbound_messages',
      ),
      queuedParts: db.prepare<[], { n: number }>(
        "SELECT COUNT(*) AS n FROM outbound_parts WHERE status = 'queued'",
      ),
      oldestPending: db.prepare<[], { at: number | null }>(
        "SELECT MIN(created_at) AS at FROM webhook_deliveries WHERE status = 'pending'",
      ),
    };
  }

  trafficStats(): Promise<TrafficStats> {
    const by = new Map<string, Record<string, number>>();
    for (const row of this.s.statusCounts.all()) {
      const counts = by.get(row.subject) ?? {};
      counts[row.status] = row.count;
      by.set(row.subject, counts);
    }
    const counts = (subject: string): StatusCounts => by.get(subject) ?? {};
    return Promise.resolve({
      inboundMessages: this.s.inbound.get()?.n ?? 0,
      outboundMessages: counts('outbound_messages'),
      queuedOutboundParts: this.s.queuedParts.get()?.n ?? 0,
      webhookDeliveries: counts('webhook_deliveries'),
      oldestPendingDeliveryAt: this.s.oldestPending.get()?.at ?? null,
      orders: counts('orders'),
      sandboxOrders: counts('orders_sandbox'),
    });
  }
}

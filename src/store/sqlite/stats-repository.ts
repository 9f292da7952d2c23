/**
 * The figures of `GET /metrics` (StatsPort). Every query is cheap whatever the history: the
 * per-status counts are rows kept by triggers (migration 9), the inbound total is the newest id,
 * and the two queues are counted through their partial indexes (their size is the queue's).
 */
import type { StatsPort, TrafficStats } from '../../domain/index.js';
import { STATUS_COUNTS_SQL, trafficStatsOf, type CountRow } from '../common/stats-rows.js';
import type { SqliteDatabase } from './database.js';

export class SqliteStatsRepository implements StatsPort {
  private readonly s;

  constructor(db: SqliteDatabase) {
    this.s = {
      statusCounts: db.prepare<[], CountRow>(STATUS_COUNTS_SQL),
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
    return Promise.resolve(
      trafficStatsOf(this.s.statusCounts.all(), {
        inboundMessages: this.s.inbound.get()?.n ?? 0,
        queuedOutboundParts: this.s.queuedParts.get()?.n ?? 0,
        oldestPendingDeliveryAt: this.s.oldestPending.get()?.at ?? null,
      }),
    );
  }
}

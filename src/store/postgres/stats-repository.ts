/**
 * The figures of `GET /metrics` (StatsPort) on PostgreSQL, exact whatever the hosts do: the
 * per-status counts are rows kept by triggers deferred to commit (migration 9), the queues are
 * counted through their partial indexes.
 *
 * The inbound total is a COUNT, not SQLite's newest id: an identity value taken by a
 * transaction that rolls back (a host that lost the database mid-batch) is never used again,
 * so the newest id would count messages that were never stored. Inbound messages are never
 * deleted, and the count reads the primary key's index.
 */
import type { StatsPort, TrafficStats } from '../../domain/index.js';
import { STATUS_COUNTS_SQL, trafficStatsOf, type CountRow } from '../common/stats-rows.js';
import type { PostgresDatabase } from './database.js';

const FIGURES = `
SELECT (SELECT COUNT(*) FROM inbound_messages) AS inbound,
       (SELECT COUNT(*) FROM outbound_parts WHERE status = 'queued') AS queued_parts,
       (SELECT MIN(created_at) FROM webhook_deliveries WHERE status = 'pending') AS oldest_pending`;

interface FiguresRow {
  readonly inbound: number;
  readonly queued_parts: number;
  readonly oldest_pending: number | null;
}

export class PostgresStatsRepository implements StatsPort {
  constructor(private readonly db: PostgresDatabase) {}

  /** One snapshot for all figures (a read-only transaction at REPEATABLE READ). */
  trafficStats(): Promise<TrafficStats> {
    return this.db.transaction(
      async (client) => {
        const counts = await client.query<CountRow>(STATUS_COUNTS_SQL);
        const { rows } = await client.query<FiguresRow>(FIGURES);
        const figures = rows[0];
        return trafficStatsOf(counts.rows, {
          inboundMessages: figures?.inbound ?? 0,
          queuedOutboundParts: figures?.queued_parts ?? 0,
          oldestPendingDeliveryAt: figures?.oldest_pending ?? null,
        });
      },
      { isolation: 'repeatable read', readOnly: true },
    );
  }
}

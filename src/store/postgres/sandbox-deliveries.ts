/**
 * The schedule of sandbox orders' synthetic SMS on PostgreSQL (the twin of
 * src/store/sqlite/sandbox-deliveries.ts). Rows are shared by every host, but only the host
 * driving the simulated modem that holds the SIM can inject the SMS: `due` returns this host's
 * rows only (the SIM's `host_id`), so each row is delivered by one host. A row whose SIM no
 * host has is left to the reaper of a dead host (docs/several-hosts.md).
 */
import type {
  DueSandboxDelivery,
  SandboxDeliveryKind,
  SandboxDeliveryOutcome,
  SandboxDeliveryPort,
} from '../../domain/index.js';
import {
  DUE_DELIVERY_COLUMNS,
  dueDeliveryFromRow,
  type DueDeliveryRow,
} from '../common/sandbox-rows.js';
import type { Queryable } from './database.js';
import { named } from './prepared.js';
import type { PostgresClient } from './transaction.js';

const SQL = {
  insert: `INSERT INTO sandbox_deliveries (order_id, kind, sim_iccid, due_at, created_at)
    VALUES ($1, $2, $3, $4, $5)`,
  due: `
    SELECT ${DUE_DELIVERY_COLUMNS}
      FROM sandbox_deliveries d
      JOIN orders o ON o.id = d.order_id
      JOIN sims s ON s.iccid = d.sim_iccid AND s.host_id = $3
      LEFT JOIN services sv ON sv.code = o.service
     WHERE d.delivered_at IS NULL AND d.due_at <= $1
     ORDER BY d.due_at, d.id LIMIT $2`,
  complete: `UPDATE sandbox_deliveries SET delivered_at = $1, outcome = $2
    WHERE id = $3 AND delivered_at IS NULL`,
  postpone: `UPDATE sandbox_deliveries SET attempts = attempts + 1, due_at = $1
    WHERE id = $2 AND delivered_at IS NULL`,
} as const;

export class PostgresSandboxDeliveries implements SandboxDeliveryPort {
  constructor(
    private readonly db: Queryable,
    private readonly hostId: string,
  ) {}

  /** Inside the caller's transaction (purchase, retry, swap of a sandbox order). */
  async schedule(
    client: PostgresClient,
    order: { readonly id: string; readonly simIccid: string },
    kind: SandboxDeliveryKind,
    dueAt: number,
    now: number,
  ): Promise<void> {
    await client.query(named(SQL.insert, [order.id, kind, order.simIccid, dueAt, now]));
  }

  async due(now: number, limit: number): Promise<DueSandboxDelivery[]> {
    const result = await this.db.query<DueDeliveryRow>(SQL.due, [now, limit, this.hostId]);
    return result.rows.map(dueDeliveryFromRow);
  }

  async complete(id: number, outcome: SandboxDeliveryOutcome, now: number): Promise<void> {
    await this.db.query(SQL.complete, [now, outcome, id]);
  }

  async postpone(id: number, dueAt: number): Promise<void> {
    await this.db.query(SQL.postpone, [dueAt, id]);
  }
}

/** The schedule of sandbox orders' synthetic SMS (table sandbox_deliveries, migration 4). */
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
import type { SqliteDatabase } from './database.js';

export class SqliteSandboxDeliveries implements SandboxDeliveryPort {
  private readonly insertStmt;
  private readonly dueStmt;
  private readonly completeStmt;
  private readonly postponeStmt;

  constructor(db: SqliteDatabase) {
    this.insertStmt = db.prepare<[string, SandboxDeliveryKind, string, number, number]>(
      `INSERT INTO sandbox_deliveries (order_id, kind, sim_iccid, due_at, created_at)
       VALUES (?, ?, ?, ?, ?)`,
    );
    this.dueStmt = db.prepare<[number, number], DueDeliveryRow>(
      `SELECT ${DUE_DELIVERY_COLUMNS}
       FROM sandbox_deliveries d
       JOIN orders o ON o.id = d.order_id
       LEFT JOIN sims s ON s.iccid = d.sim_iccid
       LEFT JOIN services sv ON sv.code = o.service
       WHERE d.delivered_at IS NULL AND d.due_at <= ?
       ORDER BY d.due_at, d.id LIMIT ?`,
    );
    this.completeStmt = db.prepare<[number, SandboxDeliveryOutcome, number]>(
      `UPDATE sandbox_deliveries SET delivered_at = ?, outcome = ?
        WHERE id = ? AND delivered_at IS NULL`,
    );
    this.postponeStmt = db.prepare<[number, number]>(
      `UPDATE sandbox_deliveries SET attempts = attempts + 1, due_at = ?
        WHERE id = ? AND delivered_at IS NULL`,
    );
  }

  /** Inside the caller's transaction (purchase, retry, swap of a sandbox order). */
  schedule(
    order: { readonly id: string; readonly simIccid: string },
    kind: SandboxDeliveryKind,
    dueAt: number,
    now: number,
  ): void {
    this.insertStmt.run(order.id, kind, order.simIccid, dueAt, now);
  }

  due(now: number, limit: number): Promise<DueSandboxDelivery[]> {
    return Promise.resolve(this.dueStmt.all(now, limit).map(dueDeliveryFromRow));
  }

  complete(id: number, outcome: SandboxDeliveryOutcome, now: number): Promise<void> {
    this.completeStmt.run(now, outcome, id);
    return Promise.resolve();
  }

  postpone(id: number, dueAt: number): Promise<void> {
    this.postponeStmt.run(dueAt, id);
    return Promise.resolve();
  }
}

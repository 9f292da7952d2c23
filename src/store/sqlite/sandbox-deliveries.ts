/** The schedule of sandbox orders' synthetic SMS (table sandbox_deliveries, migration 4). */
import type {
  DueSandboxDelivery,
  OrderStatus,
  SandboxDeliveryKind,
  SandboxDeliveryOutcome,
  SandboxDeliveryPort,
} from '../../domain/index.js';
import type { SqliteDatabase } from './database.js';

interface DueRow {
  readonly id: number;
  readonly order_id: string;
  readonly kind: SandboxDeliveryKind;
  readonly sim_iccid: string;
  readonly attempts: number;
  readonly slot_path: string | null;
  readonly order_status: OrderStatus;
  readonly order_iccid: string;
  readonly service: string;
  readonly service_name: string | null;
}

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
    this.dueStmt = db.prepare<[number, number], DueRow>(
      `SELECT d.id, d.order_id, d.kind, d.sim_iccid, d.attempts, s.slot_path,
         o.status AS order_status, o.sim_iccid AS order_iccid, o.service,
         sv.name AS service_name
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
    return Promise.resolve(
      this.dueStmt.all(now, limit).map((row) => ({
        id: row.id,
        orderId: row.order_id,
        kind: row.kind,
        simIccid: row.sim_iccid,
        slotPath: row.slot_path,
        attempts: row.attempts,
        order: { status: row.order_status, simIccid: row.order_iccid },
        service: { code: row.service, name: row.service_name ?? row.service },
      })),
    );
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

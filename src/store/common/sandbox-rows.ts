/** A due `sandbox_deliveries` row with its order, SIM slot and service, on both engines. */
import type { DueSandboxDelivery, OrderStatus, SandboxDeliveryKind } from '../../domain/index.js';

/** The columns both engines' due queries select (their joins differ). */
export const DUE_DELIVERY_COLUMNS = `d.id, d.order_id, d.kind, d.sim_iccid, d.attempts, s.slot_path,
  o.status AS order_status, o.sim_iccid AS order_iccid, o.service, sv.name AS service_name`;

export interface DueDeliveryRow {
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

export function dueDeliveryFromRow(row: DueDeliveryRow): DueSandboxDelivery {
  return {
    id: row.id,
    orderId: row.order_id,
    kind: row.kind,
    simIccid: row.sim_iccid,
    slotPath: row.slot_path,
    attempts: row.attempts,
    order: { status: row.order_status, simIccid: row.order_iccid },
    service: { code: row.service, name: row.service_name ?? row.service },
  };
}

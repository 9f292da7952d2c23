/**
 * The event outbox's engine-neutral pieces: what an append carries, the values of a new row,
 * and a stored row read back as a DomainEvent. The SQL is per engine
 * (src/store/sqlite/outbox-writer.ts, src/store/postgres/outbox-writer.ts).
 */
import { newId, type DomainEvent, type EventType } from '../../domain/index.js';

export interface NewEvent {
  readonly type: EventType;
  readonly customerId: string | null;
  readonly orderId: string | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly now: number;
}

/** An `events` row as both engines return it (numbered: on PostgreSQL, `seq` is set once committed). */
export interface EventRow {
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  readonly customer_id: string | null;
  readonly order_id: string | null;
  readonly data: string;
  readonly created_at: number;
}

/** A new row's values, in the column order `id, type, customer_id, order_id, data, created_at`. */
export type NewEventValues = [string, EventType, string | null, string | null, string, number];

/** The values of the row that stores `event`, with a fresh `evt_` id. */
export function newEventValues(event: NewEvent): NewEventValues {
  return [
    newId('evt', event.now),
    event.type,
    event.customerId,
    event.orderId,
    JSON.stringify(event.data),
    event.now,
  ];
}

export function eventFromRow(row: EventRow): DomainEvent {
  return {
    seq: row.seq,
    id: row.id,
    type: row.type as EventType,
    customerId: row.customer_id,
    orderId: row.order_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

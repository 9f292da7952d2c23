/** Appends domain events to the outbox, always inside the caller's transaction. */
import { newId, type DomainEvent, type EventPort, type EventType } from '../../domain/index.js';
import type { SqliteDatabase } from './database.js';

/** An `events` row as SQLite returns it. */
export interface EventRow {
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  readonly customer_id: string | null;
  readonly order_id: string | null;
  readonly data: string;
  readonly created_at: number;
}

export interface NewEvent {
  readonly type: EventType;
  readonly customerId: string | null;
  readonly orderId: string | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly now: number;
}

export class OutboxWriter implements EventPort {
  private readonly insert;
  private readonly since;
  private readonly sinceForCustomer;
  private readonly byId;
  private readonly latest;
  private readonly listeners = new Set<() => void>();
  private notifyQueued = false;

  constructor(db: SqliteDatabase) {
    this.insert = db.prepare(
      `INSERT INTO events (id, type, customer_id, order_id, data, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.since = db.prepare<[number, number], EventRow>(
      'SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    this.sinceForCustomer = db.prepare<[string, number, number], EventRow>(
      'SELECT * FROM events WHERE customer_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    );
    this.byId = db.prepare<[string], EventRow>('SELECT * FROM events WHERE id = ?');
    this.latest = db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM events');
  }

  append(event: NewEvent): void {
    this.insert.run(
      newId('evt', event.now),
      event.type,
      event.customerId,
      event.orderId,
      JSON.stringify(event.data),
      event.now,
    );
    // Transactions are synchronous (better-sqlite3): a microtask runs after the COMMIT (or
    // the rollback, after which readers simply find nothing new).
    if (this.listeners.size > 0 && !this.notifyQueued) {
      this.notifyQueued = true;
      queueMicrotask(() => this.notify());
    }
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  latestSeq(): Promise<number> {
    return Promise.resolve(this.latest.get()?.seq ?? 0);
  }

  findEvent(id: string): Promise<DomainEvent | null> {
    const row = this.byId.get(id);
    return Promise.resolve(row ? eventFromRow(row) : null);
  }

  private notify(): void {
    this.notifyQueued = false;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // A reader's bug must not break the writer that happened to trigger it.
      }
    }
  }

  eventsSince(
    seq: number,
    limit: number,
    filter: { readonly customerId?: string } = {},
  ): Promise<DomainEvent[]> {
    const rows =
      filter.customerId === undefined
        ? this.since.all(seq, limit)
        : this.sinceForCustomer.all(filter.customerId, seq, limit);
    return Promise.resolve(rows.map(eventFromRow));
  }
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

/** Appends domain events to the outbox, always inside the caller's transaction. */
import type { DomainEvent, EventPort } from '../../domain/index.js';
import { eventFromRow, newEventValues, type EventRow, type NewEvent } from '../common/events.js';
import type { SqliteDatabase } from './database.js';

export { eventFromRow, type EventRow, type NewEvent } from '../common/events.js';

export class OutboxWriter implements EventPort {
  private readonly insert;
  private readonly since;
  private readonly sinceForCustomer;
  private readonly byId;
  private readonly latest;
  private readonly listeners = new Set<() => void>();
  private notifyQueued = false;
  /** The newest seq listeners were told of: a burst that committed nothing wakes nobody. */
  private toldUpTo = 0;

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
    this.insert.run(...newEventValues(event));
    // Transactions are synchronous (better-sqlite3): a microtask runs after the COMMIT or the
    // rollback; notify() tells them apart.
    if (this.listeners.size > 0 && !this.notifyQueued) {
      this.notifyQueued = true;
      queueMicrotask(() => this.notify());
    }
  }

  subscribe(listener: () => void): () => void {
    if (this.listeners.size === 0) this.toldUpTo = this.newestSeq();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  latestSeq(): Promise<number> {
    return Promise.resolve(this.newestSeq());
  }

  findEvent(id: string): Promise<DomainEvent | null> {
    const row = this.byId.get(id);
    return Promise.resolve(row ? eventFromRow(row) : null);
  }

  private newestSeq(): number {
    return this.latest.get()?.seq ?? 0;
  }

  private notify(): void {
    this.notifyQueued = false;
    // AUTOINCREMENT: a rolled-back append leaves MAX(seq) where it was, a committed one raises it.
    const newest = this.newestSeq();
    if (newest <= this.toldUpTo) return;
    this.toldUpTo = newest;
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

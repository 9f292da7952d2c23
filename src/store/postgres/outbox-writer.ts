/**
 * STAND-IN for the PostgreSQL outbox writer of branch h4-pg-events, which was not merged when the
 * ledger was written: only `append(client, event)`, the signature the shared design fixes, so
 * the ledger's `balance.changed` events are written. On merge, take h4's file in its place.
 */
import { newId } from '../../domain/index.js';
import type { NewEvent } from '../sqlite/outbox-writer.js';
import type { PostgresDatabase, Queryable } from './database.js';

export class PostgresOutboxWriter {
  constructor(_db: PostgresDatabase) {}

  /** Inside the caller's transaction: `seq` stays NULL until the sequencer numbers it. */
  async append(client: Queryable, event: NewEvent): Promise<void> {
    await client.query(
      `INSERT INTO events (id, type, customer_id, order_id, data, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        newId('evt', event.now),
        event.type,
        event.customerId,
        event.orderId,
        JSON.stringify(event.data),
        event.now,
      ],
    );
  }
}

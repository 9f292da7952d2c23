import type { PostgresDatabase } from './database.js';
import type { PostgresClient } from './transaction.js';

/**
 * A statement that moves rows of a counted table (orders, outbound messages, webhook deliveries)
 * between statuses, in a transaction of its own so that it is run again on a deadlock: the status
 * counters (migration 9) are updated at commit, row by row, and two commits moving rows in
 * opposite directions (a claim, a release) can take two counter rows in opposite orders.
 */
export function changingStatuses<T>(
  db: PostgresDatabase,
  statement: (client: PostgresClient) => Promise<T>,
): Promise<T> {
  return db.transaction(statement);
}

import type { Migration } from '../../common/migrations.js';

/**
 * PostgreSQL twin of SQLite's migration 9: rows per status of orders, outbound messages and
 * webhook deliveries, kept by triggers, so `GET /metrics` reads a handful of rows.
 *
 * Every purchase on every host changes the same few counter rows (`orders`/`waiting` …). With
 * ordinary triggers a transaction would hold that row's lock from its first status change to its
 * commit, serialising all purchases of all hosts. These are constraint triggers deferred to
 * commit: the lock is taken at the very end, held for the commit alone. The counts are as exact
 * (the same +1/−1 per change, within the transaction); only a transaction reading its own
 * counts before committing would not see its changes yet, and none does. Counter rows touched in
 * different orders by two commits can still deadlock: the transaction is retried (40P01).
 *
 * A migration that rebuilds one of these tables drops its triggers with it: recreate them there
 * (011 does). The trigger names are SQLite's.
 */
/** `subject` is an SQL expression over `ROW` (the row's NEW or OLD values). */
export function countTriggers(table: string, subject: string): string {
  const of = (row: 'NEW' | 'OLD') => subject.replaceAll('ROW.', `${row}.`);
  const trigger = (name: string, event: string, when = '') => `
CREATE CONSTRAINT TRIGGER ${table}_count_${name} AFTER ${event} ON ${table}
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW ${when}
  EXECUTE FUNCTION ${table}_count_status();`;
  return `
CREATE OR REPLACE FUNCTION ${table}_count_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE status_counts SET count = count - 1
     WHERE subject = ${of('OLD')} AND status = OLD.status;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO status_counts (subject, status, count) VALUES (${of('NEW')}, NEW.status, 1)
      ON CONFLICT (subject, status) DO UPDATE SET count = status_counts.count + 1;
  END IF;
  RETURN NULL;
END $$;
${trigger('insert', 'INSERT')}
${trigger('update', 'UPDATE OF status', 'WHEN (OLD.status IS DISTINCT FROM NEW.status)')}
${trigger('delete', 'DELETE')}
INSERT INTO status_counts (subject, status, count)
  SELECT ${subject.replaceAll('ROW.', '')}, status, COUNT(*) FROM ${table} GROUP BY 1, 2;`;
}

const ORDER_SUBJECT = `CASE ROW.sandbox WHEN 1 THEN 'orders_sandbox' ELSE 'orders' END`;

export const statusCounts: Migration = {
  id: 9,
  name: 'status-counts',
  sql: `
CREATE TABLE status_counts (
  subject TEXT NOT NULL,
  status TEXT NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (subject, status)
);
${countTriggers('orders', ORDER_SUBJECT)}
${countTriggers('outbound_messages', `'outbound_messages'`)}
${countTriggers('webhook_deliveries', `'webhook_deliveries'`)}
`,
};

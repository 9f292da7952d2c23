import type { Migration } from '../migrate.js';

/**
 * Rows per status of orders, outbound messages and webhook deliveries, kept by triggers, so
 * `GET /metrics` reads a handful of rows instead of scanning tables that grow for months.
 *
 * A migration that rebuilds one of these tables (CREATE … _vN, DROP, RENAME) drops its triggers
 * with it: recreate them there. test/unit/store/stats-repository.test.ts compares the counts
 * with GROUP BY on a database at the newest schema, so a lost trigger fails it.
 */
/** `subject` is an SQL expression over `ROW` (the row's NEW or OLD values). */
export function countTriggers(table: string, subject: string): string {
  const of = (row: 'NEW' | 'OLD') => subject.replaceAll('ROW.', `${row}.`);
  const add = (row: 'NEW' | 'OLD') =>
    `INSERT INTO status_counts (subject, status, count) VALUES (${of(row)}, ${row}.status, 1)
    ON CONFLICT (subject, status) DO UPDATE SET count = count + 1;`;
  const remove = (row: 'NEW' | 'OLD') =>
    `UPDATE status_counts SET count = count - 1
    WHERE subject = ${of(row)} AND status = ${row}.status;`;
  return `
CREATE TRIGGER ${table}_count_insert AFTER INSERT ON ${table} BEGIN
  ${add('NEW')}
END;
CREATE TRIGGER ${table}_count_update AFTER UPDATE OF status ON ${table}
  WHEN OLD.status IS NOT NEW.status BEGIN
  ${remove('OLD')}
  ${add('NEW')}
END;
CREATE TRIGGER ${table}_count_delete AFTER DELETE ON ${table} BEGIN
  ${remove('OLD')}
END;
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
  count INTEGER NOT NULL,
  PRIMARY KEY (subject, status)
) STRICT, WITHOUT ROWID;
${countTriggers('orders', ORDER_SUBJECT)}
${countTriggers('outbound_messages', `'outbound_messages'`)}
${countTriggers('webhook_deliveries', `'webhook_deliveries'`)}
`,
};

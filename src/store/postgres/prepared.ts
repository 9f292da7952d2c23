/**
 * Prepared statements for the hot paths (a purchase, the commands on an order, money moves).
 * node-postgres prepares a statement given a name once per connection; the server then parses
 * it once per connection and, once a generic plan is as good as the custom ones, plans it once
 * too (the statements of a purchase took about 4 ms of planning per purchase otherwise).
 *
 * The name is derived from the text, so one text is one prepared statement on every connection
 * and two texts never share a name. Only for statements run inside PostgresDatabase.transaction:
 * when another host's migration changes a table under a prepared statement whose result it
 * shapes (`SELECT *`, `RETURNING *`), the server refuses it ("cached plan must not change
 * result type"), and the transaction destroys that connection and runs again on a fresh one.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

const names = new Map<string, string>();

/** `text` with `values`, as a statement prepared once per connection. */
export function named(text: string, values: unknown[]): pg.QueryConfig {
  let name = names.get(text);
  if (name === undefined) {
    name = `simpool_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    names.set(text, name);
  }
  return { name, text, values };
}

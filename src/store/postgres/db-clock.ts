/**
 * The database server's clock, in milliseconds since the Unix epoch, as SQL. Hosts' leases are
 * written and judged on it, so that hosts whose own clocks drift apart still agree on whose
 * lease ran out. `clock_timestamp()`, not `now()`: the time of the statement, not of its
 * transaction's start.
 */
export const DB_NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

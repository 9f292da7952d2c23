import type { Migration } from '../migrate.js';

/**
 * Allocation without a full scan of the country's SIMs.
 *
 * `sims.last_assigned_at` is MAX(order_numbers.assigned_at) of the SIM, kept by a trigger on
 * every number assignment (purchase and swap, from any code path or process), so the least
 * recently used eligible SIM is the first row of an index walk (`ORDER BY last_assigned_at,
 * iccid LIMIT 1`; NULL, never rented, sorts first) instead of every eligible SIM with its
 * correlated sub-queries, sorted in JavaScript. The partial index matches the `status = 'ready'`
 * term of the eligibility filter.
 *
 * `countries_by_iso2` serves `findCountry('GB')` (every purchase by ISO-2) without a table scan
 * and sort.
 */
export const allocationLru: Migration = {
  id: 3,
  name: 'allocation-lru',
  sql: `
ALTER TABLE sims ADD COLUMN last_assigned_at INTEGER;
UPDATE sims SET last_assigned_at =
  (SELECT MAX(n.assigned_at) FROM order_numbers n WHERE n.sim_iccid = sims.iccid);
CREATE TRIGGER order_numbers_last_assigned AFTER INSERT ON order_numbers
BEGIN
  UPDATE sims SET last_assigned_at = MAX(COALESCE(last_assigned_at, NEW.assigned_at),
                                         NEW.assigned_at)
   WHERE iccid = NEW.sim_iccid;
END;
CREATE INDEX sims_ready_by_lru ON sims (country, last_assigned_at, iccid) WHERE status = 'ready';

CREATE INDEX countries_by_iso2 ON countries (iso2, virtual);
`,
};

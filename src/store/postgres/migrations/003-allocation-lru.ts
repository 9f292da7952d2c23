import type { Migration } from '../../common/migrations.js';

/**
 * PostgreSQL twin of SQLite's migration 3: `sims.last_assigned_at`, the latest number assignment
 * of each SIM, kept by a trigger on `order_numbers`, and the index that finds the least recently
 * used ready SIM of a country.
 *
 * A never-rented SIM (NULL) must come first, as it does on SQLite; PostgreSQL sorts NULL last in
 * ascending order, hence NULLS FIRST in the index (queries must say `ORDER BY last_assigned_at
 * NULLS FIRST, iccid` to use it).
 */
export const allocationLru: Migration = {
  id: 3,
  name: 'allocation-lru',
  sql: `
ALTER TABLE sims ADD COLUMN last_assigned_at BIGINT;
UPDATE sims SET last_assigned_at =
  (SELECT MAX(n.assigned_at) FROM order_numbers n WHERE n.sim_iccid = sims.iccid);
CREATE FUNCTION order_numbers_touch_sim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE sims SET last_assigned_at = GREATEST(COALESCE(last_assigned_at, NEW.assigned_at),
                                              NEW.assigned_at)
   WHERE iccid = NEW.sim_iccid;
  RETURN NULL;
END $$;
CREATE TRIGGER order_numbers_last_assigned AFTER INSERT ON order_numbers
  FOR EACH ROW EXECUTE FUNCTION order_numbers_touch_sim();
CREATE INDEX sims_ready_by_lru ON sims (country, last_assigned_at NULLS FIRST, iccid)
  WHERE status = 'ready';

CREATE INDEX countries_by_iso2 ON countries (iso2, virtual);
`,
};

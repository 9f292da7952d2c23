/** The SIM inventory as the operator edits it, every host's SIMs with their host, on PostgreSQL. */
import type { AdminSim, SimAdminPort, SimPatch } from '../../domain/index.js';
import {
  OPERATOR_REASON,
  SIM_ADMIN_SELECT,
  SIM_USAGE_SQL,
  simOf,
  simsOf,
  usageOf,
  type BlacklistRow,
  type SimAdminRow,
  type UsageRow,
} from '../common/admin-sim-rows.js';
import type { PostgresDatabase } from './database.js';
import { databaseNow } from './database-now.js';

export class PostgresSimAdmin implements SimAdminPort {
  constructor(private readonly db: PostgresDatabase) {}

  /** Hosts' leases are judged on the database's clock, which they are written on. */
  async listSims(): Promise<AdminSim[]> {
    const now = await databaseNow(this.db);
    const [sims, usage, blacklist] = await Promise.all([
      this.db.query<SimAdminRow>(
        `${SIM_ADMIN_SELECT} ORDER BY s.host_id, s.slot_path NULLS FIRST, s.iccid`,
      ),
      this.db.query<UsageRow>(SIM_USAGE_SQL),
      this.db.query<BlacklistRow>(
        'SELECT sim_iccid, service FROM sim_service_blacklist ORDER BY service',
      ),
    ]);
    return simsOf(sims.rows, usage.rows, blacklist.rows, now);
  }

  async getSim(iccid: string): Promise<AdminSim | undefined> {
    const now = await databaseNow(this.db);
    const [sims, usage, blacklist] = await Promise.all([
      this.db.query<SimAdminRow>(`${SIM_ADMIN_SELECT} WHERE s.iccid = $1`, [iccid]),
      this.db.query<UsageRow>(
        `SELECT n.sim_iccid, o.service, COUNT(*) AS orders
         FROM order_numbers n JOIN orders o ON o.id = n.order_id
         WHERE n.sim_iccid = $1 GROUP BY n.sim_iccid, o.service ORDER BY o.service`,
        [iccid],
      ),
      this.db.query<BlacklistRow>(
        `SELECT sim_iccid, service FROM sim_service_blacklist WHERE sim_iccid = $1
         ORDER BY service`,
        [iccid],
      ),
    ]);
    const row = sims.rows[0];
    if (!row) return undefined;
    return simOf(
      row,
      usage.rows.map(usageOf),
      blacklist.rows.map((b) => b.service),
      now,
    );
  }

  /**
   * One transaction that holds the SIM's row: enabling, disabling and the blacklist change
   * whether the SIM may be sold, so a purchase choosing it on another host (which claims the
   * SIM row) sees either all of the change or none of it.
   */
  async updateSim(iccid: string, patch: SimPatch, now: number): Promise<AdminSim | undefined> {
    const found = await this.db.transaction(async (client) => {
      const sim = await client.query('SELECT iccid FROM sims WHERE iccid = $1 FOR UPDATE', [iccid]);
      if (sim.rowCount === 0) return false;
      if (patch.enabled !== undefined) {
        await client.query('UPDATE sims SET enabled = $1 WHERE iccid = $2', [
          patch.enabled ? 1 : 0,
          iccid,
        ]);
      }
      if (patch.notes !== undefined) {
        await client.query('UPDATE sims SET notes = $1 WHERE iccid = $2', [patch.notes, iccid]);
      }
      if (patch.blacklist !== undefined) {
        // Entries kept keep their reason and date; new ones are the operator's.
        const services = [...patch.blacklist];
        await client.query(
          'DELETE FROM sim_service_blacklist WHERE sim_iccid = $1 AND service <> ALL($2::text[])',
          [iccid, services],
        );
        await client.query(
          `INSERT INTO sim_service_blacklist (sim_iccid, service, reason, created_at)
           SELECT $1, service, $3, $4 FROM unnest($2::text[]) AS service
           ON CONFLICT DO NOTHING`,
          [iccid, services, OPERATOR_REASON, now],
        );
      }
      return true;
    });
    return found ? this.getSim(iccid) : undefined;
  }
}

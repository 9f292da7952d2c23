/** The SIM inventory as the operator edits it: enabled, notes, per-service blacklist, usage. */
import type { AdminSim, SimAdminPort, SimPatch } from '../../domain/index.js';
import type { Clock } from '../../shared/index.js';
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
import type { SqliteDatabase } from './database.js';

export class SqliteSimAdmin implements SimAdminPort {
  private readonly s;
  private readonly updateTx;

  /** `clock`: the time hosts' leases are judged at (the process clock is the database's). */
  constructor(
    db: SqliteDatabase,
    private readonly clock: Clock,
  ) {
    this.s = {
      all: db.prepare<[], SimAdminRow>(
        `${SIM_ADMIN_SELECT} ORDER BY s.host_id, s.slot_path, s.iccid`,
      ),
      one: db.prepare<[string], SimAdminRow>(`${SIM_ADMIN_SELECT} WHERE s.iccid = ?`),
      exists: db.prepare<[string], { iccid: string }>('SELECT iccid FROM sims WHERE iccid = ?'),
      usage: db.prepare<[], UsageRow>(SIM_USAGE_SQL),
      usageOf: db.prepare<[string], UsageRow>(
        `SELECT n.sim_iccid, o.service, COUNT(*) AS orders
         FROM order_numbers n JOIN orders o ON o.id = n.order_id
         WHERE n.sim_iccid = ? GROUP BY o.service ORDER BY o.service`,
      ),
      blacklist: db.prepare<[], BlacklistRow>(
        'SELECT sim_iccid, service FROM sim_service_blacklist ORDER BY service',
      ),
      blacklistOf: db.prepare<[string], BlacklistRow>(
        'SELECT sim_iccid, service FROM sim_service_blacklist WHERE sim_iccid = ? ORDER BY service',
      ),
      setEnabled: db.prepare<[number, string]>('UPDATE sims SET enabled = ? WHERE iccid = ?'),
      setNotes: db.prepare<[string, string]>('UPDATE sims SET notes = ? WHERE iccid = ?'),
      addBlacklist: db.prepare<[string, string, string, number]>(
        `INSERT INTO sim_service_blacklist (sim_iccid, service, reason, created_at)
         VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      keepBlacklist: db.prepare<[string, string]>(
        `DELETE FROM sim_service_blacklist WHERE sim_iccid = ? AND service NOT IN
           (SELECT value FROM json_each(?))`,
      ),
    };
    this.updateTx = db.transaction((iccid: string, patch: SimPatch, now: number): boolean => {
      if (!this.s.exists.get(iccid)) return false;
      if (patch.enabled !== undefined) this.s.setEnabled.run(patch.enabled ? 1 : 0, iccid);
      if (patch.notes !== undefined) this.s.setNotes.run(patch.notes, iccid);
      if (patch.blacklist !== undefined) {
        // Entries kept keep their reason and date; new ones are the operator's.
        this.s.keepBlacklist.run(iccid, JSON.stringify(patch.blacklist));
        for (const service of patch.blacklist) {
          this.s.addBlacklist.run(iccid, service, OPERATOR_REASON, now);
        }
      }
      return true;
    });
  }

  listSims(): Promise<AdminSim[]> {
    return Promise.resolve(
      simsOf(this.s.all.all(), this.s.usage.all(), this.s.blacklist.all(), this.clock.now()),
    );
  }

  getSim(iccid: string): Promise<AdminSim | undefined> {
    const row = this.s.one.get(iccid);
    if (!row) return Promise.resolve(undefined);
    return Promise.resolve(
      simOf(
        row,
        this.s.usageOf.all(iccid).map(usageOf),
        this.s.blacklistOf.all(iccid).map((b) => b.service),
        this.clock.now(),
      ),
    );
  }

  updateSim(iccid: string, patch: SimPatch, now: number): Promise<AdminSim | undefined> {
    if (!this.updateTx.immediate(iccid, patch, now)) return Promise.resolve(undefined);
    return this.getSim(iccid);
  }
}

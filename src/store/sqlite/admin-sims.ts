/** The SIM inventory as the operator edits it: enabled, notes, per-service blacklist, usage. */
import type { AdminSim, SimAdminPort, SimPatch, SimUsage } from '../../domain/index.js';
import type { SqliteDatabase } from './database.js';

interface SimAdminRow {
  readonly iccid: string;
  readonly country: string | null;
  readonly msisdn: string | null;
  readonly operator: string | null;
  readonly status: string;
  readonly enabled: number;
  readonly notes: string;
}

interface UsageRow {
  readonly sim_iccid: string;
  readonly service: string;
  readonly orders: number;
}

const SIM_COLUMNS = 'iccid, country, msisdn, operator, status, enabled, notes';
const OPERATOR_REASON = 'operator';

export class SqliteSimAdmin implements SimAdminPort {
  private readonly s;
  private readonly updateTx;

  constructor(db: SqliteDatabase) {
    this.s = {
      all: db.prepare<[], SimAdminRow>(`SELECT ${SIM_COLUMNS} FROM sims ORDER BY slot_path, iccid`),
      one: db.prepare<[string], SimAdminRow>(`SELECT ${SIM_COLUMNS} FROM sims WHERE iccid = ?`),
      // Every number an order had (swaps included) counts for the SIM it was on.
      usage: db.prepare<[], UsageRow>(
        `SELECT n.sim_iccid, o.service, COUNT(*) AS orders
         FROM order_numbers n JOIN orders o ON o.id = n.order_id
         GROUP BY n.sim_iccid, o.service ORDER BY n.sim_iccid, o.service`,
      ),
      usageOf: db.prepare<[string], UsageRow>(
        `SELECT n.sim_iccid, o.service, COUNT(*) AS orders
         FROM order_numbers n JOIN orders o ON o.id = n.order_id
         WHERE n.sim_iccid = ? GROUP BY o.service ORDER BY o.service`,
      ),
      blacklist: db.prepare<[], { sim_iccid: string; service: string }>(
        'SELECT sim_iccid, service FROM sim_service_blacklist ORDER BY service',
      ),
      blacklistOf: db.prepare<[string], { sim_iccid: string; service: string }>(
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
      if (!this.s.one.get(iccid)) return false;
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
    const usage = group(this.s.usage.all(), (u) => ({ service: u.service, orders: u.orders }));
    const blacklist = group(this.s.blacklist.all(), (b) => b.service);
    return Promise.resolve(
      this.s.all
        .all()
        .map((row) => simOf(row, usage.get(row.iccid) ?? [], blacklist.get(row.iccid) ?? [])),
    );
  }

  getSim(iccid: string): Promise<AdminSim | undefined> {
    const row = this.s.one.get(iccid);
    if (!row) return Promise.resolve(undefined);
    return Promise.resolve(
      simOf(
        row,
        this.s.usageOf.all(iccid).map((u) => ({ service: u.service, orders: u.orders })),
        this.s.blacklistOf.all(iccid).map((b) => b.service),
      ),
    );
  }

  updateSim(iccid: string, patch: SimPatch, now: number): Promise<AdminSim | undefined> {
    if (!this.updateTx.immediate(iccid, patch, now)) return Promise.resolve(undefined);
    return this.getSim(iccid);
  }
}

function group<R extends { sim_iccid: string }, T>(rows: readonly R[], map: (row: R) => T) {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    let list = out.get(row.sim_iccid);
    if (!list) out.set(row.sim_iccid, (list = []));
    list.push(map(row));
  }
  return out;
}

function simOf(row: SimAdminRow, usage: SimUsage[], blacklist: string[]): AdminSim {
  return {
    iccid: row.iccid,
    country: row.country,
    number: row.msisdn,
    operator: row.operator,
    status: row.status,
    enabled: row.enabled === 1,
    notes: row.notes,
    usage,
    blacklist,
  };
}

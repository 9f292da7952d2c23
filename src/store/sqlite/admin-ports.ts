import type { AdminPorts } from '../../domain/index.js';
import { systemClock, type Clock } from '../../shared/index.js';
import { SqliteActivity } from './admin-activity.js';
import { SqliteAdminAccounts } from './admin-accounts.js';
import type { SqliteDatabase } from './database.js';
import { SqliteSimAdmin } from './admin-sims.js';

/**
 * The admin API's storage: the operator account, the SIM inventory, reads across accounts.
 * `clock`: the time hosts' leases are judged at in listings.
 */
export function createAdminPorts(db: SqliteDatabase, clock: Clock = systemClock): AdminPorts {
  return {
    accounts: new SqliteAdminAccounts(db),
    sims: new SqliteSimAdmin(db, clock),
    activity: new SqliteActivity(db),
  };
}

import type { AdminPorts } from '../../domain/index.js';
import { SqliteActivity } from './admin-activity.js';
import { SqliteAdminAccounts } from './admin-accounts.js';
import type { SqliteDatabase } from './database.js';
import { SqliteSimAdmin } from './admin-sims.js';

/** The admin API's storage: the operator account, the SIM inventory, reads across accounts. */
export function createAdminPorts(db: SqliteDatabase): AdminPorts {
  return {
    accounts: new SqliteAdminAccounts(db),
    sims: new SqliteSimAdmin(db),
    activity: new SqliteActivity(db),
  };
}

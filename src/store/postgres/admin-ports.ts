import type { AdminPorts } from '../../domain/index.js';
import { PostgresActivity } from './admin-activity.js';
import { PostgresAdminAccounts } from './admin-accounts.js';
import { PostgresSimAdmin } from './admin-sims.js';
import type { PostgresDatabase } from './database.js';

/** The admin API's storage on PostgreSQL: the operator account, every host's SIMs, reads
 * across accounts. */
export function createAdminPorts(db: PostgresDatabase): AdminPorts {
  return {
    accounts: new PostgresAdminAccounts(db),
    sims: new PostgresSimAdmin(db),
    activity: new PostgresActivity(db),
  };
}

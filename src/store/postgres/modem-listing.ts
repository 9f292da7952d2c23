import {
  MODEM_INVENTORY_SQL,
  modemFromInventoryRow,
  type ModemInventoryRow,
  type ModemInventoryTableRow,
} from '../common/modem-listing.js';
import type { PostgresDatabase } from './database.js';
import { databaseNow } from './database-now.js';

/**
 * Every host's modems (common/modem-listing.ts), their hosts' leases judged on the database's
 * clock, which the leases are written on.
 */
export async function listModemInventory(db: PostgresDatabase): Promise<ModemInventoryRow[]> {
  const now = await databaseNow(db);
  const { rows } = await db.query<ModemInventoryTableRow>(MODEM_INVENTORY_SQL);
  return rows.map((row) => modemFromInventoryRow(row, now));
}

import {
  MODEM_INVENTORY_SQL,
  modemFromInventoryRow,
  type ModemInventoryRow,
  type ModemInventoryTableRow,
} from '../common/modem-listing.js';
import type { SqliteDatabase } from './database.js';

/** Every modem ever seen (common/modem-listing.ts); leases judged at `now`. */
export function listModemInventory(db: SqliteDatabase, now: number): ModemInventoryRow[] {
  return db
    .prepare<[], ModemInventoryTableRow>(MODEM_INVENTORY_SQL)
    .all()
    .map((row) => modemFromInventoryRow(row, now));
}

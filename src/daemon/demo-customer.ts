/**
 * The demo customer of an appliance that has nothing but simulated modems (`npm start` on a
 * fresh machine): created on its first start with 10 USD and an `orders` key, so a newcomer can
 * rent a number with curl at once. The key is printed on that start and kept in
 * `<dataDir>/demo-api-key` (mode 0600); real installations (any real modem) get no demo customer.
 */
import path from 'node:path';
import { usdToUnits, type CustomerService } from '../domain/index.js';
import { readCredential, writeCredential } from './admin-credential.js';

export const DEMO_EMAIL = 'demo@simpool.local';
export const DEMO_BALANCE_USD = 10;

export interface DemoCustomer {
  /** The key, on the start that created it; null afterwards (it is in `file`). */
  readonly key: string | null;
  readonly file: string;
}

export async function ensureDemoCustomer(
  dataDir: string,
  customers: CustomerService,
): Promise<DemoCustomer> {
  const file = path.join(dataDir, 'demo-api-key');
  if ((await readCredential(file)) !== undefined) return { key: null, file };
  const customer = await customers.createCustomer(DEMO_EMAIL).catch(() => null);
  // Already there (the key file was deleted): the operator manages it from now on.
  if (!customer) return { key: null, file };
  const { plainKey } = await customers.createKey(customer.id, { scopes: ['orders'] });
  await customers.credit(customer.id, usdToUnits(DEMO_BALANCE_USD), { type: 'deposit' });
  await writeCredential(file, plainKey);
  return { key: plainKey, file };
}

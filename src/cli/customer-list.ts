import type { Command } from 'commander';
import { formatUnits, unitsToUsd, type CustomerSummary } from '../domain/index.js';
import type { Repositories } from '../store/index.js';
import { printTable, withStore, withStoreOptions, type StoreOptions } from './common.js';

interface ListOptions extends StoreOptions {
  readonly json?: boolean;
}

interface Listed {
  readonly summary: CustomerSummary;
  readonly activeKeys: number;
  readonly keys: number;
}

/** Every customer (not the operator account), newest first, with key counts. */
async function listAll(repos: Repositories): Promise<Listed[]> {
  const { accounts } = repos.admin;
  const listed: Listed[] = [];
  let cursor: string | null = null;
  do {
    const page = await accounts.listCustomers({ limit: 500, ...(cursor ? { cursor } : {}) });
    for (const summary of page.items) {
      const keys = await repos.customers.listKeys(summary.customer.id);
      listed.push({
        summary,
        keys: keys.length,
        activeKeys: keys.filter((k) => k.revokedAt === null).length,
      });
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  return listed;
}

export function registerCustomerListCommand(customer: Command): void {
  withStoreOptions(customer.command('list'))
    .description('List the customers, newest first: e-mail, balance, API keys, creation time')
    .option('--json', 'print JSON for scripts (balance in USD, times in ISO 8601)')
    .action(async (opts: ListOptions) => {
      const listed = await withStore(opts, (repos) => listAll(repos));
      if (opts.json) {
        console.log(
          JSON.stringify(
            listed.map(({ summary, keys, activeKeys }) => ({
              id: summary.customer.id,
              email: summary.customer.email,
              balance: unitsToUsd(summary.balanceUnits),
              open_orders: summary.openOrders,
              active_keys: activeKeys,
              keys,
              created_at: new Date(summary.customer.createdAt).toISOString(),
            })),
            null,
            2,
          ),
        );
        return;
      }
      if (listed.length === 0) {
        console.log('no customers yet (add one: simpool customer add --email …)');
        return;
      }
      printTable(
        listed.map(({ summary, keys, activeKeys }) => ({
          id: summary.customer.id,
          email: summary.customer.email,
          balance: `${formatUnits(summary.balanceUnits, 2, { rounding: 'down' })} USD`,
          keys:
            activeKeys === keys ? String(keys) : `${activeKeys} (+${keys - activeKeys} revoked)`,
          created: new Date(summary.customer.createdAt).toISOString(),
        })),
        ['id', 'email', 'balance', 'keys', 'created'],
      );
    });
}

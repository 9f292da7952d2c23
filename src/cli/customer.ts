import type { Command } from 'commander';
import { CustomerService, usdToUnits, type ApiKeyInfo } from '../domain/index.js';
import { systemClock } from '../shared/index.js';
import type { Config } from '../daemon/index.js';
import type { Repositories } from '../store/index.js';
import { withStore, withStoreOptions, type StoreOptions } from './common.js';

interface AddOptions extends StoreOptions {
  readonly email: string;
  readonly balance?: string;
  readonly sandbox?: boolean;
  readonly json?: boolean;
}

interface TopupOptions extends StoreOptions {
  readonly amount: string;
  readonly sandbox?: boolean;
  readonly json?: boolean;
}

interface KeyOptions extends StoreOptions {
  readonly customer: string;
  readonly scope: string[];
  readonly sandbox?: boolean;
  readonly json?: boolean;
}

function customers(repos: Repositories, config: Config): CustomerService {
  return new CustomerService(repos.customers, systemClock, {
    sandboxStartingBalanceUnits: usdToUnits(config.orders.sandboxStartingBalanceUsd),
  });
}

function keyLine(key: ApiKeyInfo, plainKey: string): string {
  return `${key.id} ${plainKey} (scopes: ${key.scopes.join(', ')}${key.sandbox ? ', sandbox' : ''}; shown once)`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerCustomerCommands(program: Command): void {
  const customer = program.command('customer').description('Customers of the number rental');
  withStoreOptions(customer.command('add'))
    .description('Create a customer with an API key (printed once) and an optional balance')
    .requiredOption('--email <email>', 'the customer e-mail (unique)')
    .option('--balance <usd>', 'credit this many USD as a deposit')
    .option('--sandbox', 'the key is an sp_test_ sandbox key (simulated modems, play money)')
    .option('--json', 'print JSON for scripts')
    .action(async (options: AddOptions) => {
      const result = await withStore(options, async (repos, config) => {
        const service = customers(repos, config);
        const created = await service.createCustomer(options.email);
        const { key, plainKey } = await service.createKey(created.id, {
          scopes: ['orders', 'messages'],
          sandbox: options.sandbox === true,
        });
        if (options.balance !== undefined) {
          await service.credit(created.id, usdToUnits(options.balance), { type: 'deposit' });
        }
        return { customer: created, key, plainKey };
      });
      if (options.json) {
        console.log(
          JSON.stringify({
            customer_id: result.customer.id,
            email: result.customer.email,
            api_key: result.plainKey,
            key_id: result.key.id,
          }),
        );
      } else {
        console.log(`customer ${result.customer.id} <${result.customer.email}>`);
        console.log(`api key  ${keyLine(result.key, result.plainKey)}`);
      }
    });
  withStoreOptions(customer.command('topup'))
    .argument('<customer-id>', 'the cus_… id')
    .description('Credit a customer balance (a deposit in the ledger)')
    .requiredOption('--amount <usd>', 'how many USD')
    .option('--sandbox', 'credit the sandbox (play money) balance instead')
    .option('--json', 'print JSON for scripts')
    .action(async (customerId: string, options: TopupOptions) => {
      const entry = await withStore(options, (repos, config) =>
        customers(repos, config).credit(customerId, usdToUnits(options.amount), {
          type: 'deposit',
          sandbox: options.sandbox === true,
        }),
      );
      const balance = entry.balanceAfterUnits / 10_000;
      console.log(
        options.json
          ? JSON.stringify({ customer_id: customerId, balance })
          : `balance ${balance} USD`,
      );
    });

  const key = program.command('key').description('API keys of customers');
  withStoreOptions(key.command('create'))
    .description('Create an API key for a customer (printed once; only its hash is stored)')
    .requiredOption('--customer <id>', 'the cus_… id')
    .option('--scope <scope>', 'orders, messages or admin (repeatable)', collect, [])
    .option('--sandbox', 'an sp_test_ sandbox key')
    .option('--json', 'print JSON for scripts')
    .action(async (options: KeyOptions) => {
      const created = await withStore(options, (repos, config) =>
        customers(repos, config).createKey(options.customer, {
          scopes: options.scope.length > 0 ? options.scope : ['orders'],
          sandbox: options.sandbox === true,
        }),
      );
      console.log(
        options.json
          ? JSON.stringify({
              key_id: created.key.id,
              api_key: created.plainKey,
              scopes: created.key.scopes,
            })
          : keyLine(created.key, created.plainKey),
      );
    });
  withStoreOptions(key.command('revoke'))
    .argument('<key-id>', 'the key_… id')
    .requiredOption('--customer <id>', 'the cus_… id owning the key')
    .description('Revoke an API key at once')
    .action(async (keyId: string, options: StoreOptions & { customer: string }) => {
      await withStore(options, (repos, config) =>
        customers(repos, config).revokeKey(options.customer, keyId),
      );
      console.log(`${keyId} revoked`);
    });
}

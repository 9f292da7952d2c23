import type { Command } from 'commander';
import { usdToUnits } from '../domain/index.js';
import { withStore, withStoreOptions, type StoreOptions } from './common.js';
import { registerCustomerListCommand } from './customer-list.js';
import { customerService, keyLine, registerKeyCommands } from './key.js';

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

export function registerCustomerCommands(program: Command): void {
  const customer = program.command('customer').description('Customers of the number rental');
  withStoreOptions(customer.command('add'))
    .description(
      'Create a customer with an API key (scope orders; printed once) and an optional balance',
    )
    .requiredOption('--email <email>', 'the customer e-mail (unique)')
    .option('--balance <usd>', 'credit this many USD as a deposit')
    .option('--sandbox', 'the key is an sp_test_ sandbox key (simulated modems, play money)')
    .option('--json', 'print JSON for scripts')
    .action(async (options: AddOptions) => {
      const result = await withStore(options, async (repos, config) => {
        const service = customerService(repos, config);
        const created = await service.createCustomer(options.email);
        const { key, plainKey } = await service.createKey(created.id, {
          // The messages scope sees every SMS of the appliance: an operator scope, not a customer's.
          scopes: ['orders'],
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
        customerService(repos, config).credit(customerId, usdToUnits(options.amount), {
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
  registerCustomerListCommand(customer);

  registerKeyCommands(program);
}

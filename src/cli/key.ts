import type { Command } from 'commander';
import type { Config } from '../daemon/index.js';
import {
  CustomerService,
  OperatorAccount,
  usdToUnits,
  type ApiKeyInfo,
  type CreatedKey,
} from '../domain/index.js';
import { systemClock } from '../shared/index.js';
import type { Repositories } from '../store/index.js';
import { withStore, withStoreOptions, type StoreOptions } from './common.js';

interface KeyOptions extends StoreOptions {
  readonly customer?: string;
  readonly scope: string[];
  readonly sandbox?: boolean;
  readonly json?: boolean;
}

export function customerService(repos: Repositories, config: Config): CustomerService {
  return new CustomerService(repos.customers, systemClock, {
    sandboxStartingBalanceUnits: usdToUnits(config.orders.sandboxStartingBalanceUsd),
  });
}

export function keyLine(key: ApiKeyInfo, plainKey: string): string {
  return `${key.id} ${plainKey} (scopes: ${key.scopes.join(', ')}${key.sandbox ? ', sandbox' : ''}; shown once)`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `simpool key create|revoke`: keys of a customer, or of the operator account without one. */
export function registerKeyCommands(program: Command): void {
  const key = program
    .command('key')
    .description('API keys of customers and of the operator account (`--customer` omitted)');
  withStoreOptions(key.command('create'))
    .description(
      'Create an API key (printed once; only its hash is stored). Without --customer the key ' +
        "belongs to the operator account, e.g. a messages key for the operator's scripts",
    )
    .option('--customer <id>', 'the cus_… id (default: the operator account)')
    .option(
      '--scope <scope>',
      'orders, messages or admin (repeatable; default orders)',
      collect,
      [],
    )
    .option('--sandbox', 'an sp_test_ sandbox key')
    .option('--json', 'print {key_id, api_key, scopes} as JSON for scripts')
    .action(async (options: KeyOptions) => {
      const scopes = options.scope.length > 0 ? options.scope : ['orders'];
      const sandbox = options.sandbox === true;
      const created: CreatedKey = await withStore(options, (repos, config) => {
        const service = customerService(repos, config);
        if (options.customer !== undefined) {
          return service.createKey(options.customer, { scopes, sandbox });
        }
        return new OperatorAccount(repos.admin.accounts, service, systemClock).createKey(
          scopes,
          sandbox,
        );
      });
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
    .option('--customer <id>', 'the cus_… id owning the key (default: the operator account)')
    .description('Revoke an API key at once')
    .action(async (keyId: string, options: StoreOptions & { customer?: string }) => {
      await withStore(options, async (repos, config) => {
        const service = customerService(repos, config);
        const owner =
          options.customer ??
          (await new OperatorAccount(repos.admin.accounts, service, systemClock).ensure()).id;
        await service.revokeKey(owner, keyId);
      });
      console.log(`${keyId} revoked`);
    });
}

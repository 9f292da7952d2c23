import type { Command } from 'commander';
import {
  ensureAdminCredential,
  rotateAdminCredential,
  type AdminCredential,
} from '../daemon/index.js';
import { OperatorAccount } from '../domain/index.js';
import { systemClock } from '../shared/index.js';
import { withStore, withStoreOptions, type StoreOptions } from './common.js';
import { customerService } from './key.js';

interface CredentialOptions extends StoreOptions {
  readonly rotate?: boolean;
  readonly json?: boolean;
}

/** `simpool admin credential [--rotate]`: the admin page's login, from the data directory. */
export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('The operator account and the admin API');
  withStoreOptions(admin.command('credential'))
    .description(
      'Print the admin credential (the admin page login and an admin API key); it is created ' +
        'if there is none yet. Kept in <data-dir>/admin-credential (mode 0600)',
    )
    .option('--rotate', 'make a new credential and revoke the old one at once')
    .option('--json', 'print {credential, file, created} as JSON for scripts')
    .action(async (options: CredentialOptions) => {
      const result: AdminCredential = await withStore(options, (repos, config) => {
        const operator = new OperatorAccount(
          repos.admin.accounts,
          customerService(repos, config),
          systemClock,
        );
        return options.rotate === true
          ? rotateAdminCredential(config.dataDir, operator)
          : ensureAdminCredential(config.dataDir, operator);
      });
      if (options.json) {
        console.log(JSON.stringify(result));
        return;
      }
      console.log(result.credential);
      if (options.rotate === true) {
        console.error(`the previous credential is revoked; ${result.file} holds the new one`);
        console.error('a running daemon ends sessions opened with the old one within a minute');
      }
    });
}

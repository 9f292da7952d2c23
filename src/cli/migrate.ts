import type { Command } from 'commander';
import { describeDatabase, openConfiguredStore } from '../daemon/index.js';
import { schemaVersion } from '../store/index.js';
import { configFrom, withStoreOptions, type StoreOptions } from './common.js';
import { terminalProgress } from './progress.js';

interface MigrateOptions extends StoreOptions {
  readonly json?: boolean;
}

export function registerMigrateCommand(program: Command): void {
  withStoreOptions(program.command('migrate'))
    .description(
      'Create or upgrade the database schema (every other command does it too; this one reports it). ' +
        'Safe while the daemon runs: each migration is one transaction',
    )
    .option('--json', 'print JSON for scripts: {database, applied: [{id, name}], version}')
    .addHelpText(
      'after',
      '\nOn a terminal, one line per migration applied goes to stderr; then a summary on stdout\n' +
        '("up to date" when there was nothing to do).',
    )
    .action((options: MigrateOptions) => {
      const config = configFrom(options);
      // The file, or the URL with its password masked.
      const database = describeDatabase(config.database);
      const progress = terminalProgress();
      const applied: Array<{ id: number; name: string }> = [];
      const db = openConfiguredStore(config, {
        onMigration: (id, name) => {
          applied.push({ id, name });
          progress(`applied migration ${String(id).padStart(3, '0')} ${name}`);
        },
      });
      let version: number;
      try {
        version = schemaVersion(db);
      } finally {
        db.close();
      }
      if (options.json) console.log(JSON.stringify({ database, applied, version }));
      else if (applied.length === 0) {
        console.log(`${database} is up to date (schema version ${version})`);
      } else {
        const count = `${applied.length} migration${applied.length === 1 ? '' : 's'}`;
        console.log(`${database} migrated to schema version ${version} (${count} applied)`);
      }
    });
}

import type { Command } from 'commander';
import { describeDatabase, openConfiguredStore } from '../daemon/index.js';
import { configFrom, withStoreOptions, type StoreOptions } from './common.js';
import { copyFromSqlite } from './migrate-copy.js';
import { terminalProgress } from './progress.js';

interface MigrateOptions extends StoreOptions {
  readonly json?: boolean;
  readonly from?: string;
}

export function registerMigrateCommand(program: Command): void {
  withStoreOptions(program.command('migrate'))
    .description(
      'Create or upgrade the database schema (every other command does it too; this one reports it). ' +
        'Safe while the daemon runs: each migration is one transaction',
    )
    .option('--json', 'print JSON for scripts: {database, applied: [{id, name}], version}')
    .option(
      '--from <file.db>',
      'copy this appliance (a SQLite file at the current schema version, read only) into the ' +
        'database given by --database, which must be an empty PostgreSQL database',
    )
    .addHelpText(
      'after',
      '\nOn a terminal, one line per migration applied goes to stderr; then a summary on stdout\n' +
        '("up to date" when there was nothing to do).\n\n' +
        'simpool migrate --from FILE.db --database postgres://USER@HOST/DB copies every table in\n' +
        'one transaction, checks row counts and every balance against the source and the ledger,\n' +
        'and commits only if all match (docs/migrate-to-postgres.md). A target holding data is\n' +
        'refused. On a terminal, one line per table copied goes to stderr; with --json the\n' +
        'summary is {from, database, tables: [{table, rows, seconds}], rows, seconds,\n' +
        'customersVerified, balanceTotals, unownedRows, rowsPerSecond}.',
    )
    .action(async (options: MigrateOptions) => {
      const config = configFrom(options);
      if (options.from !== undefined) {
        await copyFromSqlite(options.from, config, options.json === true);
        return;
      }
      // The file, or the URL with its password masked.
      const database = describeDatabase(config.database);
      const progress = terminalProgress();
      const applied: Array<{ id: number; name: string }> = [];
      const store = await openConfiguredStore(config, {
        onMigration: (id, name) => {
          applied.push({ id, name });
          progress(`applied migration ${String(id).padStart(3, '0')} ${name}`);
        },
      });
      let version: number;
      try {
        version = await store.schemaVersion();
      } finally {
        await store.close();
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

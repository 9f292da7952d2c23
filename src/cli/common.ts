import type { Command } from 'commander';
import {
  loadConfig,
  openConfiguredStore,
  type Config,
  type ConfigOverrides,
} from '../daemon/index.js';
import type { Repositories } from '../store/index.js';

export interface StoreOptions {
  readonly config?: string;
  readonly dataDir?: string;
  readonly database?: string;
  readonly databasePasswordFile?: string;
}

/**
 * `--config`, `--data-dir`, `--database` and `--database-password-file`: every command that
 * reads the database takes them. (Help texts never show a configured value: a URL may hold a
 * password.)
 */
export function withStoreOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'config file (JSON); default: $SIMPOOL_CONFIG, else none')
    .option(
      '-d, --data-dir <dir>',
      'data directory holding simpool.db (overrides the config; default ./.simpool)',
    )
    .option(
      '--database <file|url>',
      'the store: a SQLite file (relative to the data directory) or a postgres://USER@HOST/DB URL, ' +
        'options such as ?sslmode=require in its query (overrides the config; default DATA_DIR/simpool.db)',
    )
    .option(
      '--database-password-file <file>',
      'file holding the PostgreSQL password, kept out of the URL (overrides the config; ' +
        'default: the URL, $PGPASSWORD or ~/.pgpass)',
    );
}

/** The settings of `withStoreOptions` given on the command line, as config overrides. */
export function storeOverrides(options: StoreOptions): ConfigOverrides {
  return {
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.database === undefined ? {} : { database: options.database }),
    ...(options.databasePasswordFile === undefined
      ? {}
      : { databasePasswordFile: options.databasePasswordFile }),
  };
}

export function configFrom(options: StoreOptions, overrides: ConfigOverrides = {}): Config {
  return loadConfig(options.config, { ...storeOverrides(options), ...overrides });
}

/** Opens the configured database (migrating it if needed) for a one-shot command. */
export async function withStore<T>(
  options: StoreOptions,
  use: (repos: Repositories, config: Config) => Promise<T>,
): Promise<T> {
  const config = configFrom(options);
  const store = await openConfiguredStore(config);
  try {
    return await use(store, config);
  } finally {
    await store.close();
  }
}

/** Prints rows as aligned columns for people; `--json` output is for scripts. */
export function printTable(
  rows: readonly Record<string, string>[],
  columns: readonly string[],
): void {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(line(columns.map((c) => c.toUpperCase())));
  for (const row of rows) console.log(line(columns.map((c) => row[c] ?? '')));
}

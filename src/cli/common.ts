import type { Command } from 'commander';
import { loadConfig, type Config, type ConfigOverrides } from '../daemon/index.js';
import { createRepositories, openDatabase, type Repositories } from '../store/index.js';

export interface StoreOptions {
  readonly config?: string;
  readonly dataDir?: string;
}

/** `--config` and `--data-dir`: every command that reads the database takes both. */
export function withStoreOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'config file (JSON); default: $SIMPOOL_CONFIG, else none')
    .option(
      '-d, --data-dir <dir>',
      'data directory holding simpool.db (overrides the config; default ./.simpool)',
    );
}

export function configFrom(options: StoreOptions, overrides: ConfigOverrides = {}): Config {
  return loadConfig(options.config, {
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...overrides,
  });
}

/** Opens the configured database (migrating it if needed) for a one-shot command. */
export function withRepositories<T>(options: StoreOptions, use: (repos: Repositories) => T): T {
  const config = configFrom(options);
  const db = openDatabase(config.database);
  try {
    return use(createRepositories(db));
  } finally {
    db.close();
  }
}

/** The same, for work that awaits (the domain services' ports are asynchronous). */
export async function withStore<T>(
  options: StoreOptions,
  use: (repos: Repositories, config: Config) => Promise<T>,
): Promise<T> {
  const config = configFrom(options);
  const db = openDatabase(config.database);
  try {
    return await use(createRepositories(db), config);
  } finally {
    db.close();
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

import type { Command } from 'commander';
import {
  checkConfig,
  CONFIG_FILE_VARIABLE,
  describeDatabase,
  passwordSource,
  type Config,
  type DatabaseConfig,
} from '../daemon/index.js';
import { storeOverrides, withStoreOptions, type StoreOptions } from './common.js';

interface CheckOptions extends StoreOptions {
  readonly json?: boolean;
}

/**
 * PINs and the database password are secrets: a summary names the SIMs that have a PIN, never
 * the digits, and shows the database URL with its password masked.
 */
function masked(config: Config): Config {
  const { database } = config;
  return {
    ...config,
    database:
      database.engine === 'postgres' ? { ...database, url: describeDatabase(database) } : database,
    pins: Object.fromEntries(Object.keys(config.pins).map((k) => [k, '****'])),
  };
}

function databaseLine(database: DatabaseConfig): string {
  if (database.engine === 'sqlite') return `SQLite ${database.file}`;
  return `PostgreSQL ${describeDatabase(database)}; password ${passwordSource(database)}`;
}

const seconds = (ms: number): string => `${ms / 1000} s`;
const list = (items: readonly string[]): string => (items.length > 0 ? items.join(', ') : 'none');

function summary(config: Config): Array<[string, string]> {
  const { orders, api, webhooks, messaging } = config;
  const t = messaging.throttle;
  return [
    ['host id', config.hostId],
    [
      'host lease',
      `${seconds(config.hostLeaseTtlMs)}, renewed every ${seconds(Math.round(config.hostLeaseTtlMs / 3))}`,
    ],
    ['data directory', config.dataDir],
    ['database', databaseLine(config.database)],
    ['listen', `http://${config.host}:${config.port}`],
    [
      'trusted proxies',
      typeof config.trustProxy === 'boolean'
        ? config.trustProxy
          ? 'any peer (X-Forwarded-For/-Proto believed from everyone)'
          : 'none'
        : list(config.trustProxy),
    ],
    ['log level', config.logLevel],
    ['modems', list(config.modems)],
    ['SIM PINs for', list(Object.keys(config.pins))],
    ['numbers for', list(Object.keys(config.numbers))],
    [
      'health / sweep / hotplug',
      [config.healthIntervalMs, config.sweepIntervalMs, config.hotplugIntervalMs]
        .map(seconds)
        .join(' / '),
    ],
    ['power-cycle command', config.powerCycleCommand ?? 'none'],
    ['API rate limit', `${api.rateLimitPerMinute}/min per key (legacy tokens: ${api.legacyMode})`],
    [
      'failed logins',
      `${api.authFailureLimit} per address within ${api.authFailureWindowSeconds} s, then refused`,
    ],
    [
      'orders',
      `hold ${orders.holdSeconds} s, lifetime ${orders.lifetimeMinutes} min, price ${orders.defaultPriceUsd} USD, ` +
        `${orders.maxCancelsPerService} cancels/service, allocation ${orders.allocationPolicy}`,
    ],
    [
      'sandbox',
      `${orders.sandboxStartingBalanceUsd} USD to start, code SMS after ${orders.sandboxSmsDelaySeconds} s; ` +
        `live keys on simulated SIMs: ${orders.liveOnSimulated ? 'yes' : 'no'}`,
    ],
    [
      'send throttle',
      t.enabled
        ? `${t.perMinute}/min, ${t.perHour}/h, ${t.perDay}/day, pause ${t.pauseMinMs}-${t.pauseMaxMs} ms` +
          ` (${Object.keys(messaging.sims).length} SIM overrides)`
        : 'off',
    ],
    [
      'webhooks',
      `allowed hosts: ${list(webhooks.allowedHosts)}; private addresses: ${webhooks.allowPrivate ? 'allowed' : 'refused'}; ` +
        `paused after ${webhooks.pauseAfterHours} h failing, then probed every ${webhooks.probeIntervalMinutes} min`,
    ],
  ];
}

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('The configuration file');
  withStoreOptions(config.command('check'))
    .description(
      `Validate the configuration (file from --config or $${CONFIG_FILE_VARIABLE}, SIMPOOL_* ` +
        'environment, defaults) and print the effective settings, or every problem; exit code 1 on problems',
    )
    .option('--json', 'print JSON for scripts: {ok, file, environment, config} or {ok, problems}')
    .action((options: CheckOptions) => {
      const checked = checkConfig(options.config, storeOverrides(options));
      if (options.json) {
        console.log(
          JSON.stringify(checked.ok ? { ...checked, config: masked(checked.config) } : checked),
        );
      } else if (checked.ok) {
        const rows: Array<[string, string]> = [
          ['config file', checked.file ?? 'none (defaults)'],
          ['environment', list(checked.environment)],
          ...summary(checked.config),
        ];
        const width = Math.max(...rows.map(([label]) => label.length)) + 2;
        for (const [label, value] of rows) console.log(`${label.padEnd(width)}${value}`);
        console.log('configuration OK');
      } else {
        console.log(`${checked.file ?? 'configuration'}: ${checked.problems.length} problem(s)`);
        for (const problem of checked.problems) console.log(`  ${problem}`);
      }
      if (!checked.ok) process.exitCode = 1;
    });
}

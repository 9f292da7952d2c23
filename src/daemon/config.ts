/**
 * Loading the configuration: defaults < config file (JSON) < SIMPOOL_* environment < command-line
 * options. The schema is in config-schema.ts, the resolved types in config-types.ts, the wording
 * of problems in config-problems.ts, the environment variables in config-env.ts.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SimpoolError, describeError } from '../shared/index.js';
import { resolveDatabase, type DatabaseConfig } from './config-database.js';
import { configFilePath, fromEnvironment } from './config-env.js';
import { crossFieldProblems, jsonErrorLocation, schemaProblems } from './config-problems.js';
import type { ConfigFile, MessagingFile } from './config-schema.js';
import type {
  ApiSettings,
  Config,
  MessagingConfig,
  OrdersConfig,
  ThrottleConfig,
  WebhooksConfig,
} from './config-types.js';

export { ConfigSchema } from './config-schema.js';
export type { ConfigFile } from './config-schema.js';
export type * from './config-types.js';

const THROTTLE_DEFAULTS: ThrottleConfig = {
  enabled: true,
  perMinute: 6,
  perHour: 100,
  perDay: 500,
  pauseMinMs: 2_000,
  pauseMaxMs: 8_000,
};

const API_DEFAULTS: ApiSettings = {
  rateLimitPerMinute: 60,
  authFailureLimit: 10,
  authFailureWindowSeconds: 300,
  legacyMode: 'sms-activate',
  authCacheMs: 1000,
};

const WEBHOOK_DEFAULTS: WebhooksConfig = {
  allowPrivate: false,
  allowedHosts: [],
  concurrency: 8,
  pauseAfterHours: 24,
  probeIntervalMinutes: 30,
};

const ORDER_DEFAULTS: Omit<OrdersConfig, 'liveOnSimulated'> = {
  defaultPriceUsd: 0.5,
  holdSeconds: 120,
  lifetimeMinutes: 20,
  maxCancelsPerService: 3,
  cooldownSeconds: 0,
  defaultMaxOpenOrders: 20,
  smsClockSkewSeconds: 60,
  allocationPolicy: 'lru',
  sandboxStartingBalanceUsd: 100,
  sandboxSmsDelaySeconds: 3,
};

export const DEFAULT_MODEMS = ['simulated:4'];

const DEFAULTS = {
  dataDir: '.simpool',
  host: '127.0.0.1',
  port: 8080,
  trustProxy: false,
  logLevel: 'info',
  healthIntervalMs: 30_000,
  sweepIntervalMs: 60_000,
  hotplugIntervalMs: 2_000,
  reassemblyTimeoutMs: 24 * 60 * 60_000,
  simulatorControlPort: 8765,
  hostLeaseTtlMs: 15_000,
} as const;

/** `orders.liveOnSimulated` when the config does not say: only simulated modems = a demo. */
export function onlySimulatedModems(modems: readonly string[]): boolean {
  return modems.length > 0 && modems.every((m) => /^simulated:\d+$/.test(m.trim()));
}

/** Values from the command line (or a test) that win over the file and the environment. */
export type ConfigOverrides = Partial<
  Pick<
    ConfigFile,
    | 'dataDir'
    | 'database'
    | 'databasePasswordFile'
    | 'hostId'
    | 'host'
    | 'port'
    | 'trustProxy'
    | 'modems'
    | 'logLevel'
    | 'simulatorControlPort'
  >
>;

/** What `checkConfig` found: the effective configuration, or every problem with it. */
export type ConfigCheck =
  | {
      readonly ok: true;
      readonly file: string | undefined;
      /** The SIMPOOL_* variables that set a value. */
      readonly environment: readonly string[];
      readonly config: Config;
    }
  | { readonly ok: false; readonly file: string | undefined; readonly problems: string[] };

function readConfigFile(file: string): { value?: unknown; problem?: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { problem: `cannot read config file ${file}: ${describeError(error)}` };
  }
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    const reason = describeError(error);
    const at = jsonErrorLocation(reason, text);
    if (!at) return { problem: `config file ${file} is not valid JSON: ${reason}` };
    // With a line and column, V8's quote of the surrounding text is noise.
    const short = reason.replace(/, (\.\.\.)?"[\s\S]*" is not valid JSON$/, '');
    return {
      problem: `config file ${file} is not valid JSON at line ${at.line}, column ${at.column}: ${short}`,
    };
  }
}

function messagingConfig(file: MessagingFile | undefined): MessagingConfig {
  const throttle = { ...THROTTLE_DEFAULTS, ...file?.throttle };
  const sims = Object.fromEntries(
    Object.entries(file?.sims ?? {}).map(([iccid, own]) => [iccid, { ...throttle, ...own }]),
  );
  return {
    throttle,
    sims,
    sendFromRentedSims: file?.sendFromRentedSims ?? false,
    maxAttempts: file?.maxAttempts ?? 5,
    deliveryGuarantee: file?.deliveryGuarantee ?? 'at-most-once',
  };
}

/** Fills in the defaults of a file that passed the schema (its database already resolved). */
function resolve(
  config: ConfigFile,
  dataDir: string,
  database: DatabaseConfig,
  hostname: string,
): Config {
  const modems = config.modems && config.modems.length > 0 ? config.modems : DEFAULT_MODEMS;
  return {
    dataDir,
    database,
    // The schema checked a configured one; the hostname is checked with the cross-field rules.
    hostId: config.hostId ?? hostname,
    hostLeaseTtlMs: config.hostLeaseTtlMs ?? DEFAULTS.hostLeaseTtlMs,
    host: config.host ?? DEFAULTS.host,
    port: config.port ?? DEFAULTS.port,
    trustProxy: config.trustProxy ?? DEFAULTS.trustProxy,
    logLevel: config.logLevel ?? DEFAULTS.logLevel,
    modems,
    pins: config.pins ?? {},
    numbers: config.numbers ?? {},
    healthIntervalMs: config.healthIntervalMs ?? DEFAULTS.healthIntervalMs,
    sweepIntervalMs: config.sweepIntervalMs ?? DEFAULTS.sweepIntervalMs,
    hotplugIntervalMs: config.hotplugIntervalMs ?? DEFAULTS.hotplugIntervalMs,
    powerCycleCommand: config.powerCycleCommand ?? null,
    modemTiming: config.modemTiming ?? {},
    reassemblyTimeoutMs: config.reassemblyTimeoutMs ?? DEFAULTS.reassemblyTimeoutMs,
    simulatorControlPort: config.simulatorControlPort ?? DEFAULTS.simulatorControlPort,
    orders: { ...ORDER_DEFAULTS, liveOnSimulated: onlySimulatedModems(modems), ...config.orders },
    webhooks: { ...WEBHOOK_DEFAULTS, ...config.webhooks },
    api: { ...API_DEFAULTS, ...config.api },
    messaging: messagingConfig(config.messaging),
    calls: { onIncoming: config.calls?.onIncoming ?? 'reject' },
  };
}

/**
 * The effective configuration, or every problem with it (each naming its field, and the
 * SIMPOOL_* variable when the bad value came from the environment). `file` undefined: the one
 * $SIMPOOL_CONFIG names, else none. `hostname`: the default host id.
 */
export function checkConfig(
  givenFile: string | undefined,
  overrides: ConfigOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
  hostname: string = os.hostname(),
): ConfigCheck {
  const file = configFilePath(givenFile, env);
  const read = file === undefined ? { value: {} } : readConfigFile(file);
  if (read.problem !== undefined) return { ok: false, file, problems: [read.problem] };
  const fromFile = read.value;
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
    return { ok: false, file, problems: [`config file ${file} must hold a JSON object ({…})`] };
  }
  const environment = fromEnvironment(env);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const merged: unknown = { ...fromFile, ...environment.values, ...defined };
  // A value from the environment is named by its variable: it is not in the file.
  const origin = (problem: string): string => {
    const field = /^[^/:]+/.exec(problem)?.[0] ?? '';
    const variable = field in defined ? undefined : environment.origins[field];
    return variable ? problem.replace(field, `${field} (from ${variable})`) : problem;
  };
  const shape = schemaProblems(merged).map(origin);
  if (shape.length > 0) return { ok: false, file, problems: shape };
  const valid = merged as ConfigFile;
  const dataDir = path.resolve(valid.dataDir ?? DEFAULTS.dataDir);
  const database = resolveDatabase(valid, dataDir);
  if ('problems' in database) return { ok: false, file, problems: database.problems.map(origin) };
  const config = resolve(valid, dataDir, database.database, hostname);
  const rules = crossFieldProblems(config);
  if (rules.length > 0) return { ok: false, file, problems: rules.map(origin) };
  const used = Object.keys(environment.origins).filter((field) => !(field in defined));
  return { ok: true, file, environment: used.map((f) => environment.origins[f] ?? f), config };
}

/**
 * The effective configuration: defaults < config file < SIMPOOL_* environment < overrides
 * (command-line options). Invalid values stop start-up with every bad field named.
 */
export function loadConfig(
  file: string | undefined,
  overrides: ConfigOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const checked = checkConfig(file, overrides, env);
  if (checked.ok) return checked.config;
  const where = checked.file === undefined ? '' : ` (${checked.file})`;
  const message = `invalid configuration${where}:\n  ${checked.problems.join('\n  ')}`;
  throw new SimpoolError('config_invalid', message, { details: { problems: checked.problems } });
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import type { ModemTiming } from '../modem/index.js';
import { SimpoolError, describeError } from '../shared/index.js';

const Ms = (minimum = 0) => Type.Optional(Type.Integer({ minimum, maximum: 3_600_000 }));
const Count = () => Type.Optional(Type.Integer({ minimum: 1, maximum: 100 }));

/**
 * Delays and bounds of the modem drivers' init and recovery ladder (src/modem DEFAULT_MODEM_TIMING
 * names the defaults). Rarely changed on real hardware; tests shorten them.
 */
const ModemTimingSchema = Type.Object(
  {
    wakeRounds: Count(),
    simReadyPolls: Count(),
    simReadyPollMs: Ms(),
    timeoutBurst: Count(),
    timeoutWindowMs: Ms(1),
    reopenAttempts: Count(),
    reopenDelayMs: Ms(),
    radioOffMs: Ms(),
    reappearTimeoutMs: Ms(),
    reappearPollMs: Ms(10),
    bootDelayMs: Ms(),
    commandTimeoutMs: Ms(100),
    resyncAttempts: Count(),
    resyncTimeoutMs: Ms(50),
    cfunTimeoutMs: Ms(100),
  },
  { additionalProperties: false },
);

const LogLevel = Type.Union([
  Type.Literal('trace'),
  Type.Literal('debug'),
  Type.Literal('info'),
  Type.Literal('warn'),
  Type.Literal('error'),
  Type.Literal('fatal'),
  Type.Literal('silent'),
]);

/** Number rental: prices, allocation and the rules that protect SIMs from being burnt. */
const OrdersSchema = Type.Object(
  {
    defaultPriceUsd: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000 })),
    maxCancelsPerService: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    cooldownSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    defaultMaxOpenOrders: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    smsClockSkewSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
    allocationPolicy: Type.Optional(Type.Union([Type.Literal('lru'), Type.Literal('random')])),
    liveOnSimulated: Type.Optional(
      Type.Boolean({
        description:
          'Live keys may rent SIMs of simulated modems; default true when every modem is simulated:N',
      }),
    ),
    sandboxStartingBalanceUsd: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000 })),
    sandboxSmsDelaySeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
  },
  { additionalProperties: false },
);

/** The HTTP API (API.md, LEGACY-API.md). */
const ApiSchema = Type.Object(
  {
    rateLimitPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    authCacheMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    legacyMode: Type.Optional(Type.Union([Type.Literal('sms-activate'), Type.Literal('daisysms')])),
  },
  { additionalProperties: false },
);

/** Webhook delivery (API.md "Webhooks"). */
const WebhooksSchema = Type.Object(
  {
    allowPrivate: Type.Optional(
      Type.Boolean({ description: 'Allow webhook URLs on private/loopback addresses' }),
    ),
    allowedHosts: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
  },
  { additionalProperties: false },
);

/** Per-SIM send limits (counting parts) and the random pause between messages. */
const ThrottleFields = {
  enabled: Type.Optional(Type.Boolean({ description: 'false turns every limit and pause off' })),
  perMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  perHour: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  perDay: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  pauseMinMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
  pauseMaxMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
};
const ThrottleSchema = Type.Object(ThrottleFields, { additionalProperties: false });

/** The Messaging API's send queue (API.md "Messaging API"). */
const MessagingSchema = Type.Object(
  {
    throttle: Type.Optional(ThrottleSchema),
    sims: Type.Optional(
      Type.Record(Type.String({ pattern: '^[0-9]{18,22}F?$' }), ThrottleSchema, {
        description: 'Throttle overrides per ICCID',
      }),
    ),
    sendFromRentedSims: Type.Optional(
      Type.Boolean({ description: 'Route messages through SIMs in an open rental order' }),
    ),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  },
  { additionalProperties: false },
);

/** The config file (JSON). Every field is optional; defaults are in `DEFAULTS`. */
export const ConfigSchema = Type.Object(
  {
    dataDir: Type.Optional(Type.String({ minLength: 1, description: 'Where the database lives' })),
    database: Type.Optional(
      Type.String({ minLength: 1, description: 'SQLite file; default DATA_DIR/simpool.db' }),
    ),
    host: Type.Optional(Type.String({ minLength: 1 })),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    logLevel: Type.Optional(LogLevel),
    modems: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Device paths, globs, tcp://host:port, simulated:N; empty = simulated:4',
      }),
    ),
    pins: Type.Optional(Type.Record(Type.String(), Type.String({ pattern: '^[0-9]{4,8}$' }))),
    numbers: Type.Optional(
      Type.Record(Type.String(), Type.String({ pattern: '^\\+?[0-9]{5,15}$' })),
    ),
    healthIntervalMs: Type.Optional(Type.Integer({ minimum: 1000 })),
    sweepIntervalMs: Type.Optional(Type.Integer({ minimum: 1000 })),
    hotplugIntervalMs: Type.Optional(Type.Integer({ minimum: 100 })),
    powerCycleCommand: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Shell command power-cycling one slot; {device} and $SIMPOOL_DEVICE name its port',
      }),
    ),
    modemTiming: Type.Optional(ModemTimingSchema),
    reassemblyTimeoutMs: Type.Optional(Type.Integer({ minimum: 60_000 })),
    simulatorControlPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    orders: Type.Optional(OrdersSchema),
    webhooks: Type.Optional(WebhooksSchema),
    api: Type.Optional(ApiSchema),
    messaging: Type.Optional(MessagingSchema),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigSchema>;

export interface Config {
  readonly dataDir: string;
  readonly database: string;
  readonly host: string;
  readonly port: number;
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  readonly modems: readonly string[];
  readonly pins: Readonly<Record<string, string>>;
  readonly numbers: Readonly<Record<string, string>>;
  readonly healthIntervalMs: number;
  readonly sweepIntervalMs: number;
  readonly hotplugIntervalMs: number;
  readonly powerCycleCommand: string | null;
  /** Overrides of the drivers' init and recovery timing; empty = the defaults. */
  readonly modemTiming: Readonly<Partial<ModemTiming>>;
  readonly reassemblyTimeoutMs: number;
  readonly simulatorControlPort: number;
  readonly orders: OrdersConfig;
  readonly webhooks: WebhooksConfig;
  readonly api: ApiSettings;
  readonly messaging: MessagingConfig;
}

export interface ThrottleConfig {
  readonly enabled: boolean;
  readonly perMinute: number;
  readonly perHour: number;
  readonly perDay: number;
  /** A random pause of pauseMinMs..pauseMaxMs between two messages of one SIM. */
  readonly pauseMinMs: number;
  readonly pauseMaxMs: number;
}

export interface MessagingConfig {
  /** The limits of every SIM without an override (defaults 6/min, 100/h, 500/day). */
  readonly throttle: ThrottleConfig;
  /** Overrides per ICCID, each on top of `throttle`. */
  readonly sims: Readonly<Record<string, ThrottleConfig>>;
  /** Whether a SIM in an open rental order may send messages (default false). */
  readonly sendFromRentedSims: boolean;
  /** Attempts of a part (temporary failures) before its message fails. */
  readonly maxAttempts: number;
}

const THROTTLE_DEFAULTS: ThrottleConfig = {
  enabled: true,
  perMinute: 6,
  perHour: 100,
  perDay: 500,
  pauseMinMs: 2_000,
  pauseMaxMs: 8_000,
};

function messagingConfig(file: Static<typeof MessagingSchema> | undefined): MessagingConfig {
  const throttle = { ...THROTTLE_DEFAULTS, ...file?.throttle };
  const sims = Object.fromEntries(
    Object.entries(file?.sims ?? {}).map(([iccid, own]) => [iccid, { ...throttle, ...own }]),
  );
  for (const [where, t] of [
    ['messaging/throttle', throttle],
    ...Object.entries(sims).map(([i, t]) => [`messaging/sims/${i}`, t] as const),
  ] as const) {
    if (t.pauseMaxMs < t.pauseMinMs) {
      throw new SimpoolError(
        'config_invalid',
        `invalid configuration:\n  ${where}/pauseMaxMs: must be >= pauseMinMs`,
        {
          details: { problems: [`${where}/pauseMaxMs: must be >= pauseMinMs`] },
        },
      );
    }
  }
  return {
    throttle,
    sims,
    sendFromRentedSims: file?.sendFromRentedSims ?? false,
    maxAttempts: file?.maxAttempts ?? 5,
  };
}

export interface ApiSettings {
  /** Requests per minute per API key on /api/v1/customer/* (API.md default 60). */
  readonly rateLimitPerMinute: number;
  /** The legacy API's token spelling: sms-activate's or DaisySMS's. */
  readonly legacyMode: 'sms-activate' | 'daisysms';
  /**
   * How long one key's authentication is reused (ms). Revoking a key or banning a customer from
   * another process (the CLI) takes effect within this time; from the daemon, at once.
   */
  readonly authCacheMs: number;
}

const API_DEFAULTS: ApiSettings = {
  rateLimitPerMinute: 60,
  legacyMode: 'sms-activate',
  authCacheMs: 1000,
};

export interface WebhooksConfig {
  /** Webhook URLs may point at private, loopback and link-local addresses (tests, closed LANs). */
  readonly allowPrivate: boolean;
  /** Hosts allowed whatever they resolve to. */
  readonly allowedHosts: readonly string[];
  /** Parallel deliveries to different endpoints. */
  readonly concurrency: number;
}

const WEBHOOK_DEFAULTS: WebhooksConfig = { allowPrivate: false, allowedHosts: [], concurrency: 8 };

export interface OrdersConfig {
  /** Price of every (service, country) pair seeded on first start, in USD. */
  readonly defaultPriceUsd: number;
  readonly maxCancelsPerService: number;
  readonly cooldownSeconds: number;
  /** Open orders per API key when the key sets no limit of its own. */
  readonly defaultMaxOpenOrders: number;
  readonly smsClockSkewSeconds: number;
  readonly allocationPolicy: 'lru' | 'random';
  /**
   * Live (sp_live_) orders may get SIMs of simulated modems. Sandbox (sp_test_) orders only ever
   * get simulated SIMs, live ones only real SIMs — except on an appliance that has nothing but
   * simulated modems (the demo, `npm start` without hardware), where there is nothing else to
   * sell. Default: true when every configured modem source is `simulated:N`, else false.
   */
  readonly liveOnSimulated: boolean;
  /** Play money credited to a customer's sandbox balance with their first sandbox key. */
  readonly sandboxStartingBalanceUsd: number;
  /** Seconds from a sandbox purchase, retry or swap to its synthetic verification SMS. */
  readonly sandboxSmsDelaySeconds: number;
}

const ORDER_DEFAULTS: Omit<OrdersConfig, 'liveOnSimulated'> = {
  defaultPriceUsd: 0.5,
  maxCancelsPerService: 3,
  cooldownSeconds: 0,
  defaultMaxOpenOrders: 20,
  smsClockSkewSeconds: 60,
  allocationPolicy: 'lru',
  sandboxStartingBalanceUsd: 100,
  sandboxSmsDelaySeconds: 3,
};

/** `orders.liveOnSimulated` when the config does not say: only simulated modems = a demo. */
export function onlySimulatedModems(modems: readonly string[]): boolean {
  return modems.length > 0 && modems.every((m) => /^simulated:\d+$/.test(m.trim()));
}

export const DEFAULT_MODEMS = ['simulated:4'];

const DEFAULTS = {
  dataDir: '.simpool',
  host: '127.0.0.1',
  port: 8080,
  logLevel: 'info',
  healthIntervalMs: 30_000,
  sweepIntervalMs: 60_000,
  hotplugIntervalMs: 2_000,
  reassemblyTimeoutMs: 24 * 60 * 60_000,
  simulatorControlPort: 8765,
} as const;

/** Values from the command line (or a test) that win over the file and the environment. */
export type ConfigOverrides = Partial<
  Pick<ConfigFile, 'dataDir' | 'database' | 'host' | 'port' | 'modems' | 'logLevel'>
>;

/** SIMPOOL_* environment variables, for systemd EnvironmentFile and containers. */
function fromEnvironment(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const number = (value: string): unknown => (/^\d+$/.test(value) ? Number(value) : value);
  if (env.SIMPOOL_DATA_DIR) out.dataDir = env.SIMPOOL_DATA_DIR;
  if (env.SIMPOOL_DATABASE) out.database = env.SIMPOOL_DATABASE;
  if (env.SIMPOOL_HOST) out.host = env.SIMPOOL_HOST;
  if (env.SIMPOOL_PORT) out.port = number(env.SIMPOOL_PORT);
  if (env.SIMPOOL_LOG_LEVEL) out.logLevel = env.SIMPOOL_LOG_LEVEL;
  if (env.SIMPOOL_MODEMS) out.modems = env.SIMPOOL_MODEMS.split(',').map((m) => m.trim());
  return out;
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SimpoolError(
      'config_invalid',
      `cannot read config file ${file}: ${describeError(error)}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SimpoolError(
      'config_invalid',
      `config file ${file} is not valid JSON: ${describeError(error)}`,
    );
  }
}

/** Readable problems, one per bad field: "modems/0: must be string". */
function problems(value: unknown): string[] {
  return [...Value.Errors(ConfigSchema, value)]
    .filter((e) => e.keyword !== 'boolean')
    .map((e) => {
      const field = e.instancePath.replace(/^\//, '') || '(top level)';
      const extra = e.keyword === 'additionalProperties' ? `: ${JSON.stringify(e.params)}` : '';
      return `${field}: ${e.message}${extra}`;
    });
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
  const fromFile = file === undefined ? {} : readConfigFile(file);
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
    throw new SimpoolError('config_invalid', `config file ${file} must hold a JSON object`);
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const merged: unknown = { ...fromFile, ...fromEnvironment(env), ...defined };
  const found = problems(merged);
  if (found.length > 0) {
    throw new SimpoolError('config_invalid', `invalid configuration:\n  ${found.join('\n  ')}`, {
      details: { problems: found },
    });
  }
  const config = merged as ConfigFile;
  const dataDir = path.resolve(config.dataDir ?? DEFAULTS.dataDir);
  const modems = config.modems && config.modems.length > 0 ? config.modems : DEFAULT_MODEMS;
  return {
    dataDir,
    database: path.resolve(dataDir, config.database ?? 'simpool.db'),
    host: config.host ?? DEFAULTS.host,
    port: config.port ?? DEFAULTS.port,
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
  };
}

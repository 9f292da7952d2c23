/**
 * The config file's schema (JSON). Every field is optional; the defaults live in config.ts and
 * the README "Configuration" table documents each field. `description`s here are what an
 * operator reads when a value is refused, so they say what the field is for.
 */
import { Type, type Static } from 'typebox';

/** ICCIDs as the modem layer normalises them (`normalizeIccid`): 89…, digits or A-E. */
export const ICCID_PATTERN = '^89[0-9A-E]{16,20}$';
export const PIN_KEY_PATTERN = '^(89[0-9A-E]{16,20}|\\*)$';
export const PIN_PATTERN = '^[0-9]{4,8}$';
export const PHONE_PATTERN = '^\\+?[0-9]{5,15}$';
/**
 * A host id: 1 to 64 letters, digits, `.`, `_`, `-`, starting with a letter or a digit. 64 is
 * Linux's longest hostname (HOST_NAME_MAX), so the default, the machine's hostname, fits; so does
 * any DNS label (63). The id is a key in the shared database and appears in logs, admin API URLs,
 * metrics labels and lock names: no spaces, slashes, colons or quotes (nothing to escape
 * anywhere), and no leading `-` or `.` (it could pass for a command-line option or a path).
 */
export const HOST_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';

/** What a pattern means, for error messages (a PIN is never echoed back). */
export const PATTERN_MEANINGS: Readonly<Record<string, string>> = {
  [ICCID_PATTERN]: 'an ICCID (89 followed by 16 to 20 digits)',
  [PIN_KEY_PATTERN]: 'an ICCID (89 followed by 16 to 20 digits) or "*" for any SIM',
  [PIN_PATTERN]: 'a SIM PIN of 4 to 8 digits',
  [PHONE_PATTERN]: 'a phone number of 5 to 15 digits, optionally with a leading +',
  [HOST_ID_PATTERN]:
    'a host id: 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or a digit',
};

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

// Enums, not unions of literals: one readable "must be one of" error, and TypeBox's error walk
// goes on to the next field after an enum (after a failed anyOf it may skip some).
const LogLevel = Type.Enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** Number rental: prices, allocation and the rules that protect SIMs from being burnt. */
const OrdersSchema = Type.Object(
  {
    defaultPriceUsd: Type.Optional(
      Type.Number({ minimum: 0, maximum: 10_000, description: 'Price of new catalog pairs' }),
    ),
    holdSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 7 * 24 * 3600,
        description: 'No cancel or swap before this many seconds (services added at seeding)',
      }),
    ),
    lifetimeMinutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 7 * 24 * 60,
        description: 'An order expires after this many minutes (services added at seeding)',
      }),
    ),
    maxCancelsPerService: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    cooldownSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    defaultMaxOpenOrders: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    smsClockSkewSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
    allocationPolicy: Type.Optional(Type.Enum(['lru', 'random'])),
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
    authFailureLimit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1_000_000,
        description: 'Failed authentications per client address before it is refused',
      }),
    ),
    authFailureWindowSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 86_400,
        description: 'The window failed authentications are counted in (seconds)',
      }),
    ),
    authCacheMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    legacyMode: Type.Optional(Type.Enum(['sms-activate', 'daisysms'])),
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
    pauseAfterHours: Type.Optional(
      Type.Number({
        minimum: 1,
        maximum: 24 * 30,
        description: 'Pause an endpoint after failing this long with no success',
      }),
    ),
    probeIntervalMinutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 24 * 60,
        description: "How often a paused endpoint's oldest delivery is retried",
      }),
    ),
  },
  { additionalProperties: false },
);

/** Per-SIM send limits (counting parts) and the random pause between messages. */
const ThrottleSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ description: 'false turns every limit and pause off' })),
    perMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    perHour: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    perDay: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    pauseMinMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    pauseMaxMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
  },
  { additionalProperties: false },
);

/** An object keyed by ICCID; a key that is no ICCID is refused rather than silently unused. */
const ByIccid = <T extends Parameters<typeof Type.Record>[1]>(
  value: T,
  description: string,
  keyPattern = ICCID_PATTERN,
) =>
  Type.Record(Type.String({ pattern: keyPattern }), value, {
    additionalProperties: false,
    description,
  });

/** The Messaging API's send queue (API.md "Messaging API"). */
const MessagingSchema = Type.Object(
  {
    throttle: Type.Optional(ThrottleSchema),
    sims: Type.Optional(ByIccid(ThrottleSchema, 'Throttle overrides per ICCID')),
    sendFromRentedSims: Type.Optional(
      Type.Boolean({ description: 'Route messages through SIMs in an open rental order' }),
    ),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    deliveryGuarantee: Type.Optional(
      Type.Union([Type.Literal('at-most-once'), Type.Literal('at-least-once')], {
        description:
          'A part sent with AT+CMGS that may have gone out when nothing can tell (a crash, no ' +
          'answer): at-most-once marks it unknown and never sends it again (default), ' +
          'at-least-once sends it again (the recipient may get it twice)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Incoming voice calls on the SIMs. */
const CallsSchema = Type.Object(
  {
    onIncoming: Type.Optional(
      Type.Union([Type.Literal('reject'), Type.Literal('ignore')], {
        description: 'reject: hang up (ATH) after the first RING; ignore: let it ring',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.Optional(Type.String({ minLength: 1, description: 'Where the database lives' })),
    database: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'SQLite file (relative to dataDir; default DATA_DIR/simpool.db) or a postgres:// URL',
      }),
    ),
    databasePasswordFile: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'File holding the PostgreSQL password (instead of the URL or $PGPASSWORD)',
      }),
    ),
    hostId: Type.Optional(
      Type.String({
        pattern: HOST_ID_PATTERN,
        description: "This host's name in a cluster sharing one database; default the hostname",
      }),
    ),
    hostLeaseTtlMs: Type.Optional(
      Type.Integer({
        minimum: 1000,
        maximum: 600_000,
        description:
          "How long this host's lease lasts unrenewed (renewed every third of it); other hosts " +
          'take its SIMs offline at most this long (plus a renewal period) after it dies',
      }),
    ),
    host: Type.Optional(Type.String({ minLength: 1, description: 'HTTP listen address' })),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'HTTP port' })),
    trustProxy: Type.Optional(
      Type.Union([Type.Boolean(), Type.Array(Type.String({ minLength: 1 }))], {
        description:
          'true, false, or a list of proxy addresses, address/prefix ranges and the names loopback, linklocal, uniquelocal',
      }),
    ),
    logLevel: Type.Optional(LogLevel),
    modems: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Device paths, globs, tcp://host:port, simulated:N; empty = simulated:4',
      }),
    ),
    pins: Type.Optional(
      ByIccid(
        Type.String({ pattern: PIN_PATTERN }),
        'SIM PINs by ICCID; "*" for any SIM',
        PIN_KEY_PATTERN,
      ),
    ),
    numbers: Type.Optional(
      ByIccid(
        Type.String({ pattern: PHONE_PATTERN }),
        'Phone numbers of SIMs that do not know their own',
      ),
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
    calls: Type.Optional(CallsSchema),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigSchema>;
export type MessagingFile = Static<typeof MessagingSchema>;

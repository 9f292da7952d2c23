/** The effective configuration: every field resolved (file < environment < command line). */
import type { TrustProxy } from '../api/index.js';
import type { ModemTiming } from '../modem/index.js';
import type { DeliveryGuarantee, ThrottleLimits } from '../pool/index.js';
import type { DatabaseConfig } from './config-database.js';

export type {
  DatabaseConfig,
  PostgresDatabaseConfig,
  SqliteDatabaseConfig,
} from './config-database.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface Config {
  readonly dataDir: string;
  /**
   * The store: a SQLite file (`database` a path, default DATA_DIR/simpool.db) or PostgreSQL
   * (`database` a postgres:// URL). Print it with `describeDatabase`: the URL may hold a password.
   */
  readonly database: DatabaseConfig;
  /**
   * This host's name among the hosts sharing one database (default the machine's hostname). It
   * also seeds the identities of the built-in simulated modems, so hosts never share a SIM.
   */
  readonly hostId: string;
  /**
   * How long this host's lease in the shared database lasts unrenewed (ms, default 15 000). It
   * is renewed every third of it; other hosts reap a host whose lease ran out (its SIMs offline,
   * its work in flight back to the queues) within about this time plus a third.
   */
  readonly hostLeaseTtlMs: number;
  readonly host: string;
  readonly port: number;
  /**
   * The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: the client
   * address of throttles and logs, HTTPS for the admin cookie's Secure flag. `false` (default):
   * none, the peer is the client; `true`: any peer; or addresses, CIDR ranges and the names
   * loopback, linklocal, uniquelocal.
   */
  readonly trustProxy: TrustProxy;
  readonly logLevel: LogLevel;
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
  readonly calls: CallsConfig;
}

export interface CallsConfig {
  /** `reject` (default): hang up after the first RING; `ignore`: let it ring. Either way the
   * call is recorded on its SIM and given to the open order there. */
  readonly onIncoming: 'reject' | 'ignore';
}

/** Per-SIM send limits: the pool's own shape (caps per minute/hour/day, pause between messages). */
export type ThrottleConfig = ThrottleLimits;

export interface MessagingConfig {
  /** The limits of every SIM without an override (defaults 6/min, 100/h, 500/day). */
  readonly throttle: ThrottleConfig;
  /** Overrides per ICCID, each on top of `throttle`. */
  readonly sims: Readonly<Record<string, ThrottleConfig>>;
  /** Whether a SIM in an open rental order may send messages (default false). */
  readonly sendFromRentedSims: boolean;
  /** Attempts of a part (temporary failures) before its message fails. */
  readonly maxAttempts: number;
  /**
   * A part that may have gone out when nothing can tell (sent with AT+CMGS on a modem without
   * AT+CMGW, then a crash or no answer): `unknown` and never sent again (`at-most-once`, the
   * default) or sent again (`at-least-once`).
   */
  readonly deliveryGuarantee: DeliveryGuarantee;
}

export interface ApiSettings {
  /** Requests per minute per API key: one budget for REST, the legacy API and WS upgrades. */
  readonly rateLimitPerMinute: number;
  /** Failed authentications per client address (any door) before it is refused for a while. */
  readonly authFailureLimit: number;
  /** The window those failures are counted in; the refusal ends when they leave it. */
  readonly authFailureWindowSeconds: number;
  /** The legacy API's token spelling: sms-activate's or DaisySMS's. */
  readonly legacyMode: 'sms-activate' | 'daisysms';
  /**
   * How long one key's authentication is reused (ms). Revoking a key or banning a customer from
   * another process (the CLI) takes effect within this time; from the daemon, at once.
   */
  readonly authCacheMs: number;
}

export interface WebhooksConfig {
  /** Webhook URLs may point at private, loopback and link-local addresses (tests, closed LANs). */
  readonly allowPrivate: boolean;
  /** Hosts allowed whatever they resolve to. */
  readonly allowedHosts: readonly string[];
  /** Parallel deliveries to different endpoints. */
  readonly concurrency: number;
  /** An endpoint failing with no success for this long is paused (24). */
  readonly pauseAfterHours: number;
  /** A paused endpoint's oldest delivery is retried this often; the first success resumes it
   * (30). Also the longest wait between retries before the pause. */
  readonly probeIntervalMinutes: number;
}

export interface OrdersConfig {
  /** Price of every (service, country) pair seeded on first start, in USD. */
  readonly defaultPriceUsd: number;
  /**
   * Hold (no cancel or swap before it) and lifetime of services the catalog seed adds. Services
   * already in the database keep theirs: the operator edits those in the catalog.
   */
  readonly holdSeconds: number;
  readonly lifetimeMinutes: number;
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

import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { SimpoolError, isSimpoolError, systemClock, type Clock } from '../../shared/index.js';
import { runPostgresMigrations } from './migrate.js';
import {
  isPostgresUrl,
  parsesUnambiguously,
  passwordInUrl,
  redactDatabaseUrl,
  sanitizeError,
} from './redact.js';
import {
  checkOut,
  runTransaction,
  type CheckedOutClient,
  type PostgresClient,
  type TransactionOptions,
} from './transaction.js';
import { passwordFromFileText } from './password-file.js';
import { pgDriver } from './pg-driver.js';
import { simpoolTypeParsers } from './type-parsers.js';

export interface OpenPostgresOptions {
  /** Connections in the pool. Default 10. */
  readonly poolSize?: number;
  /** This host's id: connections show as `simpool:<hostId>` in pg_stat_activity. */
  readonly hostId?: string;
  /**
   * A file holding the password (read once, its trailing line break dropped), for a URL without one. Otherwise the
   * password is the URL's, or PGPASSWORD's (or ~/.pgpass), as node-postgres reads them.
   */
  readonly passwordFile?: string;
  /** Longest wait for a new connection, or for a free one of the pool. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Called once per migration applied, for progress output. */
  readonly onMigration?: (id: number, name: string) => void;
  /**
   * false: leave the schema as it is, for a caller that must look at the database before
   * migrating it (copying an appliance refuses a target holding data) and then runs
   * runPostgresMigrations itself. Default true.
   */
  readonly migrate?: boolean;
  /**
   * Errors of idle connections (server restart, network): the pool drops such a connection and
   * opens another when needed. Passwords scrubbed. Default: ignored.
   */
  readonly onError?: (error: Error) => void;
  /** Times the pauses between transaction retries. */
  readonly clock?: Clock;
}

/** Something SQL can be sent to: the database (any pooled connection) or one client. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_PING_TIMEOUT_MS = 2_000;

/**
 * A pool of connections to simpool's PostgreSQL database (node-postgres `pg.Pool`), with BIGINT
 * and NUMERIC read as numbers. Made by `openPostgres`, which migrates it first.
 */
export class PostgresDatabase implements Queryable {
  /** The underlying pool, for what the methods below do not cover. */
  readonly pool: pg.Pool;
  /** The database URL with its password masked: the only form ever shown. */
  readonly displayUrl: string;
  private readonly clientConfig: pg.ClientConfig;
  private readonly secrets: readonly (string | undefined)[];
  private readonly onError: (error: Error) => void;
  private readonly clock: Clock;
  private closing: Promise<void> | undefined;

  /** @internal Use openPostgres. */
  constructor(
    clientConfig: pg.ClientConfig,
    settings: {
      readonly displayUrl: string;
      readonly secrets: readonly (string | undefined)[];
      readonly poolSize: number;
      readonly onError: (error: Error) => void;
      readonly clock: Clock;
    },
  ) {
    this.clientConfig = clientConfig;
    this.displayUrl = settings.displayUrl;
    this.secrets = settings.secrets;
    this.onError = settings.onError;
    this.clock = settings.clock;
    this.pool = new (pgDriver().Pool)({ ...clientConfig, max: settings.poolSize });
    // An idle client's error is emitted on the pool; unhandled, it would end the process.
    this.pool.on('error', (error) => this.onError(this.sanitize(error)));
  }

  /** One statement on any pooled connection (autocommit). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(sql, params);
  }

  /**
   * `work(client)` inside BEGIN … COMMIT on one pooled client, rolled back if it throws. On a
   * serialization failure or deadlock (40001, 40P01) the whole transaction runs again, a bounded
   * number of times (TransactionOptions.maxAttempts): `work` must be safe to re-run.
   */
  transaction<T>(
    work: (client: PostgresClient) => Promise<T>,
    options?: TransactionOptions,
  ): Promise<T> {
    return runTransaction(this.pool, this.clock, work, options);
  }

  /**
   * A new connection outside the pool, with the pool's settings: for LISTEN and session-level
   * advisory locks, which must not be handed to someone else. The caller ends it (`client.end()`).
   * Its errors go to `onClientError` (default: the database's onError), passwords scrubbed.
   */
  async connectClient(onClientError?: (error: Error) => void): Promise<pg.Client> {
    const client = new (pgDriver().Client)(this.clientConfig);
    const report = onClientError ?? this.onError;
    client.on('error', (error) => report(this.sanitize(error)));
    try {
      await client.connect();
    } catch (error) {
      throw this.sanitize(error);
    }
    return client;
  }

  /**
   * Whether the database takes a write now (readiness probes): a row inserted and rolled back
   * on a pooled connection, within `timeoutMs` (default 2 s) all told. A read-only server
   * (standby, `default_transaction_read_only`), an unreachable one or an exhausted pool answer
   * false. Never throws.
   */
  async ping(options: { readonly timeoutMs?: number } = {}): Promise<boolean> {
    const timeoutMs = Math.max(1, options.timeoutMs ?? DEFAULT_PING_TIMEOUT_MS);
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = this.clock.setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.probeWrite(timeoutMs), timedOut]);
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
    }
  }

  private async probeWrite(timeoutMs: number): Promise<boolean> {
    let held: CheckedOutClient;
    try {
      held = await checkOut(this.pool);
    } catch {
      return false;
    }
    let failure: Error | undefined;
    try {
      // One round trip. A negative id per backend: probes of several hosts never wait on each
      // other's uncommitted row.
      await held.client.query({
        text: `BEGIN;
INSERT INTO schema_migrations (id, name, applied_at) VALUES (-pg_backend_pid(), 'readiness probe', 0);
ROLLBACK`,
        query_timeout: timeoutMs,
      } as pg.QueryConfig);
      return true;
    } catch (error) {
      // The connection may be mid-transaction or stuck: never hand it to anyone else.
      failure = error as Error;
      return false;
    } finally {
      held.release(failure);
    }
  }

  /** Ends every connection of the pool (waiting for checked-out ones). Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }

  /** A copy of an error that is safe to show: the password scrubbed from its message. */
  sanitize(error: unknown): Error {
    return sanitizeError(error, this.secrets);
  }
}

function readPasswordFile(file: string): string {
  try {
    return passwordFromFileText(readFileSync(file, 'utf8'));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new SimpoolError('store_open_failed', `cannot read the password file ${file} (${code})`);
  }
}

/**
 * The URL node-postgres will parse, with a password from a file added as `?password=` (read
 * by node-postgres like the URL's userinfo, and possible whatever the URL's host form: a URL
 * with an empty host, for a Unix socket, cannot carry userinfo).
 */
function connectionStringWith(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const separator = url.includes('?') ? '&' : '?';
  const [base, fragment] = url.split('#', 2);
  return `${base}${separator}password=${encodeURIComponent(password)}${fragment === undefined ? '' : `#${fragment}`}`;
}

/**
 * Opens simpool's PostgreSQL database: checks the URL, builds the pool and runs the migrations
 * (hosts starting together migrate once). TLS and other connection options come from the URL's
 * query parameters as node-postgres reads them (`sslmode`, `sslrootcert`, `application_name` …;
 * the URL's `application_name` wins over simpool's).
 *
 * Anything that keeps the database from being usable (bad URL, unreadable password file,
 * unreachable server, refused login, a migration failing) is `store_open_failed`; a schema from
 * a newer simpool is `store_schema_too_new`. No message or error carries the password.
 */
export async function openPostgres(
  url: string,
  options: OpenPostgresOptions = {},
): Promise<PostgresDatabase> {
  const displayUrl = redactDatabaseUrl(url);
  const secrets: (string | undefined)[] = [passwordInUrl(url), process.env['PGPASSWORD']];
  let db: PostgresDatabase | undefined;
  try {
    if (!isPostgresUrl(url)) {
      throw new SimpoolError(
        'store_open_failed',
        `${displayUrl} is not a postgres:// or postgresql:// URL`,
      );
    }
    if (!parsesUnambiguously(url)) {
      throw new SimpoolError(
        'store_open_failed',
        `${displayUrl} does not read as one URL: percent-encode @ : / ? # in the user name, ` +
          'the password and the parameters',
      );
    }
    let filePassword: string | undefined;
    if (options.passwordFile !== undefined) {
      if (passwordInUrl(url) !== undefined) {
        throw new SimpoolError(
          'store_open_failed',
          `${displayUrl} carries a password and a password file is set too: use one`,
        );
      }
      filePassword = readPasswordFile(options.passwordFile);
      secrets.push(filePassword);
    }
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const clientConfig: pg.ClientConfig = {
      connectionString: connectionStringWith(url, filePassword),
      application_name: options.hostId ? `simpool:${options.hostId}` : 'simpool',
      types: simpoolTypeParsers,
      connectionTimeoutMillis: connectTimeoutMs,
      // Notices a dead peer on an idle connection (LISTEN) without waiting for a write.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    };
    db = new PostgresDatabase(clientConfig, {
      displayUrl,
      secrets,
      poolSize: Math.max(1, Math.trunc(options.poolSize ?? DEFAULT_POOL_SIZE)),
      onError: options.onError ?? (() => undefined),
      clock: options.clock ?? systemClock,
    });
    if (options.migrate ?? true) await runPostgresMigrations(db, options.onMigration);
    return db;
  } catch (error) {
    await db?.close().catch(() => undefined);
    if (isSimpoolError(error)) throw error;
    const cause = sanitizeError(error, secrets);
    throw new SimpoolError(
      'store_open_failed',
      `cannot open PostgreSQL database ${displayUrl}: ${cause.message}`,
      { cause },
    );
  }
}

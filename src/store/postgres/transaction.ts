import type pg from 'pg';
import { pgDriver } from './pg-driver.js';
import { sleep, type Clock } from '../../shared/index.js';

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  /** Default: the server's default (READ COMMITTED unless configured otherwise). */
  readonly isolation?: IsolationLevel;
  readonly readOnly?: boolean;
  /**
   * How many times in all (the first included) the transaction is run when PostgreSQL aborts it
   * for a serialization failure or a deadlock. Default 5.
   */
  readonly maxAttempts?: number;
}

/** A client of the pool, checked out for one transaction. Never release it, BEGIN or COMMIT. */
export type PostgresClient = pg.PoolClient;

/** What runs once the transaction on a client has committed (onCommit). */
const commitHooks = new WeakMap<PostgresClient, (() => void)[]>();

/**
 * Runs `hook` after the transaction that `client` is in has committed (never after a rollback,
 * once per attempt that commits). For work that must not be part of the transaction: a
 * NOTIFY inside a transaction makes PostgreSQL serialise its commit with every other notifying
 * transaction's, WAL flush included, so wake-ups are sent after commit instead. A hook must not
 * throw (it is called synchronously after COMMIT; a throw is swallowed).
 */
export function onCommit(client: PostgresClient, hook: () => void): void {
  const hooks = commitHooks.get(client);
  if (!hooks) throw new Error('onCommit outside of PostgresDatabase.transaction');
  hooks.push(hook);
}

/** Statements of the transaction on a client that go to the server with its COMMIT. */
const commitStatements = new WeakMap<PostgresClient, string[]>();

/**
 * Sends `sql` with the COMMIT of the transaction that `client` is in, in the same round trip
 * (the simple query protocol: several statements in one message, so no parameters; write
 * values with `sqlLiteral`). For writes nothing later in the transaction reads or depends on
 * (the outbox's event rows). They run in the order given, before the commit, inside the
 * transaction: if one fails, the statements after it and the COMMIT are not run, the
 * transaction rolls back and the error is thrown (retried as any other on 40001/40P01).
 */
export function sendWithCommit(client: PostgresClient, sql: string): void {
  const statements = commitStatements.get(client);
  if (!statements) throw new Error('sendWithCommit outside of PostgresDatabase.transaction');
  statements.push(sql);
}

/**
 * A value written into SQL text (for `sendWithCommit`): NULL, an integer, or a string quoted
 * by node-postgres's escapeLiteral (quotes and backslashes doubled, E'…' when there is a
 * backslash), so any text reads back as it was.
 */
export function sqlLiteral(value: string | number | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`not an integer for SQL: ${value}`);
    return String(value);
  }
  return pgDriver().escapeLiteral(value);
}

/** SQLSTATEs after which running the whole transaction again may succeed. */
const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure (REPEATABLE READ / SERIALIZABLE conflicts)
  '40P01', // deadlock_detected
]);

export const DEFAULT_TRANSACTION_ATTEMPTS = 5;
/** Full jitter: attempt n waits a random time in [0, min(cap, base·2^(n−1))]. */
const BACKOFF_BASE_MS = 5;
const BACKOFF_CAP_MS = 200;

/**
 * A prepared statement (prepared.ts) whose result's shape a schema change altered since this
 * connection prepared it (another host migrated): the server refuses it on this connection
 * for as long as it lives, and a fresh connection prepares it anew.
 */
export function isStalePreparedStatement(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return (
    e?.code === '0A000' &&
    typeof e.message === 'string' &&
    e.message.includes('cached plan must not change result type')
  );
}

/** Whether PostgreSQL refused the transaction in a way that a fresh run may not meet again. */
export function isRetryableTransactionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (typeof code === 'string' && RETRYABLE_SQLSTATES.has(code)) || isStalePreparedStatement(error)
  );
}

function beginStatement(options: TransactionOptions): string {
  const modes: string[] = [];
  if (options.isolation) modes.push(`ISOLATION LEVEL ${options.isolation.toUpperCase()}`);
  if (options.readOnly) modes.push('READ ONLY');
  return modes.length === 0 ? 'BEGIN' : `BEGIN ${modes.join(', ')}`;
}

export interface CheckedOutClient {
  readonly client: PostgresClient;
  /** Gives the client back; destroys it instead when its connection failed or `failure` is set. */
  readonly release: (failure?: Error) => void;
}

/**
 * A pooled client, listened to for errors for as long as it is held: the pool listens only to
 * idle clients, and an 'error' event nobody listens to (a connection lost between two queries of
 * a transaction) would end the process. The queries in flight reject on their own.
 */
export async function checkOut(pool: pg.Pool): Promise<CheckedOutClient> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error): void => {
    lost = error;
  };
  client.on('error', onError);
  return {
    client,
    release: (failure?: Error): void => {
      client.removeListener('error', onError);
      client.release(failure ?? lost);
    },
  };
}

/**
 * One attempt on one client: BEGIN, work, COMMIT; ROLLBACK on any error. A client whose
 * ROLLBACK fails too (connection lost) is destroyed rather than returned to the pool.
 */
async function attemptOnce<T>(
  pool: pg.Pool,
  work: (client: PostgresClient) => Promise<T>,
  options: TransactionOptions,
): Promise<T> {
  const { client, release } = await checkOut(pool);
  let broken: Error | undefined;
  try {
    await client.query(beginStatement(options));
    const hooks: (() => void)[] = [];
    const withCommit: string[] = [];
    commitHooks.set(client, hooks);
    commitStatements.set(client, withCommit);
    try {
      const result = await work(client);
      await client.query([...withCommit, 'COMMIT'].join(';\n'));
      commitHooks.delete(client);
      commitStatements.delete(client);
      for (const hook of hooks) {
        try {
          hook();
        } catch {
          // After the commit nothing may undo it or fail the caller.
        }
      }
      return result;
    } catch (error) {
      commitHooks.delete(client);
      commitStatements.delete(client);
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      // Its prepared statements would fail again on it: the run again goes to a new one.
      if (isStalePreparedStatement(error)) broken ??= error as Error;
      throw error;
    }
  } finally {
    release(broken);
  }
}

/**
 * Runs `work` in a transaction, again from the start (a new BEGIN, possibly another client) when
 * PostgreSQL aborts it with 40001 or 40P01, or refuses a prepared statement a schema change made
 * stale (on a new connection then), up to `maxAttempts` runs, after a short jittered
 * pause. `work` may therefore run more than once: it must not have effects outside the database
 * (or only idempotent ones) before it returns. Any other error, or the last retryable one, is
 * thrown as PostgreSQL (or `work`) raised it.
 */
export async function runTransaction<T>(
  pool: pg.Pool,
  clock: Clock,
  work: (client: PostgresClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const attempts = Math.max(1, Math.trunc(options.maxAttempts ?? DEFAULT_TRANSACTION_ATTEMPTS));
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce(pool, work, options);
    } catch (error) {
      if (attempt >= attempts || !isRetryableTransactionError(error)) throw error;
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
      await sleep(clock, Math.random() * ceiling);
    }
  }
}

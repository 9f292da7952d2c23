/**
 * The `database` setting: a file path means SQLite (the embedded default), a `postgres://` or
 * `postgresql://` URL means PostgreSQL, read by node-postgres (TLS and other options stay in the
 * URL's query parameters). The password is a secret: everything shown to people (config check,
 * the admin page, errors) goes through `describeDatabase`, which masks it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeError } from '../shared/index.js';
import { passwordFromFileText, redactDatabaseUrl } from '../store/index.js';

export interface SqliteDatabaseConfig {
  readonly engine: 'sqlite';
  /** Absolute path of the database file. */
  readonly file: string;
}

export interface PostgresDatabaseConfig {
  readonly engine: 'postgres';
  /**
   * The URL as configured, for node-postgres. It may carry a password: never print it, print
   * `describeDatabase(…)`.
   */
  readonly url: string;
  /**
   * Absolute path of a file holding the password (`databasePasswordFile`), or null: the password
   * is in the URL, in $PGPASSWORD or ~/.pgpass (node-postgres reads those itself), or none.
   */
  readonly passwordFile: string | null;
}

export type DatabaseConfig = SqliteDatabaseConfig | PostgresDatabaseConfig;

/** `postgres://` and `postgresql://`, as libpq and node-postgres accept them. */
const POSTGRES_SCHEMES = new Set(['postgres:', 'postgresql:']);

/**
 * A leading `scheme:` of two or more characters: a URL, not a file. (One letter would be a
 * Windows drive; a file whose name has a colon can be given as `./name`.)
 */
const URL_SCHEME = /^([a-z][a-z0-9+.-]+):/i;

/** What a PostgreSQL URL looks like, for messages. */
const POSTGRES_FORM = 'postgres://USER@HOST:PORT/DATABASE?OPTIONS';

/**
 * The URL as node-postgres parses it (pg-connection-string): spaces and stray `%` are encoded
 * first, and a URL with no host (`postgres://user@/db?host=/run/postgresql`) is read with a
 * placeholder host. Throws on what node-postgres would refuse too.
 */
function parsePostgresUrl(url: string): URL {
  const encoded = / |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(url)
    ? encodeURI(url).replace(/%25(\d\d)/g, '%$1')
    : url;
  try {
    return new URL(encoded);
  } catch {
    return new URL(encoded.replace('@/', '@placeholder/'));
  }
}

/**
 * `postgres://user:12#3@host/db` parses, as host `user` and port 12: an @ after an authority
 * that has none is a password cut short by an unencoded character (and would print unmasked).
 */
function passwordCutShort(url: string): boolean {
  const parts = /^[^:]+:\/\/([^/?#]*)(.*)$/s.exec(url);
  return parts !== null && !parts[1]?.includes('@') && parts[2]?.includes('@') === true;
}

/**
 * The database for people: the SQLite file, or the PostgreSQL URL with the password masked (by
 * the store's one masker, which the store's own messages use too).
 */
export function describeDatabase(database: DatabaseConfig): string {
  return database.engine === 'sqlite' ? database.file : redactDatabaseUrl(database.url);
}

/**
 * Reads the password of `databasePasswordFile`: the file's text without its trailing line break
 * (files written by `echo` or a secrets manager end with one).
 */
export function readDatabasePassword(file: string): string {
  return passwordFromFileText(readFileSync(file, 'utf8'));
}

/** The top-level fields this module resolves, as the (schema-checked) config file has them. */
export interface DatabaseFields {
  readonly database?: string | undefined;
  readonly databasePasswordFile?: string | undefined;
}

function postgresProblems(url: string, passwordFile: string | undefined): string[] {
  if (!/^[a-z]+:\/\//i.test(url)) {
    return [
      `database: a PostgreSQL URL starts with postgres:// or postgresql:// (${POSTGRES_FORM})`,
    ];
  }
  const malformed = [
    // The reason is not quoted: URL errors repeat the input, password included.
    `database: not a valid PostgreSQL URL (${POSTGRES_FORM}); characters such as @ : / # ? ` +
      'in the user name or password must be percent-encoded, or the password given by ' +
      'databasePasswordFile or $PGPASSWORD',
  ];
  let parsed: URL;
  try {
    parsed = parsePostgresUrl(url);
    // node-postgres decodes these; a stray `%` would make it throw at connect time.
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch {
    return malformed;
  }
  if (passwordCutShort(url)) return malformed;
  if (passwordFile === undefined) return [];
  if (parsed.password !== '' || parsed.searchParams.has('password')) {
    return [
      'databasePasswordFile: the database URL carries a password already: give it in one place',
    ];
  }
  try {
    if (readDatabasePassword(passwordFile) === '') {
      return [`databasePasswordFile: ${passwordFile} is empty`];
    }
  } catch (error) {
    return [`databasePasswordFile: cannot read ${passwordFile}: ${describeError(error)}`];
  }
  return [];
}

/**
 * The database of a schema-checked configuration, or every problem with it (each starting with
 * its field, never quoting a password). A relative SQLite path is relative to `dataDir`; a
 * relative password file to the working directory, as `dataDir` is.
 */
export function resolveDatabase(
  fields: DatabaseFields,
  dataDir: string,
): { readonly database: DatabaseConfig } | { readonly problems: string[] } {
  const value = fields.database ?? 'simpool.db';
  const scheme = URL_SCHEME.exec(value)?.[1]?.toLowerCase();
  const passwordFile =
    fields.databasePasswordFile === undefined
      ? undefined
      : path.resolve(fields.databasePasswordFile);
  if (scheme === undefined) {
    if (passwordFile !== undefined) {
      return {
        problems: [
          'databasePasswordFile: only for a PostgreSQL database, but database is a SQLite file',
        ],
      };
    }
    return { database: { engine: 'sqlite', file: path.resolve(dataDir, value) } };
  }
  if (!POSTGRES_SCHEMES.has(`${scheme}:`)) {
    return {
      problems: [
        `database: unknown URL scheme "${scheme}:"; give a SQLite file path or a ` +
          `postgres:// (postgresql://) URL`,
      ],
    };
  }
  const problems = postgresProblems(value, passwordFile);
  if (problems.length > 0) return { problems };
  return { database: { engine: 'postgres', url: value, passwordFile: passwordFile ?? null } };
}

/**
 * Where node-postgres will take the password from, for `config check` (never the password):
 * the file, the URL, $PGPASSWORD, or none given (then ~/.pgpass, or a server that needs none).
 */
export function passwordSource(
  database: PostgresDatabaseConfig,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (database.passwordFile !== null) return `from ${database.passwordFile}`;
  const url = parsePostgresUrl(database.url);
  if (url.password !== '' || url.searchParams.has('password')) return 'in the URL (masked)';
  if ((env.PGPASSWORD ?? '') !== '') return 'from $PGPASSWORD';
  return 'none given ($PGPASSFILE or ~/.pgpass, if the server asks for one)';
}

/**
 * Database URLs and the password in them: what may be shown (messages, logs, `config check`).
 * The password can come from the URL (userinfo or `?password=`), from PGPASSWORD or from a
 * file; none of them may ever reach a message, a log line or an error.
 */

const MASK = '***';

/** `postgres://…` or `postgresql://…` (any case): the database setting names PostgreSQL. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(value.trim());
}

/** A query parameter's name as node-postgres reads it (decoded), or as written. */
function parameterName(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Every query parameter whose name (decoded: `%70assword` is `password` to node-postgres) says
 * "pass" (`password`, `sslpassword` …) has its value masked, together with any `&piece` without
 * `=` that follows it: a raw `&` in a password splits it there.
 */
function maskSecretParameters(text: string): string {
  return text.replace(
    /([?&])([^=&#]*)=([^&#]*(?:&[^=&#]*(?=&|#|$))*)/g,
    (all, separator: string, name: string) =>
      /pass/i.test(parameterName(name)) ? `${separator}${name}=${MASK}` : all,
  );
}

/** A `#` in a database URL can only be an unencoded character of a secret: nothing after it. */
function maskFragment(text: string): string {
  const hash = text.indexOf('#');
  return hash < 0 ? text : `${text.slice(0, hash + 1)}${MASK}`;
}

const DUMMY_HOST = '___DUMMY___';

/**
 * The URL as node-postgres parses it (pg-connection-string): WHATWG URL, retried with a dummy
 * host for `postgres://user:password@/db` (an empty host, for a Unix socket given by `?host=`).
 */
function parseLikeNodePostgres(url: string): { url: URL; dummyHost: boolean } | undefined {
  try {
    return { url: new URL(url), dummyHost: false };
  } catch {
    try {
      return { url: new URL(url.replace('@/', `@${DUMMY_HOST}/`)), dummyHost: true };
    } catch {
      return undefined;
    }
  }
}

/**
 * Whether the URL reads one way only. A password with a raw `@ : / ? #` can make part of it
 * parse as host, port, path or fragment (`postgres://u:12#34@h/db` is host `u`, port 12):
 * node-postgres would connect somewhere else, and a piece of the password could be shown as a
 * host or port. So: it parses, has no fragment, and its only `@` is the one ending the user
 * and password (an `@` anywhere else must be written %40).
 */
export function parsesUnambiguously(url: string): boolean {
  const schemeEnd = url.indexOf('://');
  const parsed = parseLikeNodePostgres(url)?.url;
  if (schemeEnd < 0 || !parsed) return false;
  const delimiters = parsed.username !== '' || parsed.password !== '' ? 1 : 0;
  const ats = url.slice(schemeEnd + 3).split('@').length - 1;
  return parsed.hash === '' && !url.includes('#') && ats === delimiters;
}

/**
 * The URL with its password masked (`postgres://simpool:***@db/simpool`), for anything shown to
 * people: messages, logs, `config check`, the admin page. The one masker of database URLs. Never
 * throws, and never shows a password, also not a piece of one:
 *
 * - a URL that reads one way only (parsesUnambiguously) keeps everything as written but the
 *   password of its user information and the value of every query parameter named like a
 *   password (`?password=`, `?sslpassword=`, also percent-encoded);
 * - any other URL is masked by its shape, erring on the side of hiding too much: from the
 *   user's `:` (or from `//`) to the last `@`; with no `@`, everything after the first `:` (a
 *   password whose `@` is missing cannot be told from the rest); and after a `#`, everything.
 *
 * Strings that are not URLs (a SQLite file path) come back unchanged.
 */
export function redactDatabaseUrl(url: string): string {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd < 0) return url;
  const start = schemeEnd + 3;
  const at = url.lastIndexOf('@');
  const colon = url.indexOf(':', start);
  if (parsesUnambiguously(url)) {
    // At most one `@`, ending the user information; the user's name ends at its first `:`.
    const masked =
      at >= start && colon >= 0 && colon < at
        ? `${url.slice(0, colon + 1)}${MASK}${url.slice(at)}`
        : url;
    return maskSecretParameters(masked);
  }
  if (at < start) {
    const rest = colon >= 0 ? `${url.slice(0, colon + 1)}${MASK}` : url;
    return maskFragment(maskSecretParameters(rest));
  }
  const from = colon >= 0 && colon < at ? colon + 1 : start;
  return `${url.slice(0, from)}${MASK}${maskFragment(maskSecretParameters(url.slice(at)))}`;
}

/** The password a URL carries (userinfo or `?password=`), decoded, or undefined. */
export function passwordInUrl(url: string): string | undefined {
  const parsed = parseLikeNodePostgres(url)?.url;
  if (!parsed) return undefined;
  const fromQuery = parsed.searchParams.get('password');
  if (fromQuery) return fromQuery;
  if (parsed.password === '') return undefined;
  try {
    return decodeURIComponent(parsed.password);
  } catch {
    return parsed.password; // a stray % (node-postgres will refuse the URL): scrub it as written
  }
}

/**
 * Replaces every occurrence of the given secrets (as given and URL-encoded) in a text. The last
 * line of defence for messages that come from elsewhere (a driver's error text).
 */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      scrubbed = scrubbed.split(form).join(MASK);
    }
  }
  return scrubbed;
}

/**
 * A copy of an error that is safe to log or attach as a cause: its message scrubbed of the
 * secrets, its `code` (SQLSTATE or errno name) kept, nothing else (a driver's error may carry the
 * connection string in other properties, e.g. Node's `ERR_INVALID_URL` has `input`).
 */
export function sanitizeError(error: unknown, secrets: readonly (string | undefined)[]): Error {
  const message = error instanceof Error ? error.message : String(error);
  const safe = new Error(scrubSecrets(message, secrets)) as Error & { code?: string };
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') safe.code = code;
  return safe;
}

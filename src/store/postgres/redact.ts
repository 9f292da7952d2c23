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

/** `?password=` and `?sslpassword=` (the private key's passphrase) as node-postgres reads them. */
function maskPasswordParameters(url: string): string {
  return url.replace(/([?&](?:ssl)?password=)[^&#]*/gi, `$1${MASK}`);
}

/**
 * The URL with its password masked (`postgres://simpool:***@db/simpool`), for anything shown to
 * people. A URL that does not parse is masked by its shape instead (everything between the
 * user's `:` and the last `@`), erring on the side of hiding too much. Strings that are not URLs
 * (a SQLite file path) come back unchanged. Never throws.
 */
export function redactDatabaseUrl(url: string): string {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd < 0) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = MASK;
    return maskPasswordParameters(parsed.toString());
  } catch {
    const start = schemeEnd + 3;
    const at = url.lastIndexOf('@');
    const colon = url.indexOf(':', start);
    if (at > start && colon >= 0 && colon < at) {
      return maskPasswordParameters(`${url.slice(0, colon + 1)}${MASK}${url.slice(at)}`);
    }
    return maskPasswordParameters(url);
  }
}

/** The password a URL carries (userinfo or `?password=`), decoded, or undefined. */
export function passwordInUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    const fromQuery = parsed.searchParams.get('password');
    if (fromQuery) return fromQuery;
    return parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  } catch {
    return undefined;
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

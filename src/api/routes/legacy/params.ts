/**
 * The request's parameters as PHP's `$_REQUEST` would see them: the query string, then a
 * form-encoded (or JSON) body on top, like PHP's default `variables_order` where POST wins.
 * Every value is a string; a repeated parameter keeps its first value.
 */
import type { FastifyRequest } from 'fastify';
import { LegacyToken } from './reply.js';

export type LegacyParams = ReadonlyMap<string, string>;

function put(params: Map<string, string>, key: string, value: unknown): void {
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (typeof first === 'string') params.set(key, first);
  else if (typeof first === 'number' || typeof first === 'boolean') params.set(key, String(first));
}

export function readParams(request: FastifyRequest): LegacyParams {
  const params = new Map<string, string>();
  const query = request.query;
  if (query && typeof query === 'object') {
    for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
      put(params, key, value);
    }
  }
  for (const [key, value] of bodyEntries(request)) put(params, key, value);
  return params;
}

/** The body as the tolerant parser left it (a string, possibly empty). */
function bodyEntries(request: FastifyRequest): Array<[string, unknown]> {
  const body = request.body;
  if (typeof body !== 'string' || body.trim() === '') return [];
  const type = String(request.headers['content-type'] ?? '').toLowerCase();
  if (type.includes('json')) {
    try {
      const parsed: unknown = JSON.parse(body);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? Object.entries(parsed)
        : [];
    } catch {
      return [];
    }
  }
  // Form encoding whatever the declared type: scripts send `text/plain` or nothing at all.
  return [...new URLSearchParams(body).entries()];
}

/** `api_key` parameter first (the documented way), then the `X-API-Key` header. */
export function apiKeyOf(request: FastifyRequest, params: LegacyParams): string | null {
  const fromParams = params.get('api_key')?.trim();
  if (fromParams) return fromParams;
  const header = request.headers['x-api-key'];
  const fromHeader = (Array.isArray(header) ? header[0] : header)?.trim();
  return fromHeader ? fromHeader : null;
}

/**
 * The `id` parameter: digits only, else WRONG_ACTIVATION_ID. Never passed on as anything but
 * digits, so a legacy id can never be read as an `ord_…` reference.
 */
export function activationIdOf(params: LegacyParams): string {
  const id = params.get('id')?.trim() ?? '';
  if (!/^\d+$/.test(id)) throw new LegacyToken('WRONG_ACTIVATION_ID');
  // Longer than any id we hand out (the store reads at most 15 digits): no such activation.
  if (id.length > 15) throw new LegacyToken('NO_ACTIVATION');
  return id;
}

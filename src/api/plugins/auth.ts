/**
 * API-key authentication (API.md): `X-API-Key: <key>` or `Authorization: Bearer <key>`. The
 * principal is attached to the request for the routes, the rate limit and idempotency.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyInfo, ApiScope, Customer } from '../../domain/index.js';
import { SimpoolError } from '../../shared/index.js';
import type { ServerDeps } from '../deps.js';

export interface ApiPrincipal {
  readonly customer: Customer;
  readonly key: ApiKeyInfo;
  /** What OrderService takes. */
  readonly customerId: string;
  readonly apiKeyId: string;
  /** `sp_test_` keys: sandbox balance, ledger and orders. */
  readonly sandbox: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: ApiPrincipal | null;
  }
}

/** The key as sent, or undefined; a header given twice is refused rather than guessed at. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return undefined;
}

/** An onRequest hook: 401 without a valid key, 403 when banned or lacking `scope` (any one of
 * them, when several are given). */
export function requireKey(deps: ServerDeps, scope: ApiScope | readonly ApiScope[]) {
  const accepted: readonly ApiScope[] = typeof scope === 'string' ? [scope] : scope;
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const plain = presentedKey(request);
    if (plain === undefined) {
      throw new SimpoolError('unauthorized', 'send your API key in X-API-Key');
    }
    const check = await deps.guards.checkKey(deps.customers, plain, request.ip, 'rest');
    if (check.kind === 'throttled') throw tooManyFailures(check.retryAfterSeconds);
    if (check.kind === 'unknown') {
      throw new SimpoolError('unauthorized', 'unknown or revoked API key');
    }
    const found = check.auth;
    if (found.bannedUntil !== null && found.bannedUntil > deps.clock.now()) {
      throw new SimpoolError('forbidden', 'this account is banned', {
        details: { until: new Date(found.bannedUntil).toISOString() },
      });
    }
    if (!accepted.some((wanted) => found.key.scopes.includes(wanted))) {
      throw new SimpoolError('forbidden', `this key lacks the ${accepted.join(' or ')} scope`);
    }
    request.principal = {
      customer: found.customer,
      key: found.key,
      customerId: found.customer.id,
      apiKeyId: found.key.id,
      sandbox: found.key.sandbox,
    };
  };
}

/** 429 for an address refused after too many failed authentications (auth-throttle.ts). */
export function tooManyFailures(retryAfterSeconds: number): SimpoolError {
  return new SimpoolError(
    'rate_limited',
    'too many failed authentications from this address: retry later',
    { details: { retryAfter: retryAfterSeconds } },
  );
}

/** The principal of an authenticated route (the hook ran, so it is there). */
export function principalOf(request: FastifyRequest): ApiPrincipal {
  if (!request.principal) throw new SimpoolError('unauthorized', 'not authenticated');
  return request.principal;
}

/**
 * Idempotency keys on mutating POSTs (API.md). Runs after authentication and validation: the
 * first request with a key claims it (a row), its response is stored on the way out, and a retry
 * with the same key and body is answered from the row without touching the domain again.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_TTL_MS,
  decideIdempotency,
  type IdempotencyPort,
} from '../../domain/index.js';
import { SimpoolError, type Clock, type Logger } from '../../shared/index.js';
import { principalOf } from './auth.js';

interface Claim {
  readonly scope: string;
  readonly key: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyClaim: Claim | null;
  }
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Statuses a retry must NOT get replayed: the same request may well succeed later (hold over,
 * a number freed, the limit window passed), so the claim is released instead of stored.
 */
const TRANSIENT = new Set([408, 409, 425, 429]);

function keyOf(request: FastifyRequest): string | undefined {
  const raw = request.headers['idempotency-key'] ?? request.headers['x-idempotency-key'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  if (!KEY.test(value)) {
    throw new SimpoolError('validation_failed', 'Idempotency-Key: 1 to 255 visible characters', {
      details: { field: 'Idempotency-Key', issue: 'must be 1 to 255 visible ASCII characters' },
    });
  }
  return value;
}

function fingerprint(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');
}

/** Adds the hooks to `scope`; they act on POST requests carrying a key. */
export function registerIdempotency(
  scope: FastifyInstance,
  deps: { readonly idempotency: IdempotencyPort; readonly clock: Clock; readonly logger: Logger },
): void {
  const { idempotency, clock, logger } = deps;
  scope.decorateRequest('idempotencyClaim', null);

  scope.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'POST') return;
    const key = keyOf(request);
    if (key === undefined) return;
    const principal = principalOf(request);
    // Per customer and mode: a sandbox retry never replays a live response.
    const claimScope = `${principal.customerId}:${principal.sandbox ? 'test' : 'live'}`;
    const print = fingerprint(request);
    const now = clock.now();
    const existing = await idempotency.claim({ scope: claimScope, key, fingerprint: print }, now, {
      expiredBefore: now - IDEMPOTENCY_TTL_MS,
      abandonedBefore: now - IDEMPOTENCY_LEASE_MS,
    });
    if (existing === null) {
      request.idempotencyClaim = { scope: claimScope, key };
      return;
    }
    const decision = decideIdempotency(existing, print);
    if (decision.kind === 'mismatch') {
      throw new SimpoolError(
        'idempotency_mismatch',
        'this Idempotency-Key was used with a different request',
      );
    }
    if (decision.kind === 'in_flight') {
      throw new SimpoolError(
        'idempotency_conflict',
        'a request with this Idempotency-Key is still being processed',
        { details: { retryAfter: 1 } },
      );
    }
    await reply
      .code(decision.response.statusCode)
      .header('content-type', 'application/json; charset=utf-8')
      .header('idempotent-replayed', 'true')
      .send(decision.response.body);
    return reply;
  });

  scope.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload) => {
    const claim = request.idempotencyClaim;
    if (claim === null) return payload;
    request.idempotencyClaim = null;
    const status = reply.statusCode;
    try {
      if (typeof payload === 'string' && status < 500 && !TRANSIENT.has(status)) {
        await idempotency.complete(
          claim.scope,
          claim.key,
          { statusCode: status, body: payload },
          clock.now(),
        );
      } else {
        await idempotency.release(claim.scope, claim.key);
      }
    } catch (error) {
      // The response itself is fine; the client's retry would just run again.
      logger.error({ err: error, key: claim.key }, 'idempotency record not stored');
    }
    return payload;
  });

  // A request that died before sending (aborted, crashed handler) must not block its key.
  scope.addHook('onResponse', async (request: FastifyRequest) => {
    const claim = request.idempotencyClaim;
    if (claim === null) return;
    request.idempotencyClaim = null;
    await idempotency.release(claim.scope, claim.key);
  });
}

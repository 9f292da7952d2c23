/**
 * Idempotency keys on mutating POSTs (API.md). Runs after authentication and validation: the
 * first request with a key claims it (a row naming this host session as its holder), its
 * response is stored on the way out, and a retry with the same key and body is answered from
 * the row without touching the domain again. The routes that create something pass the claim
 * on (`claimedKeyOf`), so that a retry after the holder died re-runs into the same resource.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_TTL_MS,
  decideIdempotency,
  type ClaimHolder,
  type ClaimedIdempotencyKey,
  type IdempotencyPort,
} from '../../domain/index.js';
import { SimpoolError, type Clock, type Logger } from '../../shared/index.js';
import { principalOf } from './auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyClaim: ClaimedIdempotencyKey | null;
  }
}

/** The request's claim on its Idempotency-Key, for the domain to record with the effect. */
export function claimedKeyOf(request: FastifyRequest): ClaimedIdempotencyKey | undefined {
  return request.idempotencyClaim ?? undefined;
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

/** What makes two requests with one key the same request: method, URL and parsed body. */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n${JSON.stringify(body ?? null)}`)
    .digest('hex');
}

/** Adds the hooks to `scope`; they act on POST requests carrying a key. */
export function registerIdempotency(
  scope: FastifyInstance,
  deps: {
    readonly idempotency: IdempotencyPort;
    /** This host session, the holder of the claims taken here; none: the time limit only. */
    readonly idempotencyHolder?: ClaimHolder;
    readonly clock: Clock;
    readonly logger: Logger;
  },
): void {
  const { idempotency, clock, logger } = deps;
  const holder = deps.idempotencyHolder ?? null;
  scope.decorateRequest('idempotencyClaim', null);

  scope.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'POST') return;
    const key = keyOf(request);
    if (key === undefined) return;
    const principal = principalOf(request);
    // Per customer and mode: a sandbox retry never replays a live response.
    const claimScope = `${principal.customerId}:${principal.sandbox ? 'test' : 'live'}`;
    const print = requestFingerprint(request.method, request.url, request.body);
    const now = clock.now();
    const claimId = randomUUID();
    const existing = await idempotency.claim(
      { scope: claimScope, key, fingerprint: print, claimId, holder },
      now,
      { expiredBefore: now - IDEMPOTENCY_TTL_MS, abandonedBefore: now - IDEMPOTENCY_LEASE_MS },
    );
    if (existing === null) {
      request.idempotencyClaim = { scope: claimScope, key, claimId };
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
          claim.claimId,
        );
      } else {
        await idempotency.release(claim.scope, claim.key, claim.claimId);
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
    await idempotency.release(claim.scope, claim.key, claim.claimId);
  });
}

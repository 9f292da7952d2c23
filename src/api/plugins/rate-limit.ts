/**
 * Per-key rate limit of /api/v1/customer/* (API.md: default 60/min) over @fastify/rate-limit,
 * keyed by the API key's id (not the plain key: it must not sit in memory as a map key).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SimpoolError } from '../../shared/index.js';
import { principalOf } from './auth.js';

const WINDOW_MS = 60_000;

/** An onRequest hook to add after authentication in the scope it limits. */
export function perKeyRateLimit(
  scope: FastifyInstance,
  perMinute: number,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return scope.rateLimit({
    max: perMinute,
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => principalOf(request).apiKeyId,
    // The plugin sets Retry-After and the X-RateLimit-* headers; the error handler the body.
    errorResponseBuilder: (_request, context) =>
      new SimpoolError('rate_limited', `rate limit of ${context.max}/min exceeded`, {
        details: { retryAfter: Math.max(1, Math.ceil(context.ttl / 1000)) },
      }),
  }) as (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

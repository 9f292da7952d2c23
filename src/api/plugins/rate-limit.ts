/**
 * One request budget per API key (API.md: default 60/min) across every door that takes a key:
 * REST (/api/v1/customer/*, /api/v1/messages), the legacy API and the WebSocket upgrades. One
 * limiter per server holds every key's window, so a key cannot get 60 per door by switching
 * protocols. Keyed by the key's id (the plain key must not sit in memory as a map key); fixed
 * one-minute windows on the injected clock.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../shared/index.js';
import { SimpoolError } from '../../shared/index.js';
import { principalOf } from './auth.js';

const WINDOW_MS = 60_000;
/** Windows kept at most; past it the oldest go (an idle key's window is worth nothing). */
const MAX_KEYS = 10_000;

export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Whole seconds until the window resets (at least 1): Retry-After, X-RateLimit-Reset. */
  readonly resetSeconds: number;
}

interface Window {
  readonly start: number;
  count: number;
}

export class KeyRateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    readonly perMinute: number,
  ) {}

  /** Counts one request of this key and says whether it is within the limit. */
  take(keyId: string): RateDecision {
    const now = this.clock.now();
    let window = this.windows.get(keyId);
    if (!window || now - window.start >= WINDOW_MS) {
      window = { start: now, count: 0 };
      // Re-inserted, so the Map's first entries are always the oldest windows.
      this.windows.delete(keyId);
      this.windows.set(keyId, window);
      this.forgetOldest();
    }
    window.count += 1;
    return {
      allowed: window.count <= this.perMinute,
      limit: this.perMinute,
      remaining: Math.max(0, this.perMinute - window.count),
      resetSeconds: Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000)),
    };
  }

  private forgetOldest(): void {
    while (this.windows.size > MAX_KEYS) {
      const oldest = this.windows.keys().next();
      if (oldest.done) return;
      this.windows.delete(oldest.value);
    }
  }
}

/** The error a REST request over the limit gets (429 with Retry-After). */
export function rateLimited(decision: RateDecision): SimpoolError {
  return new SimpoolError('rate_limited', `rate limit of ${decision.limit}/min exceeded`, {
    details: { retryAfter: decision.resetSeconds },
  });
}

/** An onRequest hook to add after authentication in the scope it limits. */
export function perKeyRateLimit(limiter: KeyRateLimiter) {
  return (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const decision = limiter.take(principalOf(request).apiKeyId);
    void reply.headers({
      'x-ratelimit-limit': String(decision.limit),
      'x-ratelimit-remaining': String(decision.remaining),
      'x-ratelimit-reset': String(decision.resetSeconds),
    });
    return decision.allowed ? Promise.resolve() : Promise.reject(rateLimited(decision));
  };
}

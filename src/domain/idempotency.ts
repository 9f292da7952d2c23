/**
 * Idempotency keys of mutating API requests (API.md): the first request with a key runs and its
 * response is stored; a retry with the same key and body within 24 h gets that response again
 * instead of a second effect. Records are rows so a daemon restart does not turn a client's
 * retry into a second purchase.
 */

/** How long a completed response is replayed (API.md: 24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60_000;

/**
 * A claim whose request never completed (the process died mid-request) blocks its key for this
 * long, then may be claimed again: better a rare repeat after a crash than a key stuck forever.
 */
export const IDEMPOTENCY_LEASE_MS = 5 * 60_000;

export interface IdempotencyClaim {
  /** Whose keys these are (a customer id): two customers may pick the same key. */
  readonly scope: string;
  readonly key: string;
  /** Hash of method, path and body: the same key with another request is a mismatch. */
  readonly fingerprint: string;
}

export interface IdempotencyRecord extends IdempotencyClaim {
  readonly createdAt: number;
  /** null while the first request is still running. */
  readonly response: StoredResponse | null;
}

export interface StoredResponse {
  readonly statusCode: number;
  /** The serialized body exactly as sent. */
  readonly body: string;
}

export type IdempotencyDecision =
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'in_flight' }
  | { readonly kind: 'mismatch' };

/** What to answer when a claim found an existing live record. */
export function decideIdempotency(
  existing: IdempotencyRecord,
  fingerprint: string,
): IdempotencyDecision {
  if (existing.fingerprint !== fingerprint) return { kind: 'mismatch' };
  if (existing.response === null) return { kind: 'in_flight' };
  return { kind: 'replay', response: existing.response };
}

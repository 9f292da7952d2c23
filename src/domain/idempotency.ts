/**
 * Idempotency keys of mutating API requests (API.md): the first request with a key runs and its
 * response is stored; a retry with the same key and body within 24 h gets that response again
 * instead of a second effect. Records are rows so a daemon restart does not turn a client's
 * retry into a second purchase.
 */

/** How long a completed response is replayed (API.md: 24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60_000;

/**
 * A claim whose request never completed blocks its key for at most this long, then may be
 * claimed again. A claim whose holder is known dead (its host's epoch is over or its lease ran
 * out; on SQLite an earlier run of the daemon) gives way at once. Either way the re-run cannot
 * repeat an effect: the effects record their key (see ClaimedIdempotencyKey).
 */
export const IDEMPOTENCY_LEASE_MS = 5 * 60_000;

export interface IdempotencyClaim {
  /** Whose keys these are (a customer id): two customers may pick the same key. */
  readonly scope: string;
  readonly key: string;
  /** Hash of method, path and body: the same key with another request is a mismatch. */
  readonly fingerprint: string;
}

/** Who holds a claim: a host session (src/domain/hosts.ts). Dead once the epoch is over. */
export interface ClaimHolder {
  readonly hostId: string;
  readonly epoch: number;
}

/** A claim as a request takes it. */
export interface NewIdempotencyClaim extends IdempotencyClaim {
  /** Names this attempt; only it may record the key's effect (a later taker fences it out). */
  readonly claimId: string;
  /** null: no host session (an API embedded without a daemon) — only the time limit applies. */
  readonly holder: ClaimHolder | null;
}

/**
 * The key a creating request (purchase, swap, message send) carries into the store. The store
 * records the effect on the key's claim in the transaction of the effect itself, so a re-run
 * after the first holder died finds it and answers with the same resource instead of creating
 * a second one; a run whose claim was taken over by another attempt is refused
 * (`idempotency_conflict`) and rolls back.
 */
export interface ClaimedIdempotencyKey {
  readonly scope: string;
  readonly key: string;
  readonly claimId: string;
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

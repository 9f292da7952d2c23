/**
 * An IdempotencyPort in memory, for an API built without a store (unit tests, embedding). It
 * forgets everything on restart; the daemon always passes the store's. It has one process, so
 * there is no other holder to outlive; an attempt still only completes or releases its own claim.
 */
import type {
  IdempotencyPort,
  IdempotencyRecord,
  NewIdempotencyClaim,
  StoredResponse,
} from '../../domain/index.js';

interface Held {
  readonly record: IdempotencyRecord;
  readonly claimId: string;
}

export class MemoryIdempotency implements IdempotencyPort {
  private readonly records = new Map<string, Held>();

  claim(
    claim: NewIdempotencyClaim,
    now: number,
    limits: { readonly expiredBefore: number; readonly abandonedBefore: number },
  ): Promise<IdempotencyRecord | null> {
    const id = `${claim.scope}\n${claim.key}`;
    const found = this.records.get(id)?.record;
    const dead =
      found !== undefined &&
      (found.createdAt < limits.expiredBefore ||
        (found.response === null && found.createdAt < limits.abandonedBefore));
    if (found && !dead) return Promise.resolve(found);
    const { scope, key, fingerprint } = claim;
    this.records.set(id, {
      record: { scope, key, fingerprint, createdAt: now, response: null },
      claimId: claim.claimId,
    });
    return Promise.resolve(null);
  }

  complete(
    scope: string,
    key: string,
    response: StoredResponse,
    _now: number,
    claimId?: string,
  ): Promise<void> {
    const id = `${scope}\n${key}`;
    const held = this.heldInFlight(id, claimId);
    if (held) this.records.set(id, { ...held, record: { ...held.record, response } });
    return Promise.resolve();
  }

  release(scope: string, key: string, claimId?: string): Promise<void> {
    const id = `${scope}\n${key}`;
    if (this.heldInFlight(id, claimId)) this.records.delete(id);
    return Promise.resolve();
  }

  private heldInFlight(id: string, claimId: string | undefined): Held | undefined {
    const held = this.records.get(id);
    if (!held || held.record.response !== null) return undefined;
    return claimId === undefined || held.claimId === claimId ? held : undefined;
  }
}

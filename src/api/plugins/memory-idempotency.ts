/**
 * An IdempotencyPort in memory, for an API built without a store (unit tests, embedding). It
 * forgets everything on restart; the daemon always passes the SQLite one.
 */
import type {
  IdempotencyClaim,
  IdempotencyPort,
  IdempotencyRecord,
  StoredResponse,
} from '../../domain/index.js';

export class MemoryIdempotency implements IdempotencyPort {
  private readonly records = new Map<string, IdempotencyRecord>();

  claim(
    claim: IdempotencyClaim,
    now: number,
    limits: { readonly expiredBefore: number; readonly abandonedBefore: number },
  ): Promise<IdempotencyRecord | null> {
    const id = `${claim.scope}\n${claim.key}`;
    const found = this.records.get(id);
    const dead =
      found !== undefined &&
      (found.createdAt < limits.expiredBefore ||
        (found.response === null && found.createdAt < limits.abandonedBefore));
    if (found && !dead) return Promise.resolve(found);
    this.records.set(id, { ...claim, createdAt: now, response: null });
    return Promise.resolve(null);
  }

  complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    const id = `${scope}\n${key}`;
    const found = this.records.get(id);
    if (found && found.response === null) this.records.set(id, { ...found, response });
    return Promise.resolve();
  }

  release(scope: string, key: string): Promise<void> {
    const id = `${scope}\n${key}`;
    if (this.records.get(id)?.response === null) this.records.delete(id);
    return Promise.resolve();
  }
}

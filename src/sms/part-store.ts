import type { SmsAddress, SmsEncoding } from './types.js';

/** What identifies one concatenated message: never the reference alone (DESIGN.md). */
export interface ConcatKey {
  /** SIM that received the parts. */
  readonly iccid: string;
  /** Sender address value (`+4917…`, `Google`). */
  readonly sender: string;
  readonly reference: number;
  readonly referenceBits: 8 | 16;
  readonly total: number;
}

/** A stable string form of a ConcatKey, usable as a primary-key column. */
export function concatKeyId(key: ConcatKey): string {
  return JSON.stringify([key.iccid, key.sender, key.referenceBits, key.reference, key.total]);
}

/**
 * One stored part. Only plain values (strings, numbers), so a SQLite row can hold it as is.
 */
export interface StoredPart {
  readonly keyId: string;
  readonly key: ConcatKey;
  /** 1-based position within the message. */
  readonly sequence: number;
  readonly sender: SmsAddress;
  readonly encoding: SmsEncoding;
  readonly text: string;
  /** This part's user data after the header, as hex (the content of 8-bit messages). */
  readonly dataHex: string;
  /** Service centre time stamp, epoch ms. */
  readonly sentAt: number;
  /** Clock time the part reached us, epoch ms. */
  readonly receivedAt: number;
}

export type MaybePromise<T> = T | Promise<T>;

/**
 * Storage for parts of incomplete messages. Sync or async implementations both fit (the
 * reassembler awaits every call); a SQLite one needs a table keyed by (keyId, sequence).
 */
export interface PartStore {
  /** Stores a part; false when (keyId, sequence) was already stored (a duplicate). */
  addPart(part: StoredPart): MaybePromise<boolean>;
  /** All stored parts of one message, any order. */
  partsFor(keyId: string): MaybePromise<readonly StoredPart[]>;
  deleteKey(keyId: string): MaybePromise<void>;
  /** Keys whose earliest stored part arrived before `cutoffMs` (epoch ms). */
  keysOlderThan(cutoffMs: number): MaybePromise<readonly string[]>;
}

/** In-memory PartStore for tests and for running without a database. */
export class MemoryPartStore implements PartStore {
  private readonly byKey = new Map<string, Map<number, StoredPart>>();

  addPart(part: StoredPart): boolean {
    let parts = this.byKey.get(part.keyId);
    if (!parts) {
      parts = new Map();
      this.byKey.set(part.keyId, parts);
    }
    if (parts.has(part.sequence)) return false;
    parts.set(part.sequence, part);
    return true;
  }

  partsFor(keyId: string): StoredPart[] {
    return [...(this.byKey.get(keyId)?.values() ?? [])];
  }

  deleteKey(keyId: string): void {
    this.byKey.delete(keyId);
  }

  keysOlderThan(cutoffMs: number): string[] {
    const out: string[] = [];
    for (const [keyId, parts] of this.byKey) {
      const first = Math.min(...[...parts.values()].map((part) => part.receivedAt));
      if (first < cutoffMs) out.push(keyId);
    }
    return out;
  }

  /** Number of messages with parts waiting. */
  get size(): number {
    return this.byKey.size;
  }
}

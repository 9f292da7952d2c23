import type { Clock, TimerHandle } from '../shared/index.js';
import { bytesToHex, hexToBytes } from './hex-reader.js';
import { concatKeyId, type ConcatKey, type PartStore, type StoredPart } from './part-store.js';
import type { DecodedDeliver, SmsAddress, SmsEncoding } from './types.js';

export const DEFAULT_REASSEMBLY_TIMEOUT_MS = 24 * 60 * 60 * 1000;

export interface ReassembledMessage {
  readonly iccid: string;
  readonly sender: SmsAddress;
  readonly encoding: SmsEncoding;
  /** Parts' text joined in sequence order (present parts only when incomplete). */
  readonly text: string;
  /** Parts' user data joined in sequence order (the payload of 8-bit messages). */
  readonly data: Uint8Array;
  /** Service centre time stamp of the earliest-sequenced present part. */
  readonly sentAt: Date;
  /** When the last part we used arrived (or when the message expired). */
  readonly completedAt: Date;
  /** Concatenation facts; null for a single-part message. */
  readonly concat: {
    readonly reference: number;
    readonly referenceBits: 8 | 16;
    readonly total: number;
  } | null;
  readonly complete: boolean;
  /** Sequence numbers that never arrived (empty when complete). */
  readonly missingParts: readonly number[];
}

export interface ReassemblerOptions {
  readonly store: PartStore;
  readonly clock: Clock;
  /** How long to wait for missing parts before delivering what arrived. Default 24 h. */
  readonly timeoutMs?: number;
}

/**
 * Joins concatenated SMS. Parts are keyed by (ICCID, sender, reference width, reference, total)
 * and kept in a PartStore, so a restart loses nothing when the store is durable. Calls are
 * serialised internally: two last parts arriving together cannot both complete a message.
 */
export class Reassembler {
  private readonly store: PartStore;
  private readonly clock: Clock;
  readonly timeoutMs: number;
  private queue: Promise<unknown> = Promise.resolve();
  private sweepTimer: TimerHandle | undefined;

  constructor(options: ReassemblerOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REASSEMBLY_TIMEOUT_MS;
  }

  /**
   * Takes one received SMS-DELIVER. Returns the whole message when this part completes it (or
   * it was single-part), null while parts are missing or when the part is a duplicate.
   */
  accept(iccid: string, pdu: DecodedDeliver): Promise<ReassembledMessage | null> {
    return this.serialised(() => this.acceptNow(iccid, pdu));
  }

  /** Delivers, flagged incomplete, every message whose first part is older than the timeout. */
  expire(): Promise<ReassembledMessage[]> {
    return this.serialised(() => this.expireNow());
  }

  /**
   * Runs `expire` every `intervalMs` of clock time and hands each expired message to `onExpired`.
   * Returns a stop function. Errors from the store are passed to `onError`.
   */
  startSweeping(
    intervalMs: number,
    onExpired: (message: ReassembledMessage) => void,
    onError: (error: unknown) => void = () => {},
  ): () => void {
    this.stopSweeping();
    const tick = (): void => {
      this.expire()
        .then((messages) => messages.forEach(onExpired))
        .catch(onError)
        .finally(() => {
          if (this.sweepTimer !== undefined)
            this.sweepTimer = this.clock.setTimeout(tick, intervalMs);
        });
    };
    this.sweepTimer = this.clock.setTimeout(tick, intervalMs);
    return () => this.stopSweeping();
  }

  private stopSweeping(): void {
    if (this.sweepTimer !== undefined) this.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async acceptNow(iccid: string, pdu: DecodedDeliver): Promise<ReassembledMessage | null> {
    const now = this.clock.now();
    const part = partOf(iccid, pdu, now);
    if (!part) return singlePartMessage(iccid, pdu, now);
    const { key, keyId } = part;
    if (!(await this.store.addPart(part))) return null;
    const parts = await this.store.partsFor(keyId);
    if (!hasAllParts(key, parts)) return null;
    await this.store.deleteKey(keyId);
    return assembleParts(key, parts, now);
  }

  private async expireNow(): Promise<ReassembledMessage[]> {
    const now = this.clock.now();
    const keyIds = await this.store.keysOlderThan(now - this.timeoutMs + 1);
    const out: ReassembledMessage[] = [];
    for (const keyId of keyIds) {
      const parts = await this.store.partsFor(keyId);
      await this.store.deleteKey(keyId);
      const first = parts[0];
      if (first) out.push(assembleParts(first.key, parts, now));
    }
    return out;
  }
}

/** A single-part SMS as a message (no reassembly needed). */
export function singlePartMessage(
  iccid: string,
  pdu: DecodedDeliver,
  now: number,
): ReassembledMessage {
  return {
    iccid,
    sender: pdu.sender,
    encoding: pdu.encoding,
    text: pdu.text,
    data: pdu.data.slice(),
    sentAt: pdu.timestamp,
    completedAt: new Date(now),
    concat: null,
    complete: true,
    missingParts: [],
  };
}

/** The stored form of one part of a concatenated SMS; null when the SMS is single-part. */
export function partOf(iccid: string, pdu: DecodedDeliver, now: number): StoredPart | null {
  if (!pdu.concat) return null;
  const key: ConcatKey = {
    iccid,
    sender: pdu.sender.value,
    reference: pdu.concat.reference,
    referenceBits: pdu.concat.referenceBits,
    total: pdu.concat.total,
  };
  return {
    keyId: concatKeyId(key),
    key,
    sequence: pdu.concat.sequence,
    sender: pdu.sender,
    encoding: pdu.encoding,
    text: pdu.text,
    dataHex: bytesToHex(pdu.data),
    sentAt: pdu.timestamp.getTime(),
    receivedAt: now,
  };
}

/** True when every sequence number 1…total is among the parts. */
export function hasAllParts(key: ConcatKey, parts: readonly StoredPart[]): boolean {
  return new Set(parts.map((p) => p.sequence)).size >= key.total;
}

/**
 * Joins the parts in sequence order; the message is flagged incomplete, with the missing
 * sequence numbers, when some never arrived.
 */
export function assembleParts(
  key: ConcatKey,
  parts: readonly StoredPart[],
  now: number,
): ReassembledMessage {
  const sorted = [...parts].sort((a, b) => a.sequence - b.sequence);
  const present = new Set(sorted.map((p) => p.sequence));
  const missingParts: number[] = [];
  for (let seq = 1; seq <= key.total; seq++) if (!present.has(seq)) missingParts.push(seq);
  const chunks = sorted.map((p) => hexToBytes(p.dataHex));
  const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.length;
  }
  const first = sorted[0];
  return {
    iccid: key.iccid,
    sender: first?.sender ?? { value: key.sender, kind: 'unknown', toa: 0x81 },
    encoding: first?.encoding ?? 'gsm7',
    text: sorted.map((p) => p.text).join(''),
    data,
    sentAt: new Date(first?.sentAt ?? now),
    completedAt: new Date(now),
    concat: { reference: key.reference, referenceBits: key.referenceBits, total: key.total },
    complete: missingParts.length === 0,
    missingParts,
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InboundRecord, NewOutboundMessage } from '../../../src/pool/index.js';
import { describeError } from '../../../src/shared/index.js';
import { encodeDeliver, encodeStatusReport } from '../../../src/simulator/index.js';
import type { Concat, SmsEncoding } from '../../../src/simulator/index.js';
import { decodePdu, encodeSubmit } from '../../../src/sms/index.js';
import {
  createStore,
  openDatabase,
  type SqliteDatabase,
  type SqliteStore,
  type OpenDatabaseOptions,
} from '../../../src/store/index.js';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const SIM_A = '8949020000000000011';
export const SIM_B = '8949020000000000029';
export const IMEI_1 = '356938035643809';
export const IMEI_2 = '356938035643817';
const SMSC = '+491710760000';

/** A fresh directory under the system temp dir; `cleanup` removes every one made. */
export class TempDirs {
  private readonly dirs: string[] = [];

  make(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'simpool-store-'));
    this.dirs.push(dir);
    return dir;
  }

  file(name = 'simpool.db'): string {
    return path.join(this.make(), name);
  }

  cleanup(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Opens stores on real files and closes them all at the end of a test. */
export class StoreFixture {
  readonly dirs = new TempDirs();
  private readonly open: SqliteDatabase[] = [];

  openDb(file = this.dirs.file(), options: OpenDatabaseOptions = {}): SqliteDatabase {
    const db = openDatabase(file, options);
    this.open.push(db);
    return db;
  }

  store(file?: string): SqliteStore {
    return createStore(this.openDb(file));
  }

  close(): void {
    for (const db of this.open.splice(0)) if (db.open) db.close();
    this.dirs.cleanup();
  }
}

/** Wraps PDU hex as what the pool would hand over: decoded, or flagged malformed. */
export function recordOf(
  pdu: string,
  options: { iccid?: string; imei?: string; index?: number; receivedAt?: number } = {},
): InboundRecord {
  let decoded: InboundRecord['decoded'];
  try {
    decoded = decodePdu(pdu);
  } catch (error) {
    decoded = { type: 'malformed', error: describeError(error) };
  }
  return {
    iccid: options.iccid ?? SIM_A,
    imei: options.imei ?? IMEI_1,
    storage: 'SM',
    index: options.index ?? 0,
    pdu,
    receivedAt: options.receivedAt ?? T0,
    decoded,
  };
}

export interface DeliverOptions {
  from?: string;
  text?: string;
  encoding?: SmsEncoding;
  sentAt?: number;
  concat?: Concat;
}

export function deliverPdu(options: DeliverOptions = {}): string {
  return encodeDeliver({
    smsc: SMSC,
    from: options.from ?? '+4915112345678',
    text: options.text ?? 'Your code is 123456',
    encoding: options.encoding ?? 'gsm7',
    timestampMs: options.sentAt ?? T0 - MINUTE,
    ...(options.concat ? { concat: options.concat } : {}),
  }).hex;
}

/** The parts of one multipart message (texts given per part), in sequence order. */
export function multipartPdus(
  texts: readonly string[],
  options: { from?: string; ref?: number; refBits?: 8 | 16; encoding?: SmsEncoding } = {},
): string[] {
  return texts.map((text, i) =>
    deliverPdu({
      text,
      ...(options.from ? { from: options.from } : {}),
      ...(options.encoding ? { encoding: options.encoding } : {}),
      concat: {
        ref: options.ref ?? 42,
        total: texts.length,
        seq: i + 1,
        refBits: options.refBits ?? 8,
      },
    }),
  );
}

export function statusReportPdu(options: {
  mr: number;
  recipient?: string;
  status?: number;
  submittedAt?: number;
  dischargedAt?: number;
}): string {
  return encodeStatusReport({
    smsc: SMSC,
    recipient: options.recipient ?? '+4917612345678',
    mr: options.mr,
    submittedMs: options.submittedAt ?? T0,
    dischargedMs: options.dischargedAt ?? T0 + MINUTE,
    status: options.status ?? 0x00,
  }).hex;
}

export function countRows(db: SqliteDatabase, table: string): number {
  return db.prepare<[], number>(`SELECT COUNT(*) FROM ${table}`).pluck().get() ?? 0;
}

/** An outbound message to queue: `parts` > 1 makes a multipart of that many GSM-7 parts. */
export function outboundMessage(
  id: string,
  options: Partial<Omit<NewOutboundMessage, 'id' | 'parts'>> & { readonly parts?: number } = {},
): NewOutboundMessage {
  const to = options.to ?? '+4917612345678';
  const count = options.parts ?? 1;
  const text = options.body ?? (count > 1 ? 'x'.repeat(153 * count) : `hi ${id}`);
  const parts = encodeSubmit({ to, text, requestStatusReport: true, reference: 7 });
  return {
    id,
    to,
    toCountry: options.toCountry ?? null,
    body: text,
    iccid: options.iccid ?? null,
    parts: parts.map((p) => ({ pduHex: p.pduHex, tpduLength: p.tpduLength })),
    createdAt: options.createdAt ?? T0,
    priority: options.priority ?? 0,
    deliveryReport: options.deliveryReport ?? true,
    validUntil: options.validUntil ?? null,
    customerId: options.customerId ?? null,
    apiKeyId: options.apiKeyId ?? null,
  };
}

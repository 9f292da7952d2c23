import type { Concat, SmsEncoding } from './pdu.js';

/** Per-port settings; all of them return to these defaults on reset or power loss. */
export interface Settings {
  echo: boolean;
  verbose: boolean;
  quiet: boolean;
  cmee: 0 | 1 | 2;
  cmgf: 0 | 1;
  cscs: string;
  cregN: number;
  cgregN: number;
  ceregN: number;
  /** mode, mt, bm, ds, bfr */
  cnmi: [number, number, number, number, number];
  /** mem1 (read/list/delete), mem2 (write/send), mem3 (receive). */
  cpms: [StorageName, StorageName, StorageName];
  /** fo, vp, pid, dcs for text mode. */
  csmp: [number, number, number, number];
  cmms: number;
  cfun: number;
  csmsService: number;
  ussdEnabled: boolean;
  /** AT+CLIP=1: each RING is followed by `+CLIP: "<number>",<type>,…`. */
  clip: boolean;
  /** AT+CRC=1: `+CRING: VOICE` instead of RING. */
  crc: boolean;
}

export function defaultSettings(): Settings {
  return {
    echo: true,
    verbose: true,
    quiet: false,
    cmee: 0,
    cmgf: 0,
    cscs: 'GSM',
    cregN: 0,
    cgregN: 0,
    ceregN: 0,
    cnmi: [2, 1, 0, 0, 0],
    cpms: ['SM', 'SM', 'SM'],
    csmp: [17, 167, 0, 0],
    cmms: 0,
    cfun: 1,
    csmsService: 0,
    ussdEnabled: false,
    clip: false,
    crc: false,
  };
}

export type StorageName = 'SM' | 'ME';

/** <stat>: 0 REC UNREAD, 1 REC READ, 2 STO UNSENT, 3 STO SENT. */
export type MessageStat = 0 | 1 | 2 | 3;

export const STAT_TEXT: readonly string[] = ['REC UNREAD', 'REC READ', 'STO UNSENT', 'STO SENT'];

export interface StoredMessage {
  readonly index: number;
  stat: MessageStat;
  /** The PDU with its SMSC prefix, as `AT+CMGR` prints it. */
  readonly pdu: string;
  readonly tpduLength: number;
  /** `submit`: written with AT+CMGW (stat 2/3), to be sent with AT+CMSS. */
  readonly kind: 'deliver' | 'status-report' | 'submit';
  /** Decoded facts for text mode and tests (a submit's recipient). */
  readonly from: string;
  readonly text: string;
  readonly timestampMs: number;
}

/** An SMS memory (SIM or phone) with fixed capacity and first index (1 on SIMCom, 0 on Quectel). */
export class Storage {
  private readonly slots = new Map<number, StoredMessage>();

  constructor(
    readonly name: StorageName,
    readonly capacity: number,
    readonly firstIndex: number,
  ) {}

  get used(): number {
    return this.slots.size;
  }

  get full(): boolean {
    return this.slots.size >= this.capacity;
  }

  get lastIndex(): number {
    return this.firstIndex + this.capacity - 1;
  }

  inRange(index: number): boolean {
    return Number.isInteger(index) && index >= this.firstIndex && index <= this.lastIndex;
  }

  get(index: number): StoredMessage | undefined {
    return this.slots.get(index);
  }

  /** Messages in index order. */
  list(): StoredMessage[] {
    return [...this.slots.values()].sort((a, b) => a.index - b.index);
  }

  /** Stores in the lowest free slot; undefined when full. */
  add(message: Omit<StoredMessage, 'index'>): StoredMessage | undefined {
    for (let index = this.firstIndex; index <= this.lastIndex; index++) {
      if (!this.slots.has(index)) {
        const stored: StoredMessage = { ...message, index };
        this.slots.set(index, stored);
        return stored;
      }
    }
    return undefined;
  }

  delete(index: number): boolean {
    return this.slots.delete(index);
  }
}

/** What the modem submitted to the network, decoded, for `GET /modems/{i}/sent` and tests. */
export interface SentMessage {
  readonly to: string;
  readonly text: string;
  readonly encoding: SmsEncoding;
  readonly concat: Concat | undefined;
  /** The message reference the modem assigned (`+CMGS: <mr>`). */
  readonly mr: number;
  readonly timestampMs: number;
  readonly statusReportRequested: boolean;
  /** The PDU as typed after the prompt (PDU mode), undefined in text mode. */
  readonly pdu: string | undefined;
  readonly smsc: string | undefined;
}

/** A message the network holds for the modem until it can take it (registered, storage free). */
export interface PendingDelivery {
  readonly kind: 'deliver' | 'status-report';
  readonly pdu: string;
  readonly tpduLength: number;
  readonly from: string;
  readonly text: string;
  readonly timestampMs: number;
}

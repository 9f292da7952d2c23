/** Public shapes of the SMS codec (re-exported by index.ts). */

export type SmsEncoding = 'gsm7' | 'ucs2' | '8bit';

export type AddressKind = 'international' | 'national' | 'alphanumeric' | 'unknown' | 'other';

export interface SmsAddress {
  /** `+` and digits for international numbers, the decoded text for alphanumeric senders. */
  readonly value: string;
  readonly kind: AddressKind;
  /** Raw type-of-address octet (e.g. 0x91 international, 0xD0 alphanumeric). */
  readonly toa: number;
}

export interface ConcatInfo {
  /** Concatenation reference shared by all parts of one message. */
  readonly reference: number;
  /** 8 for IEI 0x00, 16 for IEI 0x08. */
  readonly referenceBits: 8 | 16;
  readonly total: number;
  /** 1-based. */
  readonly sequence: number;
}

export interface UdhElement {
  readonly iei: number;
  readonly data: Uint8Array;
}

export interface UserDataFields {
  readonly dcs: number;
  readonly encoding: SmsEncoding;
  /** Message class 0–3 when the DCS carries one, else null. */
  readonly messageClass: 0 | 1 | 2 | 3 | null;
  /** Decoded text (empty for 8-bit data). */
  readonly text: string;
  /** User data after the header: packed septets for GSM-7, raw octets otherwise. */
  readonly data: Uint8Array;
  readonly udh: readonly UdhElement[];
  readonly concat: ConcatInfo | null;
}

export interface DecodedDeliver extends UserDataFields {
  readonly type: 'deliver';
  /** Service centre address, or null when the PDU carried none (or an empty one). */
  readonly smsc: string | null;
  readonly sender: SmsAddress;
  readonly pid: number;
  /** Service centre time stamp converted to UTC. */
  readonly timestamp: Date;
  /** The time stamp's own zone, minutes east of UTC (e.g. 120 for +02:00). */
  readonly timestampOffsetMinutes: number;
  readonly moreMessagesToSend: boolean;
  readonly replyPath: boolean;
  readonly statusReportIndication: boolean;
}

export type DeliveryStatusClass = 'delivered' | 'pending' | 'failed-permanent' | 'failed-temporary';

export interface DecodedStatusReport {
  readonly type: 'status-report';
  readonly smsc: string | null;
  /** TP-MR of the SMS-SUBMIT this reports on (what `+CMGS: <mr>` returned). */
  readonly messageReference: number;
  readonly recipient: SmsAddress;
  readonly timestamp: Date;
  readonly timestampOffsetMinutes: number;
  readonly dischargeTime: Date;
  readonly dischargeOffsetMinutes: number;
  /** Raw TP-Status octet. */
  readonly status: number;
  readonly statusClass: DeliveryStatusClass;
  readonly statusText: string;
  /** True when the report answers an SMS-COMMAND rather than an SMS-SUBMIT. */
  readonly forCommand: boolean;
  /** Optional user data after TP-PI, when the service centre sent any. */
  readonly userData: UserDataFields | null;
}

export type ValidityPeriod =
  | { readonly format: 'relative'; readonly minutes: number }
  | { readonly format: 'absolute'; readonly until: Date }
  | { readonly format: 'enhanced'; readonly raw: Uint8Array };

export interface DecodedSubmit extends UserDataFields {
  readonly type: 'submit';
  readonly smsc: string | null;
  readonly messageReference: number;
  readonly recipient: SmsAddress;
  readonly pid: number;
  readonly validity: ValidityPeriod | null;
  readonly statusReportRequest: boolean;
  readonly rejectDuplicates: boolean;
}

/** What a modem's PDU-mode `AT+CMGR`/`AT+CMGL` can hand us (stored sent messages are SUBMITs). */
export type DecodedPdu = DecodedDeliver | DecodedStatusReport | DecodedSubmit;

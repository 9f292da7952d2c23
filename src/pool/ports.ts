/**
 * The storage the pool needs, as interfaces. src/store implements them with SQLite; a shared
 * PostgreSQL backend implements the same ones. Every method is asynchronous (the database may be
 * across a network) and **each call is one transaction**: a crash, a lost connection or a failed
 * statement leaves either all of a call's effect or none of it. A call's promise resolves once its
 * transaction committed, so whatever must follow a commit (deleting an SMS from its SIM, handing a
 * claimed part to its modem) awaits it. No call takes a callback to run inside its transaction:
 * work that must commit together is one call (`ingest` of a batch, `applySendSteps`).
 */
import type { DecodedPdu } from '../sms/index.js';
import type { ModemState, RegistrationStatus } from '../modem/index.js';

/** One PDU read from a SIM, with its decoding (or the reason it could not be decoded). */
export interface InboundRecord {
  readonly iccid: string;
  readonly imei: string;
  readonly storage: string;
  readonly index: number;
  readonly pdu: string;
  readonly receivedAt: number;
  readonly decoded: DecodedPdu | { readonly type: 'malformed'; readonly error: string };
}

export type IngestResult =
  /** The same PDU (same SIM, same bytes) was stored before: nothing changed. */
  | { readonly kind: 'duplicate' }
  /** A whole message: single-part, or the part that completed a multipart. */
  | { readonly kind: 'message'; readonly message: StoredInboundMessage }
  /** A part of a multipart message that is still waiting for others. */
  | { readonly kind: 'part'; readonly received: number; readonly total: number }
  /** A status report; matched to the outbound part it reports on when one was found. */
  | {
      readonly kind: 'status_report';
      readonly matched: { readonly messageId: string; readonly sequence: number } | null;
      readonly delivered: boolean;
    }
  /** A sent message stored on the SIM (AT+CMGL=4 lists them too): kept raw only. */
  | { readonly kind: 'submit' }
  /** Could not be decoded: kept raw and flagged, never dropped. */
  | { readonly kind: 'malformed' };

export interface StoredInboundMessage {
  readonly id: number;
  readonly iccid: string;
  readonly sender: string;
  readonly text: string;
  readonly encoding: string;
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly complete: boolean;
  readonly partCount: number;
  readonly missingParts: readonly number[];
}

export type RawPduKind = 'deliver' | 'status-report' | 'submit' | 'malformed';

/** One raw PDU as stored (every PDU read is kept, whatever it decoded to). */
export interface StoredRawPdu {
  readonly id: number;
  readonly iccid: string;
  readonly imei: string;
  readonly storage: string;
  readonly index: number;
  readonly pdu: string;
  readonly kind: RawPduKind;
  /** Why it could not be decoded (kind `malformed`), else null. */
  readonly error: string | null;
  /** The inbound message it is (part of), once there is one. */
  readonly messageId: number | null;
  readonly receivedAt: number;
}

export interface InboundRepository {
  /**
   * Stores a batch of PDUs in one transaction: each raw PDU once per SIM (fingerprint), and
   * what it decodes to (message, multipart part with reassembly, status report matched to its
   * outbound part). Results are in the order of `records`. The batch is all or nothing: when
   * it rejects, none of it was written, so nothing may be deleted from the SIMs; retry the
   * records one by one so a single bad record cannot hold back the others.
   */
  ingest(records: readonly InboundRecord[]): Promise<IngestResult[]>;
  /** Multiparts whose first part arrived before `cutoff`: delivered flagged incomplete. */
  expireIncomplete(cutoff: number, now: number): Promise<StoredInboundMessage[]>;
  /** Newest first; `beforeId` pages back. */
  listMessages(options: {
    readonly limit: number;
    readonly beforeId?: number;
  }): Promise<StoredInboundMessage[]>;
  /**
   * Messages received at or after `since`, oldest first, among the newest `limit` (the order
   * engine replays them at start, in case one was stored but not yet matched to its order).
   */
  listReceivedSince(since: number, limit: number): Promise<StoredInboundMessage[]>;
}

/**
 * Reads of the raw PDUs, for operators and tests (the pool itself never needs them, so they are
 * not part of InboundRepository).
 */
export interface RawPduReads {
  /** Newest first, optionally of one kind (`malformed`: kept, flagged, never decoded). */
  listRaw(options: { readonly limit: number; readonly kind?: RawPduKind }): Promise<StoredRawPdu[]>;
}

export interface ModemRecord {
  readonly imei: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly revision: string;
  readonly path: string;
  readonly state: ModemState;
  readonly at: number;
}

export interface SimRecord {
  readonly iccid: string;
  readonly imsi: string | null;
  readonly msisdn: string | null;
  readonly country: string | null;
  readonly operator: string | null;
  readonly imei: string;
  readonly path: string;
  readonly at: number;
}

export type SimStatus = 'ready' | 'degraded' | 'offline';

export interface SimHealthRecord {
  readonly signalDbm: number | null;
  readonly registration: RegistrationStatus;
  readonly operator: string | null;
}

export interface SimRow {
  readonly iccid: string;
  readonly imsi: string | null;
  readonly msisdn: string | null;
  readonly country: string | null;
  readonly operator: string | null;
  readonly imei: string | null;
  readonly path: string | null;
  readonly status: SimStatus;
  readonly signalDbm: number | null;
  readonly registration: RegistrationStatus | null;
  readonly firstSeenAt: number;
  readonly lastSeenAt: number;
  /** false: switched off by the operator; never allocated to an order nor used to send. */
  readonly enabled: boolean;
  /** The host whose modem it was last seen in (docs/several-hosts.md); '' on a lone appliance. */
  readonly hostId: string;
}

/**
 * Modems by IMEI, SIMs by ICCID, slots by (host, path): a SIM moved to another slot keeps its
 * history. An implementation belongs to one host (its id given when the store is created): the
 * modems, slots and SIMs it records are this host's; a modem or SIM last recorded by another
 * host becomes this host's (it was physically moved). The other writes change only this host's
 * rows, so a late write of a host a SIM or modem left cannot undo what its new host recorded.
 * The reads cover every host (the admin and the API show them all; the pool reads none).
 */
export interface InventoryRepository {
  recordModem(modem: ModemRecord): Promise<void>;
  setModemState(imei: string, state: ModemState, at: number): Promise<void>;
  /**
   * The SIM was identified in this modem and slot. Keeps `firstSeenAt`; a new modem, slot or
   * host is recorded as a new placement. Does not change the status (a new SIM starts
   * `offline`): `setSimStatus` says when it can be used.
   */
  recordSim(sim: SimRecord): Promise<void>;
  setSimStatus(iccid: string, status: SimStatus, at: number): Promise<void>;
  recordSimHealth(iccid: string, health: SimHealthRecord, at: number): Promise<void>;
  /** Every SIM seen on this modem goes offline (the modem vanished). */
  markModemSimsOffline(imei: string, at: number): Promise<void>;
  /** Every host's SIMs, by slot path then ICCID. */
  listSims(): Promise<SimRow[]>;
  /** A SIM of any host, by ICCID or by number (`+49…` or `49…`; a recycled one: seen last). */
  findSim(iccidOrNumber: string): Promise<SimRow | undefined>;
}

export type OutboundStatus =
  'queued' | 'sending' | 'sent' | 'delivered' | 'failed' | 'expired' | 'unknown';

/**
 * What happens to a part that may have gone out when nothing can tell (sent with `AT+CMGS`, then
 * a crash or no answer): `at-most-once` marks it `unknown` and never sends it again (default),
 * `at-least-once` queues it again (the recipient may get it twice).
 */
export type DeliveryGuarantee = 'at-most-once' | 'at-least-once';

/** Where a part's SUBMIT waits in its SIM's modem storage (`AT+CMGW`). */
export interface PartSlot {
  readonly storage: string;
  readonly index: number;
}

/** A part of this SIM with a slot in modem storage, as start-up settling sees it. */
export interface SlottedPart {
  readonly messageId: string;
  readonly sequence: number;
  /** `sending`: in flight when we stopped or lost the answer; anything else: slot to free. */
  readonly status: 'queued' | 'sending' | 'sent' | 'failed' | 'unknown';
  readonly pduHex: string;
  readonly attempts: number;
  readonly slot: PartSlot;
}

/** What start-up did with the parts a stop or crash left `sending`. */
export interface InterruptedParts {
  /** Back in the queue: they never reached the modem's transmitter (or at-least-once). */
  readonly requeued: number;
  /** Sent with AT+CMGS, nothing can tell whether they went out: `unknown` (at-most-once). */
  readonly unknown: number;
  /** Their slot in modem storage settles them once their SIM is back. */
  readonly awaitingSlot: number;
}

export interface NewOutboundMessage {
  readonly id: string;
  readonly to: string;
  /** ISO 3166 alpha-2 of the recipient (from the E.164 prefix), when known: routing prefers it. */
  readonly toCountry: string | null;
  readonly body: string;
  /** The SIM that must send it, or null: routing picks one. */
  readonly iccid: string | null;
  readonly parts: readonly { readonly pduHex: string; readonly tpduLength: number }[];
  readonly createdAt: number;
  /** Higher goes first; 100 and above skip the pause between messages (not the caps). */
  readonly priority: number;
  readonly deliveryReport: boolean;
  /** Not sent by then: `expired`. */
  readonly validUntil: number | null;
  /** The account that queued it (null: the operator's CLI). */
  readonly customerId: string | null;
  readonly apiKeyId: string | null;
}

/** A queued message as routing sees it. */
export interface RoutableMessage {
  readonly id: string;
  readonly toCountry: string | null;
  readonly priority: number;
  /** The SIM it must go out through: asked for, or the one that sent its first parts. */
  readonly senderIccid: string | null;
  /** The SIM that last failed it temporarily, and until when another SIM is preferred. */
  readonly avoidIccid: string | null;
  readonly avoidUntil: number | null;
}

export interface OutboundPartToSend {
  readonly messageId: string;
  readonly sequence: number;
  readonly total: number;
  readonly pduHex: string;
  readonly tpduLength: number;
  readonly to: string;
  /** Earlier attempts at this part (temporary failures, interrupted sends). */
  readonly attempts: number;
}

export interface OutboundMessageRow {
  readonly id: string;
  readonly to: string;
  readonly body: string;
  /** The SIM asked for, null for any. */
  readonly iccid: string | null;
  /** The SIM its parts go out through, fixed once its first part was claimed. */
  readonly senderIccid: string | null;
  readonly status: OutboundStatus;
  readonly partCount: number;
  readonly priority: number;
  readonly deliveryReport: boolean;
  readonly validUntil: number | null;
  readonly customerId: string | null;
  readonly errorCode: string | null;
  readonly errorDetail: string | null;
  readonly cmsError: number | null;
  readonly createdAt: number;
  readonly sentAt: number | null;
  readonly deliveredAt: number | null;
}

export interface PartFailure {
  readonly permanent: boolean;
  readonly cmsError: number | null;
  readonly detail: string;
  /** A temporary failure: when the part may be tried again on the same SIM (default at once). */
  readonly retryAt?: number;
  /** A temporary failure of a message none of whose parts went out: another SIM may take it at
   * once, this one only from `retryAt`. */
  readonly tryElsewhere?: boolean;
}

/** One write of a send worker, as `applySendSteps` takes it: the method of the same name's job. */
export type SendStep =
  | {
      readonly kind: 'claimPart';
      readonly messageId: string;
      readonly iccid: string;
      readonly at: number;
    }
  | {
      readonly kind: 'markPartSent';
      readonly messageId: string;
      readonly sequence: number;
      readonly iccid: string;
      readonly messageReference: number | null;
      readonly at: number;
    }
  | {
      readonly kind: 'recordStoredSlot';
      readonly messageId: string;
      readonly sequence: number;
      readonly slot: PartSlot;
    }
  | { readonly kind: 'recordDirectSend'; readonly messageId: string; readonly sequence: number }
  | {
      readonly kind: 'clearSlot';
      readonly messageId: string;
      readonly sequence: number;
      readonly slot: PartSlot;
    }
  | {
      readonly kind: 'markPartUnknown';
      readonly messageId: string;
      readonly sequence: number;
      readonly detail: string;
      readonly at: number;
    }
  | {
      readonly kind: 'markPartFailed';
      readonly messageId: string;
      readonly sequence: number;
      readonly failure: PartFailure;
      readonly at: number;
    }
  | { readonly kind: 'release'; readonly messageId: string; readonly at: number };

/**
 * What became of one step of `applySendSteps`. A `claimPart` that succeeded carries the claimed
 * part, or none when there was nothing to claim (as `claimPart` answers undefined).
 */
export type SendStepOutcome =
  | { readonly ok: true; readonly part?: OutboundPartToSend }
  | { readonly ok: false; readonly error: unknown };

export interface OutboundRepository {
  enqueue(message: NewOutboundMessage): Promise<void>;
  /**
   * The send workers' writes of one moment (many SIMs claiming parts and recording outcomes),
   * applied in order in **one transaction**: one commit (one fsync on SQLite) for the lot. Each
   * step is all or nothing on its own (a savepoint): a step that fails is rolled back alone and
   * reported as `{ ok: false }` in its place, the others commit. The promise rejects only when
   * the transaction itself failed (begin or commit): then nothing of it was written. Each step
   * does what the method of the same name does (`claimPart`, `markPartSent` …).
   */
  applySendSteps(steps: readonly SendStep[]): Promise<SendStepOutcome[]>;
  /**
   * Queued messages with a part due at `at` that a free SIM may take now: unbound ones, ones
   * bound to a SIM of `senders.ready`, and urgent ones (priority ≥ 100) bound to a SIM of
   * `senders.urgentReady`; highest priority first, then oldest; at most `limit`. Messages past
   * their `valid_until` with nothing sent yet are left out (see `expireDue`).
   */
  listRoutable(
    at: number,
    limit: number,
    senders: { readonly ready: readonly string[]; readonly urgentReady: readonly string[] },
  ): Promise<RoutableMessage[]>;
  /** Whether any queued part is due: one cheap check instead of routing on every tick. */
  hasClaimable(at: number): Promise<boolean>;
  /**
   * The next due part of the message for this SIM, marked `sending` (and the message bound to the
   * SIM) in the same transaction; undefined when the message is not (or no longer) this SIM's to
   * send: taken by another SIM, finished, failed, expired, or no part due.
   */
  claimPart(messageId: string, iccid: string, at: number): Promise<OutboundPartToSend | undefined>;
  /**
   * `+CMGS`/`+CMSS` answered (reference null: the slot was found STO SENT without an answer):
   * the part is sent and never sent again.
   */
  markPartSent(
    messageId: string,
    sequence: number,
    iccid: string,
    messageReference: number | null,
    at: number,
  ): Promise<void>;
  /**
   * The part's SUBMIT is in modem storage at `slot` (committed before `AT+CMSS`). Another part
   * of the SIM still naming that slot loses it (the modem reused the index: its content is gone).
   */
  recordStoredSlot(messageId: string, sequence: number, slot: PartSlot): Promise<void>;
  /** The part goes out with `AT+CMGS`: after a crash it follows the delivery guarantee. */
  recordDirectSend(messageId: string, sequence: number): Promise<void>;
  /** The part's slot was deleted on the modem. */
  clearSlot(messageId: string, sequence: number, slot: PartSlot): Promise<void>;
  /**
   * The part may have gone out and nothing can tell: it and its message end `unknown` (the rest
   * of its parts are not sent), never sent again.
   */
  markPartUnknown(messageId: string, sequence: number, detail: string, at: number): Promise<void>;
  /** The SIM's parts that still name a slot in modem storage (settled before it sends again). */
  slottedParts(iccid: string): Promise<SlottedPart[]>;
  /**
   * A permanent error fails the whole message; a temporary one puts the part back in the queue,
   * claimable again from `retryAt` (default: at once). While none of its parts went out, a
   * message for any SIM may then be claimed by another SIM.
   */
  markPartFailed(
    messageId: string,
    sequence: number,
    failure: PartFailure,
    at: number,
  ): Promise<void>;
  /** The SIM stops working on the message (stopping, went offline): back in the queue, bound to
   * the SIM only when some of its parts went out. No-op while one of its parts is in flight. */
  release(messageId: string, at: number): Promise<void>;
  /** Messages whose `valid_until` passed before they were sent become `expired`; their ids. */
  expireDue(at: number): Promise<string[]>;
  /**
   * At start-up only, before any claim, for the parts a stop or crash left `sending`: those that
   * never reached the modem's transmitter go back to `queued` (attempts + 1); those sent with
   * `AT+CMGS` follow `guarantee`; those with a slot in modem storage wait for their SIM, which
   * reads the slot (`slottedParts`) before it sends anything else.
   */
  requeueInterrupted(at: number, guarantee: DeliveryGuarantee): Promise<InterruptedParts>;
  /** When this SIM handed parts to its modem since `since`, oldest first (throttles). */
  sendTimes(iccid: string, since: number): Promise<number[]>;
  /**
   * SIMs routing must leave alone: `disabled` by the operator (never used), `rented` in an open
   * rental order (not picked by routing unless the operator allows it; a message that asked
   * for such a SIM still goes through it).
   */
  simsOffLimits(): Promise<{
    readonly rented: ReadonlySet<string>;
    readonly disabled: ReadonlySet<string>;
  }>;
  getMessage(id: string): Promise<OutboundMessageRow | undefined>;
}

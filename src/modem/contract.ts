/**
 * What the modem layer promises the pool. The driver speaks AT through src/at and knows
 * nothing of PDUs' contents (src/sms and src/modem never import each other: they meet in pool).
 */
import type { LinkFactory } from '../transport/index.js';

/** Every lifecycle state, e.g. for `/metrics`, which shows each of them (0 or 1) per modem. */
export const MODEM_STATES = [
  'connecting',
  'initializing',
  'ready',
  'degraded',
  'recovering',
  'offline',
] as const;
export type ModemState = (typeof MODEM_STATES)[number];

/** Why a state changed: string literals, never free text. */
export type StateChangeReason =
  | 'starting'
  | 'link_opened'
  | 'link_open_failed'
  | 'initialized'
  | 'init_failed'
  | 'sim_not_ready'
  | 'not_registered'
  | 'registered'
  | 'command_timeout'
  | 'resync_failed'
  | 'disconnected'
  | 'recovered'
  | 'recovery_exhausted'
  /** A SIM that was missing or locked became usable (degraded → ready). */
  | 'sim_ready'
  /** The operator asked for a reset (admin API): the ladder from the modem reset rung. */
  | 'operator_reset'
  | 'stopped';

/** What the driver knows of the SIM; anything but 'ready' keeps the modem degraded. */
export type SimStatus =
  | 'unknown'
  | 'ready'
  | 'absent'
  /** Locked and no PIN configured for it (pins[iccid] / pins['*']). */
  | 'pin_required'
  /** The configured PIN was refused once: it is never sent again (3 tries lock the SIM). */
  | 'pin_rejected'
  /** PUK / PH-SIM locks: never touched by software. */
  | 'puk_required'
  | 'failure';

export type RecoveryStep =
  'resync' | 'reopen' | 'radio_cycle' | 'modem_reset' | 'power_cycle' | 'give_up';

export type RegistrationStatus =
  'home' | 'roaming' | 'searching' | 'denied' | 'not_registered' | 'unknown';

export interface ModemInfo {
  readonly manufacturer: string;
  readonly model: string;
  readonly revision: string;
  readonly imei: string;
  /** The vendor profile chosen from AT+CGMI/CGMM (e.g. 'simcom', 'quectel', 'generic'). */
  readonly profile: string;
}

export interface SimInfo {
  readonly iccid: string;
  readonly imsi: string | null;
  /** AT+CNUM, else the configured number for this ICCID, else null. */
  readonly msisdn: string | null;
  readonly msisdnSource: 'cnum' | 'config' | null;
  readonly mcc: string | null;
  readonly mnc: string | null;
  /** ISO 3166-1 alpha-2 from the IMSI's MCC. */
  readonly country: string | null;
  /** From MCC+MNC, else from AT+COPS?. */
  readonly operator: string | null;
}

export interface ModemHealth {
  readonly signalDbm: number | null;
  readonly registration: RegistrationStatus;
  readonly operator: string | null;
  readonly storageUsed: number | null;
  readonly storageTotal: number | null;
  readonly checkedAt: number;
}

/** One SMS PDU as read from SIM/modem storage, before it is deleted there. */
export interface InboundPduRead {
  readonly imei: string;
  readonly iccid: string;
  readonly storage: string;
  readonly index: number;
  /** Hex exactly as the modem gave it (with the SMSC field). */
  readonly pdu: string;
  readonly readAt: number;
  /**
   * How it was found: a `+CMTI`/`+CDSI` notification, the storage sweep, or a direct `+CDS`
   * (`+CMT`) URC. Direct ones have `storage: 'direct'` and `index: -1`: nothing to delete.
   */
  readonly source: 'notification' | 'sweep' | 'direct';
}

/**
 * Where the driver hands every PDU it reads. `commit` resolves only once the PDU is durable;
 * only then does the driver delete it from the SIM. A rejected commit leaves it on the SIM
 * (the next sweep retries). Commits of the same PDU twice must be harmless (de-duplication).
 */
export interface InboundSink {
  commit(read: InboundPduRead): Promise<void>;
}

/** One SMS-SUBMIT part, already encoded (by src/sms, in the pool). */
export interface SubmitPdu {
  readonly pduHex: string;
  readonly tpduLength: number;
}

/** Where a SUBMIT waits in modem storage (`AT+CMGW`) until `AT+CMSS` sends it. */
export interface StoredSlot {
  /** The storage `AT+CMGW` wrote to (mem2), e.g. `SM`, `ME`, `MT`. */
  readonly storage: string;
  readonly index: number;
}

/**
 * The caller's durable record of one send, asked at the moments that decide what a crash means.
 * `stored` and `direct` must resolve only once committed: the modem transmits only after. A
 * rejection stops the send (nothing went out).
 */
export interface SendJournal {
  /** The PDU sits at `slot`, not sent yet; after a crash that slot's status tells. */
  stored(slot: StoredSlot): Promise<void>;
  /** No storage: `AT+CMGS` follows, which leaves no trace on the modem if we crash. */
  direct(): Promise<void>;
  /**
   * The modem answered `+CMSS`/`+CMGS` (reference null: a stored message found STO SENT without
   * its answer). Resolve once durable; only then is the slot freed.
   */
  sent(messageReference: number | null, slot: StoredSlot | null): Promise<void>;
  /** `slot` was deleted from the modem (bookkeeping, not awaited). */
  released(slot: StoredSlot): void;
}

/** A stored outgoing message as `AT+CMGL=2`/`=3` lists it. */
export interface StoredSubmit {
  readonly slot: StoredSlot;
  /** 2 STO UNSENT, 3 STO SENT. */
  readonly stat: 2 | 3;
  /** Hex as the modem printed it (with the SMSC field). */
  readonly pdu: string;
}

export type SendOutcome =
  | {
      readonly ok: true;
      /** TP-MR from `+CMSS`/`+CMGS`; null when a stored message was found sent without it. */
      readonly messageReference: number | null;
      readonly sentAt: number;
    }
  | {
      readonly ok: false;
      /** false: another try (here or on another SIM) may succeed; true: it never will. */
      readonly permanent: boolean;
      readonly cmsError: number | null;
      /**
       * `cms_<n>_<name>`, `timeout_after_payload`, `prompt_failed`, `link_lost`, `at_error`,
       * `modem_offline`, `modem_stopped`.
       */
      readonly detail: string;
      /**
       * True when the PDU reached the modem but no answer came back (timeout or link lost after
       * the payload): the modem may have sent it. Retrying may deliver it twice; the caller
       * decides (e.g. retry only after the status-report window, or mark it "unknown").
       */
      readonly ambiguous: boolean;
      /**
       * Ambiguous, but the PDU still sits at this slot (`AT+CMSS` got no answer and the slot
       * could not be read): reading the slot later (STO SENT or STO UNSENT) settles it.
       */
      readonly slot: StoredSlot | null;
    };

export interface ModemDriverOptions {
  /** Where the modem was found (device path, tcp://…, memory:…), for logs and slots. */
  readonly address: string;
  readonly linkFactory: LinkFactory;
  readonly sink: InboundSink;
  /** SIM PINs by ICCID (or '*' for any). */
  readonly pins?: Readonly<Record<string, string>>;
  /** Own numbers by ICCID, for SIMs whose AT+CNUM is empty. */
  readonly numbers?: Readonly<Record<string, string>>;
  readonly healthIntervalMs?: number;
  readonly sweepIntervalMs?: number;
  /**
   * After AT+CFUN=1,1 the modem re-enumerates, maybe on another path: the pool finds the port
   * that now answers with this IMEI. Null when it has not reappeared.
   */
  readonly relocate?: (imei: string) => Promise<LinkFactory | null>;
  /** The configured power-cycle command for this slot (e.g. uhubctl), if any. */
  readonly powerCycle?: () => Promise<void>;
  /** Delays and bounds of init and recovery (defaults in DEFAULT_MODEM_TIMING). */
  readonly timing?: Partial<ModemTiming>;
  /** Incoming voice calls; default `{ onIncoming: 'reject' }`. */
  readonly calls?: CallPolicy;
}

export interface ModemTiming {
  /** Rounds of the engine's resync (resyncAttempts × resyncTimeoutMs each) before init gives up. */
  readonly wakeRounds: number;
  /** `AT+CPIN?` polls while the SIM is busy/initialising, and the pause between them. */
  readonly simReadyPolls: number;
  readonly simReadyPollMs: number;
  /** Timeouts in this window (ms) that trigger recovery even when each resync succeeded. */
  readonly timeoutBurst: number;
  readonly timeoutWindowMs: number;
  /** `reopen` step: attempts and the pause before each. */
  readonly reopenAttempts: number;
  readonly reopenDelayMs: number;
  /** Pause between `AT+CFUN=0` and `AT+CFUN=1`. */
  readonly radioOffMs: number;
  /** After `AT+CFUN=1,1` / a power cycle: how long to look for the modem, and how often. */
  readonly reappearTimeoutMs: number;
  readonly reappearPollMs: number;
  /** First look after a reset/power cycle (a modem is silent while it boots). */
  readonly bootDelayMs: number;
  /** AT engine: timeout of commands without a longer built-in one (AT+CMGS …). */
  readonly commandTimeoutMs: number;
  /** AT engine: `AT` probes of a resync after a timeout, and the timeout of each. */
  readonly resyncAttempts: number;
  readonly resyncTimeoutMs: number;
  /** How long `AT+CFUN=0`, `AT+CFUN=1` and `AT+CFUN=1,1` may take in the recovery ladder. */
  readonly cfunTimeoutMs: number;
}

/** What the driver does with an incoming voice call. */
export interface CallPolicy {
  /** `reject`: hang up (`ATH`) after the first RING; `ignore`: let it ring until the caller quits. */
  readonly onIncoming: 'reject' | 'ignore';
}

/** How an incoming call ended: our ATH, the caller's NO CARRIER, or silence (no more RINGs). */
export type CallEnd = 'rejected' | 'caller_hung_up' | 'unknown';

/** One incoming voice call, reported once it is over. */
export interface IncomingCall {
  readonly imei: string | null;
  readonly iccid: string | null;
  /** From `+CLIP` (digits, `+` for international); null when withheld or caller id is off. */
  readonly caller: string | null;
  /** `+CLIP`'s type of address: 145 international, 129 national/unknown. */
  readonly callerType: number | null;
  /** The first RING (or +CLIP). */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly rings: number;
  readonly end: CallEnd;
}

/** Events of ModemDriver (a typed node EventEmitter). The driver never emits 'error'. */
export interface ModemDriverEvents {
  state: [change: { from: ModemState; to: ModemState; reason: StateChangeReason }];
  identity: [identity: { info: ModemInfo; sim: SimInfo | null }];
  health: [health: ModemHealth];
  recovery: [event: { step: RecoveryStep; ok: boolean; detail: string }];
  inbound: [event: { read: InboundPduRead }];
  /** An incoming voice call ended (rejected, abandoned by the caller, or silent). */
  call: [call: IncomingCall];
}

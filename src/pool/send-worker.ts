import type { SendJournal, SendOutcome, SubmitPdu } from '../modem/index.js';
import { describeError, type Clock, type Logger } from '../shared/index.js';
import type {
  DeliveryGuarantee,
  OutboundRepository,
  PartFailure,
  RoutableMessage,
  SlottedPart,
} from './ports.js';
import type { SendThrottle } from './send-throttle.js';
import { settleStoredParts, type StoredSubmitsPort } from './stored-settlement.js';
import type { WriteBatch } from './write-batch.js';

/** Temporary failures are retried with a doubling pause (30 s, 1 min, 2 min …, at most 10 min). */
const RETRY_BASE_MS = 30_000;
const RETRY_MAX_MS = 10 * 60_000;
export const DEFAULT_MAX_ATTEMPTS = 5;
/** Tries at recording a sent part before giving up (each waits out the store's busy timeout). */
const RECORD_ATTEMPTS = 5;

export interface SenderModem {
  /** The SIM that sends, while the modem can send (ready, registered); null otherwise. */
  readonly sendingIccid: string | null;
  /** The SIM's country (ISO alpha-2), when known. */
  readonly country: string | null;
  /** Sends one part; `journal` is awaited before the modem may transmit (see SendJournal). */
  send(part: SubmitPdu, journal: SendJournal): Promise<SendOutcome>;
  /** Outgoing messages in the modem's storage: settled before the SIM sends anything new. */
  readonly stored: StoredSubmitsPort;
}

/** The part being sent, as much as recording its outcome needs. */
interface PartRef {
  readonly messageId: string;
  readonly sequence: number;
  readonly attempts: number;
}

export interface SendWorkerDeps {
  readonly outbound: OutboundRepository;
  /** The workers' writes, committed together (one fsync for many modems). */
  readonly writes: WriteBatch;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The SIM's throttle (seeded from the store's send history the first time). */
  readonly throttleFor: (iccid: string) => Promise<SendThrottle>;
  /** The worker is free again (routing may hand it the next message). */
  readonly onIdle: () => void;
  readonly maxAttempts?: number;
  /** A part that may have gone out and nothing can tell: `unknown` or sent again. */
  readonly guarantee: DeliveryGuarantee;
  readonly random?: () => number;
}

/**
 * Sends the messages routing hands to one modem, one at a time and each part after the other
 * through the same SIM. Every part is claimed (committed) before it goes to the modem, its slot
 * in modem storage (or its going out with AT+CMGS) committed before the modem may transmit, and
 * its `+CMSS`/`+CMGS` recorded before the slot is freed: a crash at any point is settled by the
 * slot's status (stored-settlement.ts), never by sending again on a guess.
 */
export class SendWorker {
  private current: Promise<void> | null = null;
  private stopped = true;
  /** The SIM whose leftovers in modem storage are settled: only it may send. */
  private settledIccid: string | null = null;
  private settling: Promise<void> | null = null;

  constructor(
    readonly modem: SenderModem,
    private readonly deps: SendWorkerDeps,
  ) {}

  /** Free to take a message now. */
  get available(): boolean {
    const iccid = this.modem.sendingIccid;
    return !this.stopped && this.current === null && iccid !== null && iccid === this.settledIccid;
  }

  start(): void {
    this.stopped = false;
    this.settleIfNeeded();
    this.deps.onIdle();
  }

  /** Takes no more work; resolves once the part in flight (if any) is sent and recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.current;
    await this.settling;
  }

  /**
   * The modem may have become able to send (ready, registered, another SIM): settles what its
   * SIM left in modem storage. While a part of the SIM waits in a slot, the SIM sends nothing
   * new; with none, it may send at once and leftovers nobody names are cleared meanwhile (each
   * send is one work item of the modem, so a listing never sees a send half done).
   */
  settleIfNeeded(): void {
    const iccid = this.modem.sendingIccid;
    if (this.stopped || iccid === null || iccid === this.settledIccid) return;
    if (this.settling || this.current) return;
    // Set before the first await: a second call meanwhile must not settle the SIM twice.
    this.settling = this.settleSim(iccid)
      .catch((error: unknown) => {
        this.deps.logger.error({ err: describeError(error), iccid }, 'settling stored SMS failed');
      })
      .finally(() => {
        this.settling = null;
        if (!this.stopped) this.deps.onIdle();
      });
  }

  private async settleSim(iccid: string): Promise<void> {
    let parts: SlottedPart[];
    try {
      parts = await this.deps.outbound.slottedParts(iccid);
    } catch (error) {
      this.deps.logger.error({ err: describeError(error), iccid }, 'reading slotted parts failed');
      return;
    }
    if (parts.length === 0) {
      // Nothing of ours waits in a slot: it may send now, while the leftovers are cleared.
      this.settledIccid = iccid;
      if (!this.stopped) this.deps.onIdle();
    }
    if (await this.settle(iccid, parts)) this.settledIccid = iccid;
  }

  take(message: RoutableMessage): void {
    const iccid = this.modem.sendingIccid;
    if (!this.available || iccid === null) return;
    this.current = this.run(message, iccid)
      .catch((error: unknown) => {
        this.deps.logger.error(
          { err: describeError(error), messageId: message.id },
          'send worker failed; the message stays queued',
        );
      })
      .finally(() => {
        this.current = null;
        this.settleIfNeeded();
        if (!this.stopped) this.deps.onIdle();
      });
  }

  private async run(message: RoutableMessage, iccid: string): Promise<void> {
    const { writes, clock } = this.deps;
    const throttle = await this.deps.throttleFor(iccid);
    // Done with it: every part out, or it failed. Otherwise it goes back to the queue.
    let done = false;
    try {
      for (;;) {
        if (this.stopped || this.modem.sendingIccid !== iccid) return;
        const at = clock.now();
        // Between parts of one message only the caps hold (the pause is between messages).
        if (throttle.nextAllowedAt(at, { urgent: true }) > at) return;
        // Committed before the modem sees the part. Nothing to claim: taken (by another SIM
        // first), expired, or no part due yet. Once claimed, the part goes to the modem even
        // if it went offline meanwhile: the send fails and records it, never leaves it `sending`.
        const part = await writes.claim(message.id, iccid, at);
        if (!part) return;
        throttle.record(at);
        const sent = await this.sendOne(iccid, part);
        if (!sent || part.sequence === part.total) {
          done = true;
          return;
        }
      }
    } finally {
      if (done) throttle.rest(clock.now(), (this.deps.random ?? Math.random)());
      // Stopped half way (stopping, offline, a cap reached): the rest goes back to the queue.
      else await writes.record({ kind: 'release', messageId: message.id, at: clock.now() });
    }
  }

  /** Sends one part and records the outcome; false when the message stops here. */
  private async sendOne(iccid: string, part: PartRef & SubmitPdu): Promise<boolean> {
    const { pduHex, tpduLength } = part;
    const outcome = await this.modem.send({ pduHex, tpduLength }, this.journalFor(part, iccid));
    return this.recordOutcome(part, outcome);
  }

  /** What a send's outcome means for the part; true when it went out. */
  private async recordOutcome(part: PartRef, outcome: SendOutcome): Promise<boolean> {
    const { writes, clock, logger } = this.deps;
    const context = { messageId: part.messageId, part: part.sequence };
    if (outcome.ok) {
      // Recorded by the journal before the modem's slot was freed.
      logger.debug({ ...context, mr: outcome.messageReference }, 'SMS part sent');
      return true;
    }
    const at = clock.now();
    if (outcome.slot !== null) {
      // In storage and unread: stays `sending` until the slot is read (before the next send).
      this.settledIccid = null;
      logger.warn({ ...context, detail: outcome.detail }, 'SMS part in doubt; its slot settles it');
      return false;
    }
    if (outcome.ambiguous && this.deps.guarantee === 'at-most-once') {
      await this.markUnknown(part, `${outcome.detail} (may have gone out; not sent again)`);
      return false;
    }
    const failure = this.failureOf(outcome, part.attempts + 1, at);
    const { messageId, sequence } = part;
    await writes.record({ kind: 'markPartFailed', messageId, sequence, failure, at });
    logger.warn(
      { ...context, attempts: part.attempts + 1, ...failure },
      failure.permanent ? 'SMS failed permanently' : 'SMS part failed; queued again',
    );
    return false;
  }

  private async markUnknown(part: PartRef, detail: string): Promise<void> {
    const { writes, clock, logger } = this.deps;
    const { messageId, sequence } = part;
    await writes.record({ kind: 'markPartUnknown', messageId, sequence, detail, at: clock.now() });
    logger.warn({ messageId: part.messageId, part: part.sequence, detail }, 'SMS part unknown');
  }

  /** The durable record of one part's send, asked by the modem layer at each decisive step. */
  private journalFor(part: PartRef, iccid: string): SendJournal {
    const { writes, clock, logger } = this.deps;
    const { messageId, sequence } = part;
    return {
      stored: (slot) => writes.record({ kind: 'recordStoredSlot', messageId, sequence, slot }),
      direct: () => writes.record({ kind: 'recordDirectSend', messageId, sequence }),
      sent: (mr) => this.recordSent(part, iccid, mr, clock.now()),
      released: (slot) => {
        writes
          .record({ kind: 'clearSlot', messageId, sequence, slot })
          .catch((error: unknown) =>
            logger.warn({ err: describeError(error), messageId }, 'forgetting a freed slot failed'),
          );
      },
    };
  }

  /** Reads the SIM's slots left by an earlier run or a lost answer; true once all are settled. */
  private async settle(iccid: string, parts: readonly SlottedPart[]): Promise<boolean> {
    const { writes, clock, logger } = this.deps;
    let stillInDoubt = false;
    // A settled part's message may have more parts: back in the queue, bound to this SIM.
    const resume = (part: SlottedPart) =>
      writes.record({ kind: 'release', messageId: part.messageId, at: clock.now() });
    const listed = await settleStoredParts(
      {
        logger,
        stored: this.modem.stored,
        journalFor: (part) => this.journalFor(part, iccid),
        foundSent: async (part) => {
          await this.recordSent(part, iccid, null, clock.now());
          await resume(part);
        },
        inDoubt: async (part, detail) => {
          if (this.deps.guarantee === 'at-most-once') return this.markUnknown(part, detail);
          const failure = { permanent: false, cmsError: null, detail, tryElsewhere: false };
          const { messageId, sequence } = part;
          await writes.record({
            kind: 'markPartFailed',
            messageId,
            sequence,
            failure,
            at: clock.now(),
          });
        },
        sentNow: async (part, outcome) => {
          if (!outcome.ok && outcome.slot !== null) stillInDoubt = true;
          if (await this.recordOutcome(part, outcome)) await resume(part);
        },
        forgetSlot: ({ messageId, sequence, slot }) =>
          writes.record({ kind: 'clearSlot', messageId, sequence, slot }),
      },
      parts,
    );
    return listed && !stillInDoubt;
  }

  /**
   * Records a part the network took. A failed write (the database busy past its timeout) is
   * tried again; if it never succeeds the error is thrown, so the modem keeps the part's slot
   * (STO SENT) and the next start still finds it was sent.
   */
  private async recordSent(
    part: PartRef,
    iccid: string,
    mr: number | null,
    at: number,
  ): Promise<void> {
    const { writes, logger } = this.deps;
    const { messageId, sequence } = part;
    for (let attempt = 1; ; attempt++) {
      try {
        await writes.record({
          kind: 'markPartSent',
          messageId,
          sequence,
          iccid,
          messageReference: mr,
          at,
        });
        return;
      } catch (error) {
        const context = { err: describeError(error), messageId: part.messageId, attempt };
        if (attempt >= RECORD_ATTEMPTS) {
          logger.error(context, 'recording a sent part failed');
          throw error;
        }
        logger.warn(context, 'recording a sent part failed; trying again');
      }
    }
  }

  private failureOf(
    outcome: Extract<SendOutcome, { ok: false }>,
    attempts: number,
    at: number,
  ): PartFailure {
    const givingUp =
      !outcome.permanent && attempts >= (this.deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    const resent = outcome.ambiguous ? ' (may have gone out; sent again: at-least-once)' : '';
    return {
      permanent: outcome.permanent || givingUp,
      cmsError: outcome.cmsError,
      detail: givingUp
        ? `${outcome.detail} (gave up after ${attempts} attempts)`
        : `${outcome.detail}${resent}`,
      retryAt: at + Math.min(RETRY_BASE_MS * 2 ** (attempts - 1), RETRY_MAX_MS),
      // Another SIM may well get it through (this one's network or credit may be the cause).
      tryElsewhere: true,
    };
  }
}

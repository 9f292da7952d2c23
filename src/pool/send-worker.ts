import type { SendOutcome, SubmitPdu } from '../modem/index.js';
import { describeError, type Clock, type Logger } from '../shared/index.js';
import type {
  OutboundPartToSend,
  OutboundRepository,
  PartFailure,
  RoutableMessage,
} from './ports.js';
import type { SendThrottle } from './send-throttle.js';
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
  send(part: SubmitPdu): Promise<SendOutcome>;
}

export interface SendWorkerDeps {
  readonly outbound: OutboundRepository;
  /** The workers' writes, committed together (one fsync for many modems). */
  readonly writes: WriteBatch;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly throttleFor: (iccid: string) => SendThrottle;
  /** The worker is free again (routing may hand it the next message). */
  readonly onIdle: () => void;
  readonly maxAttempts?: number;
  readonly random?: () => number;
}

/**
 * Sends the messages routing hands to one modem, one at a time and each part after the other
 * through the same SIM. Every part is claimed (committed) before it goes to the modem and its
 * outcome recorded right after, so a part that got `+CMGS` is never sent again.
 */
export class SendWorker {
  private current: Promise<void> | null = null;
  private stopped = true;

  constructor(
    readonly modem: SenderModem,
    private readonly deps: SendWorkerDeps,
  ) {}

  /** Free to take a message now. */
  get available(): boolean {
    return !this.stopped && this.current === null && this.modem.sendingIccid !== null;
  }

  start(): void {
    this.stopped = false;
    this.deps.onIdle();
  }

  /** Takes no more work; resolves once the part in flight (if any) is sent and recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.current;
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
        if (!this.stopped) this.deps.onIdle();
      });
  }

  private async run(message: RoutableMessage, iccid: string): Promise<void> {
    const { outbound, writes, clock } = this.deps;
    const throttle = this.deps.throttleFor(iccid);
    // Done with it: every part out, or it failed. Otherwise it goes back to the queue.
    let done = false;
    try {
      for (;;) {
        if (this.stopped || this.modem.sendingIccid !== iccid) return;
        const at = clock.now();
        // Between parts of one message only the caps hold (the pause is between messages).
        if (throttle.nextAllowedAt(at, { urgent: true }) > at) return;
        // Nothing to claim: taken, expired, or no part due yet.
        const part = await writes.run(() => outbound.claimPart(message.id, iccid, at));
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
      else await writes.run(() => outbound.release(message.id, clock.now()));
    }
  }

  /** Sends one part and records the outcome; false when the message stops here. */
  private async sendOne(iccid: string, part: OutboundPartToSend): Promise<boolean> {
    const { outbound, writes, clock, logger } = this.deps;
    const outcome = await this.modem.send({ pduHex: part.pduHex, tpduLength: part.tpduLength });
    const at = clock.now();
    if (outcome.ok) {
      const mr = outcome.messageReference;
      // Not awaited: the record joins the batch that also claims this modem's next message, so
      // the modem gets new work after one commit instead of two. Batches commit in order; a
      // crash before this one commits resends the part (the at-least-once window of a tick).
      void this.recordSent(part, iccid, mr, at);
      logger.debug({ messageId: part.messageId, part: part.sequence, mr }, 'SMS part sent');
      return true;
    }
    const failure = this.failureOf(outcome, part.attempts + 1, at);
    await writes.run(() => outbound.markPartFailed(part.messageId, part.sequence, failure, at));
    logger.warn(
      { messageId: part.messageId, part: part.sequence, attempts: part.attempts + 1, ...failure },
      failure.permanent ? 'SMS failed permanently' : 'SMS part failed; queued again',
    );
    return false;
  }

  /**
   * Records a part the network took. A failed write (the database busy past its timeout) is
   * tried again: left unrecorded, the part would be sent a second time after a restart.
   */
  private async recordSent(
    part: OutboundPartToSend,
    iccid: string,
    mr: number,
    at: number,
  ): Promise<void> {
    const { outbound, writes, logger } = this.deps;
    for (let attempt = 1; ; attempt++) {
      try {
        await writes.run(() => outbound.markPartSent(part.messageId, part.sequence, iccid, mr, at));
        return;
      } catch (error) {
        const context = { err: describeError(error), messageId: part.messageId, attempt };
        if (attempt >= RECORD_ATTEMPTS) {
          logger.error(
            context,
            'recording a sent part failed; it may be sent again after a restart',
          );
          return;
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
    return {
      // The PDU went out and no answer came: the SMS may have been sent. Resending could
      // deliver it twice, so the part fails with that said, and whoever queued it decides.
      permanent: outcome.permanent || givingUp || outcome.ambiguous,
      cmsError: outcome.cmsError,
      detail: givingUp
        ? `${outcome.detail} (gave up after ${attempts} attempts)`
        : outcome.ambiguous
          ? `${outcome.detail} (may have been sent; not retried)`
          : outcome.detail,
      retryAt: at + Math.min(RETRY_BASE_MS * 2 ** (attempts - 1), RETRY_MAX_MS),
      // Another SIM may well get it through (this one's network or credit may be the cause).
      tryElsewhere: true,
    };
  }
}

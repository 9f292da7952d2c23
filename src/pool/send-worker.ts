import type { SendOutcome, SubmitPdu } from '../modem/index.js';
import { describeError, type Clock, type Logger } from '../shared/index.js';
import type { OutboundPartToSend, OutboundRepository } from './ports.js';

/** Temporary failures are retried with a doubling pause (30 s, 1 min, 2 min …, at most 10 min). */
const RETRY_BASE_MS = 30_000;
const RETRY_MAX_MS = 10 * 60_000;
/** After this many attempts a temporarily failing part fails for good. */
const MAX_ATTEMPTS = 5;

export interface SenderModem {
  /** The SIM that sends, while the modem can send; null otherwise. */
  readonly sendingIccid: string | null;
  send(part: SubmitPdu): Promise<SendOutcome>;
}

/**
 * Drains the outbound queue through one modem, one part at a time, whenever it is woken: by the
 * pool when queued work is due (one cheap check for all modems, so 256 idle modems do not each
 * query the queue every second), when its modem becomes ready, and when work is queued.
 */
export class SendWorker {
  private running = false;
  private stopped = true;

  constructor(
    private readonly modem: SenderModem,
    private readonly outbound: OutboundRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.wake();
  }

  stop(): void {
    this.stopped = true;
  }

  /** Work may be waiting: look now. */
  wake(): void {
    if (!this.running && !this.stopped) void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      for (;;) {
        const iccid = this.modem.sendingIccid;
        if (this.stopped || iccid === null) break;
        const part = this.outbound.claimNext(iccid, this.clock.now());
        if (!part) break;
        // After a temporary failure, pause until the next poll: a modem without network would
        // otherwise spin through the queue. A permanent failure only concerns its own message.
        if (!(await this.sendOne(iccid, part))) break;
      }
    } catch (error) {
      this.logger.error({ err: describeError(error) }, 'send worker failed; retrying when woken');
    } finally {
      this.running = false;
    }
  }

  /** Sends one part and records the outcome; false when the modem should rest a while. */
  private async sendOne(iccid: string, part: OutboundPartToSend): Promise<boolean> {
    const outcome = await this.modem.send({ pduHex: part.pduHex, tpduLength: part.tpduLength });
    const at = this.clock.now();
    if (outcome.ok) {
      this.outbound.markPartSent(
        part.messageId,
        part.sequence,
        iccid,
        outcome.messageReference,
        at,
      );
      this.logger.info(
        { messageId: part.messageId, part: part.sequence, mr: outcome.messageReference },
        'SMS part sent',
      );
      return true;
    }
    const attempts = part.attempts + 1;
    const givingUp = !outcome.permanent && attempts >= MAX_ATTEMPTS;
    // The PDU went out and no answer came: the SMS may have been sent. Resending could deliver
    // it twice, so the part fails with that said, and whoever queued it decides.
    const permanent = outcome.permanent || givingUp || outcome.ambiguous;
    const failure = {
      permanent,
      cmsError: outcome.cmsError,
      detail: givingUp
        ? `${outcome.detail} (gave up after ${attempts} attempts)`
        : outcome.ambiguous
          ? `${outcome.detail} (may have been sent; not retried)`
          : outcome.detail,
      retryAt: at + Math.min(RETRY_BASE_MS * 2 ** (attempts - 1), RETRY_MAX_MS),
    };
    this.outbound.markPartFailed(part.messageId, part.sequence, failure, at);
    this.logger.warn(
      { messageId: part.messageId, part: part.sequence, attempts, ...failure },
      failure.permanent ? 'SMS failed permanently' : 'SMS part failed; queued again',
    );
    return failure.permanent;
  }
}

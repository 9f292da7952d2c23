/**
 * One SMS-SUBMIT part. Through modem storage when the modem has it (send-stored.ts: AT+CMGW,
 * AT+CMSS, whose slot status settles a crash), else through the prompt: `AT+CMGS=<tpdu length>`,
 * `> `, PDU + Ctrl-Z, `+CMGS: <mr>`. Every failure becomes an outcome (never a throw), so one bad
 * message never blocks the next. The engine writes ESC on any failure of a prompt command.
 *
 * A part is sent only on its own `+CMGS`/`+CMSS` reference (or, from storage, the slot read back
 * STO SENT). `+CMGS: <mr>` followed by an error final or a timeout is still sent; OK without a
 * reference after the PDU went out is in doubt (ambiguous), never "sent with reference -1".
 */
import type { AtEngine, AtWireEvent } from '../at/index.js';
import type { Clock, Logger } from '../shared/index.js';
import type { SendJournal, SendOutcome, StoredSlot, SubmitPdu } from './contract.js';
import { parseCmgs } from './responses.js';
import {
  deleteSlot,
  sendFromSlot,
  storePart,
  type StoreCapability,
  type StoredSendContext,
} from './send-stored.js';
import { answerLines, failure, outcomeOf } from './send-outcome.js';

export { failure } from './send-outcome.js';

const CTRL_Z = '\x1a';

/** A journal that records nothing (a bare driver, tests): storage still settles in-doubt sends. */
export const NO_JOURNAL: SendJournal = {
  stored: () => Promise.resolve(),
  direct: () => Promise.resolve(),
  sent: () => Promise.resolve(),
  released: () => undefined,
};

export interface SendContext {
  readonly engine: AtEngine;
  readonly clock: Clock;
  readonly logger: Logger;
  /** mem2 and how to point mem1 at a storage; null: the modem has no SMS storage set up. */
  readonly storage: Omit<StoredSendContext, 'engine' | 'clock' | 'logger'> | null;
  readonly capability: StoreCapability;
}

/** A PDU we can tell is malformed without asking the modem. */
function invalidPart(part: SubmitPdu): string | null {
  if (!/^([0-9A-Fa-f]{2})+$/.test(part.pduHex)) return 'pdu is not hex octets';
  if (!Number.isInteger(part.tpduLength) || part.tpduLength < 1 || part.tpduLength > 255) {
    return 'tpduLength out of range';
  }
  return null;
}

export async function submitPart(
  ctx: SendContext,
  part: SubmitPdu,
  journal: SendJournal = NO_JOURNAL,
): Promise<SendOutcome> {
  const invalid = invalidPart(part);
  if (invalid !== null) return failure(`invalid_pdu: ${invalid}`, { permanent: true });
  if (ctx.storage && ctx.capability.usable) {
    const stored: StoredSendContext = {
      ...ctx.storage,
      engine: ctx.engine,
      clock: ctx.clock,
      logger: ctx.logger,
    };
    const result = await storePart(stored, part.pduHex, part.tpduLength);
    if (result.kind === 'failed') return result.outcome;
    if (result.kind === 'stored') {
      ctx.capability.worked();
      return sendStoredPart(stored, result.slot, journal);
    }
    if (!result.memoryFull) ctx.capability.refused();
    ctx.logger.info(
      { memoryFull: result.memoryFull },
      'AT+CMGW refused: this part goes out with AT+CMGS',
    );
  }
  return sendDirect(ctx, part, journal);
}

/** The slot is committed first: a crash from here on is settled by reading it. */
async function sendStoredPart(
  ctx: StoredSendContext,
  slot: StoredSlot,
  journal: SendJournal,
): Promise<SendOutcome> {
  try {
    await journal.stored(slot);
  } catch (error) {
    await deleteSlot(ctx, slot, journal);
    return failure(`journal_failed: ${String(error)}`);
  }
  return sendFromSlot(ctx, slot, journal);
}

/** `AT+CMGS`: once the PDU is written, a crash cannot tell whether it went out. */
async function sendDirect(
  ctx: SendContext,
  part: SubmitPdu,
  journal: SendJournal,
): Promise<SendOutcome> {
  try {
    await journal.direct();
  } catch (error) {
    return failure(`journal_failed: ${String(error)}`);
  }
  // Did the PDU (and its Ctrl-Z) go out? After that, no answer is not "not sent".
  let payloadWritten = false;
  const onWire = (event: AtWireEvent): void => {
    if (event.direction === 'tx' && event.text.endsWith(CTRL_Z)) payloadWritten = true;
  };
  const { engine } = ctx;
  engine.on('wire', onWire);
  let reference: number | null;
  try {
    reference = parseCmgs(
      (await engine.sendWithPrompt(`AT+CMGS=${part.tpduLength}`, part.pduHex)).lines,
    );
    // OK without +CMGS after the PDU went out: accepted or not, nothing proves it was sent.
    if (reference === null) return failure('accepted_without_reference', { ambiguous: true });
  } catch (error) {
    // +CMGS: <mr> arrived: sent, whatever final (or silence) followed it.
    reference = parseCmgs(answerLines(error));
    if (reference === null) return outcomeOf(error, payloadWritten);
  } finally {
    engine.off('wire', onWire);
  }
  const sentAt = ctx.clock.now();
  try {
    await journal.sent(reference, null);
  } catch (error) {
    ctx.logger.error({ err: String(error) }, 'recording a sent part failed');
  }
  return { ok: true, messageReference: reference, sentAt };
}

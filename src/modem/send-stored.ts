/**
 * Sending through modem storage, so that a crash can never send a part twice:
 *
 *   AT+CMGW=<len>,2 ─► `> ` PDU ^Z ─► +CMGW: <i> ─► journal.stored (committed) ─► AT+CMSS=<i>
 *     ─► +CMSS: <mr> ─► journal.sent (committed) ─► AT+CMGD=<i>
 *
 * Until `AT+CMSS` the message only sits in storage (STO UNSENT); the modem marks it STO SENT
 * once it went out. After a crash the committed slot is read (`AT+CMGR`) and its status says
 * whether the part went out: no guessing. A `+CMSS: <mr>` is proof of sending whatever follows it
 * (an error final, a timeout); an error final without it means the modem did not send.
 */
import { isCmsError, type AtEngine } from '../at/index.js';
import { describeError, isSimpoolError, type Clock, type Logger } from '../shared/index.js';
import type { SendJournal, SendOutcome, StoredSlot, StoredSubmit } from './contract.js';
import { classifyCmsError } from './cms-errors.js';
import { errorNumber, isRefusal } from './helpers.js';
import { parseCmgl, parseCmgrEntry, parseCmgw, parseCmss } from './responses.js';
import { failure, outcomeOf, answerLines } from './send-outcome.js';

/** Refusals of AT+CMGW in a row after which a modem is taken not to have it. */
const REFUSALS_BEFORE_GIVING_UP = 3;

/** Whether this modem stores SUBMITs (`AT+CMGW`); learnt from its answers, kept per driver. */
export class StoreCapability {
  private refusals = 0;

  get usable(): boolean {
    return this.refusals < REFUSALS_BEFORE_GIVING_UP;
  }

  worked(): void {
    this.refusals = 0;
  }

  refused(): void {
    this.refusals++;
  }
}

export interface StoredSendContext {
  readonly engine: AtEngine;
  readonly clock: Clock;
  readonly logger: Logger;
  /** mem2: where `AT+CMGW` writes and `AT+CMSS` reads. */
  readonly storage: string;
  /** Points mem1 (`AT+CMGR`/`AT+CMGD`/`AT+CMGL`) at `storage`. */
  readonly selectStorage: (storage: string) => Promise<void>;
}

export type StoreResult =
  | { readonly kind: 'stored'; readonly slot: StoredSlot }
  /** The modem will not store it (no AT+CMGW, storage full): send it with AT+CMGS. */
  | { readonly kind: 'refused'; readonly memoryFull: boolean }
  /** Nothing was sent (no answer, link lost): the part can be tried again. */
  | { readonly kind: 'failed'; readonly outcome: SendOutcome };

/** `AT+CMGW`: writes the PDU to storage as STO UNSENT. Never transmits. */
export async function storePart(
  ctx: StoredSendContext,
  pduHex: string,
  tpduLength: number,
): Promise<StoreResult> {
  try {
    const answer = await ctx.engine.sendWithPrompt(`AT+CMGW=${tpduLength},2`, pduHex);
    const index = parseCmgw(answer.lines);
    // OK without an index: stored somewhere we cannot name (the start-up clean-up finds it).
    if (index === null) return { kind: 'refused', memoryFull: false };
    return { kind: 'stored', slot: { storage: ctx.storage, index } };
  } catch (error) {
    if (isCmsError(error, 322)) return { kind: 'refused', memoryFull: true };
    // A PDU the modem calls invalid (304 …) would fail AT+CMGS the same way: fail it here.
    if (isCmsError(error) && classifyCmsError(errorNumber(error)).permanent) {
      return { kind: 'failed', outcome: outcomeOf(error, false) };
    }
    if (isRefusal(error)) return { kind: 'refused', memoryFull: false };
    // AT+CMGW never transmits: whatever happened, nothing went out.
    const outcome = outcomeOf(error, false);
    const detail = outcome.ok ? 'unknown' : outcome.detail;
    return { kind: 'failed', outcome: failure(`store_${detail}`) };
  }
}

/**
 * `AT+CMSS` for a committed slot, then the slot freed once the send is recorded. Without an
 * answer the slot is read back: STO SENT is sent, STO UNSENT is not, unreadable stays in doubt.
 */
export async function sendFromSlot(
  ctx: StoredSendContext,
  slot: StoredSlot,
  journal: SendJournal,
): Promise<SendOutcome> {
  let reference: number | null;
  try {
    reference = parseCmss((await ctx.engine.send(`AT+CMSS=${slot.index}`)).lines);
  } catch (error) {
    reference = parseCmss(answerLines(error));
    if (reference === null && isRefusal(error)) {
      // An error final and no +CMSS: the modem did not send it.
      await deleteSlot(ctx, slot, journal);
      return outcomeOf(error, false);
    }
    if (reference === null)
      ctx.logger.warn(
        { slot, err: describeError(error) },
        'no answer to AT+CMSS: reading the slot',
      );
  }
  if (reference !== null) return recordSent(ctx, slot, reference, journal);
  return settleBySlot(ctx, slot, journal);
}

/** Reads the slot of a send that got no answer: its status says whether it went out. */
async function settleBySlot(
  ctx: StoredSendContext,
  slot: StoredSlot,
  journal: SendJournal,
): Promise<SendOutcome> {
  let stat: number | null;
  try {
    stat = (await readSlot(ctx, slot))?.stat ?? null;
  } catch (error) {
    ctx.logger.warn(
      { slot, err: describeError(error) },
      'cannot read the slot: the send stays in doubt',
    );
    return failure('no_answer_in_storage', { ambiguous: true, slot });
  }
  if (stat === 3) return recordSent(ctx, slot, null, journal);
  if (stat === 2) {
    await deleteSlot(ctx, slot, journal);
    return failure('no_answer_not_sent');
  }
  return failure('no_answer_slot_unreadable', { ambiguous: true, slot });
}

async function recordSent(
  ctx: StoredSendContext,
  slot: StoredSlot,
  reference: number | null,
  journal: SendJournal,
): Promise<SendOutcome> {
  const sentAt = ctx.clock.now();
  try {
    await journal.sent(reference, slot);
  } catch (error) {
    // Not recorded: the slot stays (STO SENT), so a restart still finds the part was sent.
    ctx.logger.error(
      { slot, err: describeError(error) },
      'recording a sent part failed; its slot is kept',
    );
    return { ok: true, messageReference: reference, sentAt };
  }
  await deleteSlot(ctx, slot, journal);
  return { ok: true, messageReference: reference, sentAt };
}

/** `AT+CMGR` of one slot: its status and PDU, or null when empty. */
export async function readSlot(
  ctx: StoredSendContext,
  slot: StoredSlot,
): Promise<{ readonly stat: number | null; readonly pdu: string } | null> {
  await ctx.selectStorage(slot.storage);
  try {
    return parseCmgrEntry((await ctx.engine.send(`AT+CMGR=${slot.index}`)).lines);
  } catch (error) {
    // EC25 answers an empty slot with +CMS ERROR: 321.
    if (isCmsError(error, 321)) return null;
    throw error;
  }
}

/** Frees a slot of ours (content known in this exchange). A failure only leaves it for later. */
export async function deleteSlot(
  ctx: StoredSendContext,
  slot: StoredSlot,
  journal: SendJournal,
): Promise<boolean> {
  try {
    await ctx.selectStorage(slot.storage);
    await ctx.engine.send(`AT+CMGD=${slot.index}`);
    journal.released(slot);
    return true;
  } catch (error) {
    if (isSimpoolError(error, 'at_engine_closed')) return false;
    ctx.logger.warn(
      { slot, err: describeError(error) },
      'deleting a sent slot failed; left for the next start',
    );
    return false;
  }
}

/** Deletes `slot` only while it still holds exactly `pdu` as a stored outgoing message. */
export async function deleteIfStill(
  ctx: StoredSendContext,
  slot: StoredSlot,
  pdu: string,
  journal: SendJournal,
): Promise<boolean> {
  const entry = await readSlot(ctx, slot);
  if (!entry || (entry.stat !== 2 && entry.stat !== 3) || entry.pdu !== pdu.toUpperCase()) {
    return false;
  }
  return deleteSlot(ctx, slot, journal);
}

/** Every stored outgoing message (STO UNSENT and STO SENT) of mem2. */
export async function listStoredSubmits(ctx: StoredSendContext): Promise<StoredSubmit[]> {
  await ctx.selectStorage(ctx.storage);
  const found: StoredSubmit[] = [];
  for (const stat of [2, 3] as const) {
    const listing = await ctx.engine.send(`AT+CMGL=${stat}`, { timeoutMs: 60_000 });
    for (const entry of parseCmgl(listing.lines)) {
      if (entry.stat !== null && entry.stat !== stat) continue;
      found.push({ slot: { storage: ctx.storage, index: entry.index }, stat, pdu: entry.pdu });
    }
  }
  return found;
}

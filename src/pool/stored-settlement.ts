/**
 * Before a SIM sends anything new, what an earlier run (or a send that lost its answer) left in
 * its modem's storage is settled by reading it, never by guessing:
 *
 * - a part still `sending` whose slot holds its SUBMIT as STO SENT went out: `sent` (reference
 *   unknown), then the slot is freed; as STO UNSENT it did not: sent now with `AT+CMSS` (once);
 * - a part whose slot is empty or holds something else is in doubt: the delivery guarantee says
 *   `unknown` (at-most-once) or queued again (at-least-once);
 * - a finished part whose slot was not freed yet: freed;
 * - an outgoing message no part names (a crash between `AT+CMGW` and its commit, so it was
 *   never sent): deleted, or it would fill the storage the network delivers into.
 */
import type { SendJournal, SendOutcome, StoredSlot, StoredSubmit } from '../modem/index.js';
import { describeError, type Logger } from '../shared/index.js';
import { sameSubmit } from '../sms/index.js';
import type { SlottedPart } from './ports.js';

export interface StoredSubmitsPort {
  list(): Promise<StoredSubmit[]>;
  sendFrom(slot: StoredSlot, journal: SendJournal): Promise<SendOutcome>;
  deleteIfStill(slot: StoredSlot, pdu: string, journal: SendJournal): Promise<boolean>;
}

export interface SettlementHost {
  readonly logger: Logger;
  readonly stored: StoredSubmitsPort;
  readonly journalFor: (part: SlottedPart) => SendJournal;
  /** A `sending` part found STO SENT: recorded sent (reference unknown). */
  readonly foundSent: (part: SlottedPart) => Promise<void>;
  /** A `sending` part whose slot cannot tell: the delivery guarantee decides. */
  readonly inDoubt: (part: SlottedPart, detail: string) => Promise<void>;
  /** The outcome of sending a STO UNSENT part now, handled like any send. */
  readonly sentNow: (part: SlottedPart, outcome: SendOutcome) => Promise<void>;
  /** A slot the store still names holds nothing of ours any more. */
  readonly forgetSlot: (part: SlottedPart) => Promise<void>;
}

const key = (slot: StoredSlot): string => `${slot.storage}:${slot.index}`;

/** Settles every slotted part of the SIM; false when the modem could not be asked (retry later). */
export async function settleStoredParts(
  host: SettlementHost,
  parts: readonly SlottedPart[],
): Promise<boolean> {
  let listing: StoredSubmit[];
  try {
    listing = await host.stored.list();
  } catch (error) {
    // Nothing of ours on it: a modem that cannot list (no storage, no AT+CMGL=2) has nothing to settle.
    if (parts.length === 0) return true;
    host.logger.warn(
      { err: describeError(error) },
      'cannot list stored outgoing SMS; settling later',
    );
    return false;
  }
  const bySlot = new Map(listing.map((entry) => [key(entry.slot), entry]));
  for (const part of parts) {
    const entry = bySlot.get(key(part.slot));
    const ours = entry !== undefined && sameSubmit(part.pduHex, entry.pdu);
    if (ours) bySlot.delete(key(part.slot));
    if (part.status !== 'sending') {
      if (ours) await host.stored.deleteIfStill(part.slot, entry.pdu, host.journalFor(part));
      else await host.forgetSlot(part);
      continue;
    }
    if (!ours) {
      await host.inDoubt(part, 'its slot in modem storage no longer holds it: may have gone out');
      continue;
    }
    if (entry.stat === 3) {
      host.logger.info({ messageId: part.messageId, part: part.sequence }, 'found STO SENT: sent');
      await host.foundSent(part);
      await host.stored.deleteIfStill(part.slot, entry.pdu, host.journalFor(part));
    } else {
      host.logger.info(
        { messageId: part.messageId, part: part.sequence },
        'found STO UNSENT: sending it now',
      );
      await host.sentNow(part, await host.stored.sendFrom(part.slot, host.journalFor(part)));
    }
  }
  for (const orphan of bySlot.values()) {
    host.logger.info(
      { slot: orphan.slot, stat: orphan.stat },
      'deleting an outgoing SMS no part names',
    );
    await host.stored.deleteIfStill(orphan.slot, orphan.pdu, NOTHING_TO_RECORD);
  }
  return true;
}

const NOTHING_TO_RECORD: SendJournal = {
  stored: () => Promise.resolve(),
  direct: () => Promise.resolve(),
  sent: () => Promise.resolve(),
  released: () => undefined,
};

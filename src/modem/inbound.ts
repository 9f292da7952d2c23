/**
 * Inbound SMS, the one rule that matters: read → commit (durable) → only then delete exactly
 * that index. Never a delete-all flag: SMS that arrived meanwhile would be lost. A failed commit
 * leaves the SMS on the SIM (the next sweep retries); a failed delete only means the next sweep
 * commits it again, which the sink's de-duplication absorbs.
 *
 * Notifications: `+CMTI`/`+CDSI` name storage and index (read them). A `+CDS` (status report
 * routed directly, ds=1) carries its PDU: committed with index -1 and nothing to delete. With
 * `AT+CSMS=0` (the default we never change) no `AT+CNMA` acknowledgement is needed.
 */
import { isCmsError, type AtEngine } from '../at/index.js';
import { describeError, type Clock, type Logger } from '../shared/index.js';
import type { InboundPduRead, InboundSink } from './contract.js';
import { isRefusal, tryCommand } from './helpers.js';
import {
  parseCmgl,
  parseCmgr,
  parseCmgrEntry,
  parseCpmsUse,
  type StorageUse,
} from './responses.js';

/** <stat> 2 STO UNSENT and 3 STO SENT: SUBMITs written with AT+CMGW, not received SMS. */
function isOutgoing(stat: number | null): boolean {
  return stat === 2 || stat === 3;
}

/** Which storage `AT+CMGR/CMGL/CMGD` work on (mem1), and the storages SMS were seen in. */
export class StorageTracker {
  mem1: string;
  readonly seen = new Set<string>();

  constructor(readonly preferred: string) {
    this.mem1 = preferred;
  }

  /** The preferred storage first, then any other one a notification named. */
  get sweepOrder(): string[] {
    return [this.preferred, ...[...this.seen].filter((s) => s !== this.preferred)];
  }
}

export interface InboundContext {
  readonly engine: AtEngine;
  readonly sink: InboundSink;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly imei: string;
  readonly iccid: string;
  readonly storage: StorageTracker;
  /** Called after commit (and delete, when there was one to do). */
  readonly delivered: (read: InboundPduRead) => void;
}

/** Points mem1 at `storage` when it is not there already (only mem1 changes). */
export async function selectStorage(ctx: InboundContext, storage: string): Promise<void> {
  if (ctx.storage.mem1 === storage) return;
  await ctx.engine.send(`AT+CPMS="${storage}"`);
  ctx.storage.mem1 = storage;
}

/**
 * The slot still holds what was read and committed, read again in one clean exchange. Needed
 * when the engine's sync epoch moved since the read: an answer read while commands and answers
 * were out of step may have been another slot's, and deleting on its word loses an SMS unread.
 */
async function stillHolds(ctx: InboundContext, read: InboundPduRead): Promise<boolean> {
  let epoch: number;
  let pdu: string | null;
  try {
    // A sync point first: the resync the desync asked for runs before it, not inside the re-read.
    await ctx.engine.send('AT');
    epoch = ctx.engine.syncEpoch;
    pdu = parseCmgr((await ctx.engine.send(`AT+CMGR=${read.index}`)).lines);
  } catch (error) {
    ctx.logger.warn(
      { index: read.index, error: describeError(error) },
      're-read before delete failed',
    );
    return false;
  }
  return (
    ctx.engine.syncEpoch === epoch && pdu !== null && pdu.toUpperCase() === read.pdu.toUpperCase()
  );
}

/**
 * Commits, then deletes its slot. False when the commit failed (the SMS stays stored).
 * `readEpoch` is the engine's sync epoch when the PDU was read: the delete targets the slot only
 * if nothing put answers and commands out of step since, or a re-read shows the same PDU.
 */
export async function commitThenDelete(
  ctx: InboundContext,
  read: InboundPduRead,
  readEpoch: number = ctx.engine.syncEpoch,
): Promise<boolean> {
  try {
    await ctx.sink.commit(read);
  } catch (error) {
    ctx.logger.error(
      { storage: read.storage, index: read.index, error: describeError(error) },
      'commit failed: the SMS stays in modem storage until a later sweep',
    );
    return false;
  }
  if (read.index >= 0 && ctx.engine.syncEpoch !== readEpoch && !(await stillHolds(ctx, read))) {
    ctx.logger.warn(
      { storage: read.storage, index: read.index },
      'read while out of step with the modem: slot kept until a clean re-read (next sweep)',
    );
    ctx.delivered(read);
    return true;
  }
  if (read.index >= 0) {
    try {
      await ctx.engine.send(`AT+CMGD=${read.index}`);
    } catch (error) {
      if (!isRefusal(error)) {
        ctx.delivered(read);
        throw error;
      }
      ctx.logger.warn(
        { storage: read.storage, index: read.index, error: describeError(error) },
        'delete refused after commit: the next sweep re-reads it (de-duplicated)',
      );
    }
  }
  ctx.delivered(read);
  return true;
}

/** `+CMTI`/`+CDSI`: reads one slot. False for an empty slot or a failed commit. */
export async function readNotified(
  ctx: InboundContext,
  storage: string,
  index: number,
): Promise<boolean> {
  await selectStorage(ctx, storage);
  const readEpoch = ctx.engine.syncEpoch;
  let entry: { readonly stat: number | null; readonly pdu: string } | null;
  try {
    entry = parseCmgrEntry((await ctx.engine.send(`AT+CMGR=${index}`)).lines);
  } catch (error) {
    // EC25 answers an empty or vanished slot with +CMS ERROR: 321 (SIM800: a bare OK).
    if (isCmsError(error, 321)) return false;
    throw error;
  }
  // An outgoing message of ours (AT+CMGW): never inbound, never deleted here.
  if (entry === null || isOutgoing(entry.stat)) return false;
  const pdu = entry.pdu;
  const read: InboundPduRead = {
    imei: ctx.imei,
    iccid: ctx.iccid,
    storage,
    index,
    pdu,
    readAt: ctx.clock.now(),
    source: 'notification',
  };
  return commitThenDelete(ctx, read, readEpoch);
}

/** `+CDS` (or a stray `+CMT`): the PDU came with the URC; nothing is stored on the modem. */
export async function commitDirect(ctx: InboundContext, pdu: string): Promise<boolean> {
  return commitThenDelete(ctx, {
    imei: ctx.imei,
    iccid: ctx.iccid,
    storage: 'direct',
    index: -1,
    pdu: pdu.toUpperCase(),
    readAt: ctx.clock.now(),
    source: 'direct',
  });
}

export interface SweepResult {
  readonly committed: number;
  /** Use of the preferred storage before the sweep, when the modem reported it. */
  readonly use: StorageUse | null;
}

/**
 * Lists every storage SMS may sit in (`AT+CPMS?` first, to skip empty ones), then commits and
 * deletes each listed PDU, one by one, with the same rule as notifications.
 */
export async function sweepStorage(ctx: InboundContext): Promise<SweepResult> {
  let committed = 0;
  let firstUse: StorageUse | null = null;
  for (const storage of ctx.storage.sweepOrder) {
    await selectStorage(ctx, storage);
    const status = await tryCommand(ctx.engine, 'AT+CPMS?');
    const use = status ? (parseCpmsUse(status.lines)[0] ?? null) : null;
    if (storage === ctx.storage.preferred) firstUse = use;
    if (use !== null && use.used === 0) continue;
    const readEpoch = ctx.engine.syncEpoch;
    // A full SIM listing is long at 9600 baud: more than the 10 s default.
    const listing = await ctx.engine.send('AT+CMGL=4', { timeoutMs: 60_000 });
    for (const entry of parseCmgl(listing.lines)) {
      // STO UNSENT / STO SENT: parts being sent (send-stored.ts) settle them, not the sweep.
      if (isOutgoing(entry.stat)) continue;
      const read: InboundPduRead = {
        imei: ctx.imei,
        iccid: ctx.iccid,
        storage,
        index: entry.index,
        pdu: entry.pdu,
        readAt: ctx.clock.now(),
        source: 'sweep',
      };
      if (await commitThenDelete(ctx, read, readEpoch)) committed++;
    }
  }
  if (committed > 0) ctx.logger.info({ committed }, 'sweep committed stored SMS');
  return { committed, use: firstUse };
}

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
import { parseCmgl, parseCmgr, parseCpmsUse, type StorageUse } from './responses.js';

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

/** Commits, then deletes its slot. False when the commit failed (the SMS stays stored). */
export async function commitThenDelete(
  ctx: InboundContext,
  read: InboundPduRead,
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
  let pdu: string | null;
  try {
    pdu = parseCmgr((await ctx.engine.send(`AT+CMGR=${index}`)).lines);
  } catch (error) {
    // EC25 answers an empty or vanished slot with +CMS ERROR: 321 (SIM800: a bare OK).
    if (isCmsError(error, 321)) return false;
    throw error;
  }
  if (pdu === null) return false;
  const read: InboundPduRead = {
    imei: ctx.imei,
    iccid: ctx.iccid,
    storage,
    index,
    pdu,
    readAt: ctx.clock.now(),
    source: 'notification',
  };
  return commitThenDelete(ctx, read);
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
    // A full SIM listing is long at 9600 baud: more than the 10 s default.
    const listing = await ctx.engine.send('AT+CMGL=4', { timeoutMs: 60_000 });
    for (const entry of parseCmgl(listing.lines)) {
      const read: InboundPduRead = {
        imei: ctx.imei,
        iccid: ctx.iccid,
        storage,
        index: entry.index,
        pdu: entry.pdu,
        readAt: ctx.clock.now(),
        source: 'sweep',
      };
      if (await commitThenDelete(ctx, read)) committed++;
    }
  }
  if (committed > 0) ctx.logger.info({ committed }, 'sweep committed stored SMS');
  return { committed, use: firstUse };
}

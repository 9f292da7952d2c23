/**
 * The driver's side of outgoing messages kept in modem storage: the context sends run in, and
 * the work items that settle, after a crash, what the previous run left there (list, read, send
 * from a slot, delete a slot that still holds what we expect). Each is one work item, so no
 * other command comes between a read and the delete that depends on it.
 */
import type { AtEngine } from '../at/index.js';
import { SimpoolError, type Clock, type Logger } from '../shared/index.js';
import type { SendJournal, SendOutcome, StoredSlot, StoredSubmit } from './contract.js';
import type { StorageTracker } from './inbound.js';
import type { SendContext } from './send.js';
import {
  StoreCapability,
  deleteIfStill,
  listStoredSubmits,
  readSlot,
  sendFromSlot,
  type StoredSendContext,
} from './send-stored.js';
import { WorkPriority } from './work-queue.js';

export interface StoredSubmitsHost {
  readonly storage: StorageTracker | null;
  readonly clock: Clock;
  readonly logger: Logger;
  runItem<T>(priority: number, task: (engine: AtEngine) => Promise<T>): Promise<T>;
}

export class StoredSubmits {
  /** Whether this modem takes AT+CMGW; kept across reconnects (firmware does not change). */
  readonly capability = new StoreCapability();

  constructor(private readonly host: StoredSubmitsHost) {}

  sendContext(engine: AtEngine): SendContext {
    const tracker = this.host.storage;
    return {
      engine,
      clock: this.host.clock,
      logger: this.host.logger,
      capability: this.capability,
      storage: tracker
        ? { storage: tracker.preferred, selectStorage: (s) => this.select(engine, tracker, s) }
        : null,
    };
  }

  /** Every STO UNSENT / STO SENT message in mem2. Throws when the modem cannot say. */
  list(): Promise<StoredSubmit[]> {
    return this.run(WorkPriority.sweep, (ctx) => listStoredSubmits(ctx));
  }

  /** The status and PDU at `slot`, null when empty. */
  read(slot: StoredSlot): Promise<{ readonly stat: number | null; readonly pdu: string } | null> {
    return this.run(WorkPriority.sweep, (ctx) => readSlot(ctx, slot));
  }

  /** `AT+CMSS` of a slot known to hold our STO UNSENT part; always resolves with an outcome. */
  sendFrom(slot: StoredSlot, journal: SendJournal): Promise<SendOutcome> {
    return this.run(WorkPriority.send, (ctx) => sendFromSlot(ctx, slot, journal));
  }

  /** Deletes `slot` if it still holds `pdu` as an outgoing message; false otherwise. */
  deleteIfStill(slot: StoredSlot, pdu: string, journal: SendJournal): Promise<boolean> {
    return this.run(WorkPriority.sweep, (ctx) => deleteIfStill(ctx, slot, pdu, journal));
  }

  private run<T>(priority: number, task: (ctx: StoredSendContext) => Promise<T>): Promise<T> {
    return this.host.runItem(priority, (engine) => {
      const storage = this.sendContext(engine).storage;
      if (!storage) {
        throw new SimpoolError('modem_offline', 'the modem has no SMS storage set up');
      }
      return task({ ...storage, engine, clock: this.host.clock, logger: this.host.logger });
    });
  }

  private async select(engine: AtEngine, tracker: StorageTracker, storage: string): Promise<void> {
    if (tracker.mem1 === storage) return;
    await engine.send(`AT+CPMS="${storage}"`);
    tracker.mem1 = storage;
  }
}

import type { PostgresDatabase } from './database.js';
import { notify } from './listener.js';

/**
 * Numbering PostgreSQL's outbox (migration 13): an event is inserted with `seq` NULL, and only
 * the sequencer below gives it a number, once its transaction has committed.
 *
 * Why a reader at `seq > cursor` then never skips an event:
 *
 * 1. Only committed events are numbered: a pass reads `seq IS NULL` rows in a READ COMMITTED
 *    snapshot, which holds committed rows only.
 * 2. One pass at a time, on every host: each pass holds the transaction-level advisory lock
 *    EVENT_SEQUENCER_LOCK_KEY, and takes the snapshot of its numbering statement only after it
 *    got the lock. PostgreSQL releases a transaction's locks after its commit is visible, so that
 *    snapshot sees every number handed out before.
 * 3. A pass numbers after the current maximum, consecutively, and commits its numbers at once.
 *    So passes hand out increasing ranges in the order they commit, and any snapshot sees a
 *    prefix of the numbers: a reader that saw `n` has seen (or skipped by filter) all below `n`.
 * 4. An event that commits after a pass's snapshot is left for a later pass, which starts after
 *    that one committed and therefore numbers above everything a reader can have seen.
 *
 * Events are numbered in (txid, rowid) order: one transaction's events stay together and in the
 * order they were appended. Batches are bounded so the lock is held briefly; a pass goes on until
 * a batch comes back short.
 *
 * Who runs passes: every host that listens hears EVENTS_APPENDED_CHANNEL at each commit that
 * appended (PostgresOutboxWriter.append notifies inside the caller's transaction) and runs one;
 * readers run one before reading when they find committed, unnumbered events (a CLI appends with
 * nobody listening, a host's LISTEN connection was down). A pass that numbered events notifies
 * EVENTS_NUMBERED_CHANNEL, which wakes push readers on every host.
 */
export const EVENTS_APPENDED_CHANNEL = 'simpool_events';
export const EVENTS_NUMBERED_CHANNEL = 'simpool_events_numbered';

/** Arbitrary and fixed for ever, like MIGRATION_LOCK_KEY (advisory locks are per database). */
export const EVENT_SEQUENCER_LOCK_KEY = 7_369_001_002;

export const DEFAULT_SEQUENCER_BATCH = 500;

/** Takes the lock only when there is something to number (in this statement's snapshot). */
const LOCK_IF_PENDING = `
SELECT pg_advisory_xact_lock($1) FROM (SELECT 1) AS one
WHERE EXISTS (SELECT 1 FROM events WHERE seq IS NULL)`;

/** Run after the lock is held: a new statement, hence a snapshot that sees earlier passes. */
const NUMBER_BATCH = `
WITH newest AS (
  SELECT COALESCE(MAX(seq), 0) AS seq FROM events
), batch AS (
  SELECT rowid, row_number() OVER (ORDER BY txid, rowid) AS n
  FROM (SELECT rowid, txid FROM events WHERE seq IS NULL ORDER BY txid, rowid LIMIT $1) AS oldest
), numbered AS (
  UPDATE events SET seq = newest.seq + batch.n
  FROM newest, batch
  WHERE events.rowid = batch.rowid
  RETURNING events.seq
)
SELECT COUNT(*)::int AS count FROM numbered`;

/**
 * Runs numbering passes for one process: at most one in flight, and at most one more queued
 * behind it for everyone who asked meanwhile (the pass in flight may have taken its snapshot
 * before what they know was committed).
 */
export class EventSequencer {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(
    private readonly db: PostgresDatabase,
    private readonly batchSize: number = DEFAULT_SEQUENCER_BATCH,
  ) {}

  /**
   * Resolves once every event committed before the call is numbered (by this process or
   * another host). Rejects when the database does.
   */
  run(): Promise<void> {
    if (this.queued) return this.queued;
    const running = this.running;
    if (!running) return this.start();
    const queued = running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.start();
      });
    this.queued = queued;
    return queued;
  }

  /** Resolves when no pass is in flight or queued (for close). Never rejects. */
  async settled(): Promise<void> {
    while (this.running || this.queued) {
      await (this.queued ?? this.running)?.catch(() => undefined);
    }
  }

  private start(): Promise<void> {
    const pass: Promise<void> = this.numberAll().finally(() => {
      if (this.running === pass) this.running = undefined;
    });
    this.running = pass;
    return pass;
  }

  private async numberAll(): Promise<void> {
    while ((await this.numberBatch()) >= this.batchSize) {
      // A full batch: there may be more.
    }
  }

  /** One short transaction: how many events it numbered. */
  private numberBatch(): Promise<number> {
    return this.db.transaction(async (client) => {
      const locked = await client.query(LOCK_IF_PENDING, [EVENT_SEQUENCER_LOCK_KEY]);
      if (locked.rowCount === 0) return 0;
      const result = await client.query<{ count: number }>(NUMBER_BATCH, [this.batchSize]);
      const count = result.rows[0]?.count ?? 0;
      if (count > 0) await notify(client, EVENTS_NUMBERED_CHANNEL);
      return count;
    });
  }
}

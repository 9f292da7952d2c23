import type pg from 'pg';
import type { PostgresDatabase } from './database.js';
import { EVENT_SEQUENCER_LOCK_KEY } from './advisory-locks.js';

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
 * Events are numbered in (txid, rowid) order: one transaction's events in the order they were
 * appended, and together unless a batch boundary falls between them. Batches are bounded so the
 * lock is held briefly; a pass goes on until a batch comes back short.
 *
 * Who runs passes: the process that appended, right after its transaction committed
 * (PostgresOutboxWriter.append registers it with onCommit); readers before reading when they
 * find committed, unnumbered events; and every listening host now and then, for events whose
 * writer died between commit and pass. A pass that numbered events notifies
 * EVENTS_NUMBERED_CHANNEL, which wakes push readers on every host.
 */
export const EVENTS_NUMBERED_CHANNEL = 'simpool_events_numbered';

export const DEFAULT_SEQUENCER_BATCH = 500;

/**
 * One batch, in ONE round trip: two statements sent together (the simple query protocol, no
 * parameters, so the values are written in) run as one implicit transaction. The first waits for
 * the lock; the second takes its snapshot only then, so it sees every number given before. The
 * lock is held for the server's work only, never across a client round trip, and released at the
 * implicit COMMIT, which also delivers the notification (sent only when something was numbered).
 */
function batchSql(batchSize: number): string {
  return `SELECT pg_advisory_xact_lock(${EVENT_SEQUENCER_LOCK_KEY});
WITH newest AS (
  SELECT COALESCE(MAX(seq), 0) AS seq FROM events
), batch AS (
  SELECT rowid, row_number() OVER (ORDER BY txid, rowid) AS n
  FROM (SELECT rowid, txid FROM events WHERE seq IS NULL ORDER BY txid, rowid LIMIT ${batchSize}) AS oldest
), numbered AS (
  UPDATE events SET seq = newest.seq + batch.n
  FROM newest, batch
  WHERE events.rowid = batch.rowid
  RETURNING events.seq
), counted AS (
  SELECT COUNT(*)::int AS count FROM numbered
)
SELECT count, CASE WHEN count > 0 THEN pg_notify('${EVENTS_NUMBERED_CHANNEL}', '') END AS woken
FROM counted`;
}

/**
 * Runs numbering passes for one process: at most one in flight, and at most one more queued
 * behind it for everyone who asked meanwhile (the pass in flight may have taken its snapshot
 * before what they know was committed).
 */
export class EventSequencer {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly sql: string;

  constructor(
    private readonly db: PostgresDatabase,
    batchSize: number = DEFAULT_SEQUENCER_BATCH,
  ) {
    this.batchSize = Math.max(1, Math.trunc(batchSize));
    this.sql = batchSql(this.batchSize);
  }

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
  private async numberBatch(): Promise<number> {
    // Two statements answer with one result each (typed as one by node-postgres).
    const results = (await this.db.query(this.sql)) as unknown as pg.QueryResult[];
    const counted = results.at(-1)?.rows[0] as { count?: number } | undefined;
    return counted?.count ?? 0;
  }
}

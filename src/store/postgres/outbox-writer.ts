/**
 * The event outbox on PostgreSQL (EventPort), shared by every host: events are appended inside
 * the caller's transaction, numbered once committed (event-sequencer.ts says why readers at
 * `seq > cursor` then never skip one), and push readers on every host are woken through
 * LISTEN/NOTIFY.
 */
import { SimpoolError, systemClock, type Clock, type TimerHandle } from '../../shared/index.js';
import type { DomainEvent, EventPort } from '../../domain/index.js';
import { eventFromRow, newEventValues, type EventRow, type NewEvent } from '../common/events.js';
import type { PostgresDatabase } from './database.js';
import {
  DEFAULT_SEQUENCER_BATCH,
  EVENTS_NUMBERED_CHANNEL,
  EventSequencer,
} from './event-sequencer.js';
import { PostgresListener, type PostgresListenerOptions } from './listener.js';
import { onCommit, sendWithCommit, sqlLiteral, type PostgresClient } from './transaction.js';

export interface PostgresOutboxOptions {
  /**
   * The process's shared LISTEN connection. Without one, the writer starts its own at the first
   * subscribe (or startListening) and closes it in close(). Appending never needs one.
   */
  readonly listener?: PostgresListener;
  /** Settings of the writer's own listener (when `listener` is not given). */
  readonly listenerOptions?: PostgresListenerOptions;
  /** Failures of work nobody awaits: numbering on a notification, the own listener's errors. */
  readonly onError?: (error: Error) => void;
  /** Most events numbered per sequencer transaction. Default 500. */
  readonly batchSize?: number;
  /** Times the catch-up sweep while listening. */
  readonly clock?: Clock;
  /** How often a listening writer looks for events left unnumbered. Default 1 000 ms. */
  readonly sweepMs?: number;
}

/** A stored row, `seq` NULL while not yet numbered. */
type StoredEventRow = Omit<EventRow, 'seq'> & { readonly seq: number | null };

const EVENT_COLUMNS = 'seq, id, type, customer_id, order_id, data, created_at';
/** Whether committed events wait for a number (in the statement's snapshot). */
const UNNUMBERED = 'EXISTS (SELECT 1 FROM events WHERE seq IS NULL)';

const APPEND = 'INSERT INTO events (id, type, customer_id, order_id, data, created_at) VALUES';

/**
 * Numbered events after `$1` (at most `$2`), and in the same snapshot whether committed events
 * wait for a number: one row with NULL columns when there are no events to return.
 */
function sinceQuery(customerFilter: string): string {
  return `
SELECT pending.unnumbered, e.*
FROM (SELECT ${UNNUMBERED} AS unnumbered) AS pending
LEFT JOIN LATERAL (
  SELECT ${EVENT_COLUMNS} FROM events WHERE ${customerFilter} seq > $1 ORDER BY seq LIMIT $2
) AS e ON true
ORDER BY e.seq`;
}
const SINCE = sinceQuery('');
const SINCE_FOR_CUSTOMER = sinceQuery('customer_id = $3 AND');
const LATEST = `SELECT ${UNNUMBERED} AS unnumbered, (SELECT MAX(seq) FROM events) AS seq`;
const BY_ID = `SELECT ${EVENT_COLUMNS} FROM events WHERE id = $1`;

/**
 * EventPort on PostgreSQL.
 *
 * Reads return numbered events only, and first number (EventSequencer) whatever they find
 * committed but unnumbered: everything committed before a read is in it, as on SQLite.
 *
 * Listening is lazy: the first `subscribe` (or `startListening`) LISTENs on both channels (on
 * the given listener, or on one the writer starts). From then on this process runs a numbering
 * pass whenever any host commits events, and calls its subscribers (once per burst, on a
 * microtask) whenever any host numbered some; after the LISTEN connection comes back, it numbers
 * what was missed and calls them too, so they re-read. It keeps listening while it has no
 * subscribers, until close().
 */
export class PostgresOutboxWriter implements EventPort {
  private readonly sequencer: EventSequencer;
  private readonly subscribers = new Set<() => void>();
  private readonly unlistens: (() => Promise<void>)[] = [];
  private listening: Promise<void> | undefined;
  private ownListener: PostgresListener | undefined;
  private wakeQueued = false;
  private sweep: TimerHandle | undefined;
  private closed = false;

  constructor(
    private readonly db: PostgresDatabase,
    private readonly options: PostgresOutboxOptions = {},
  ) {
    this.sequencer = new EventSequencer(db, options.batchSize ?? DEFAULT_SEQUENCER_BATCH);
  }

  /**
   * Inserts the event, unnumbered, inside the caller's transaction: sent with its COMMIT, in the
   * same round trip (nothing in a transaction reads the events it appends), so the events of
   * a command cost no round trip of their own. Once that transaction commits, this process
   * numbers it (a pass that notifies every listening host); nothing on rollback. The numbering
   * runs after the commit, not inside it: a transaction that notifies commits one at a time
   * with every other one that does.
   */
  append(client: PostgresClient, event: NewEvent): Promise<void> {
    sendWithCommit(client, `${APPEND} (${newEventValues(event).map(sqlLiteral).join(', ')})`);
    onCommit(client, () => this.numberInBackground());
    return Promise.resolve();
  }

  async eventsSince(
    seq: number,
    limit: number,
    filter: { readonly customerId?: string } = {},
  ): Promise<DomainEvent[]> {
    const [sql, params] =
      filter.customerId === undefined
        ? [SINCE, [seq, limit]]
        : [SINCE_FOR_CUSTOMER, [seq, limit, filter.customerId]];
    type Row = StoredEventRow & { readonly unnumbered: boolean };
    let result = await this.db.query<Row>(sql, params);
    if (result.rows[0]?.unnumbered) {
      await this.sequencer.run();
      result = await this.db.query<Row>(sql, params);
    }
    return result.rows.filter(isNumbered).map(eventFromRow);
  }

  /** The newest numbered seq (0 when none), after numbering what was committed. */
  async latestSeq(): Promise<number> {
    type Row = { readonly unnumbered: boolean; readonly seq: number | null };
    let row = (await this.db.query<Row>(LATEST)).rows[0];
    if (row?.unnumbered) {
      await this.sequencer.run();
      row = (await this.db.query<Row>(LATEST)).rows[0];
    }
    return row?.seq ?? 0;
  }

  /**
   * The event with this id, or null (also while its transaction has not committed). A committed
   * event not yet numbered is numbered first: a resume position always has its seq.
   */
  async findEvent(id: string): Promise<DomainEvent | null> {
    let row = (await this.db.query<StoredEventRow>(BY_ID, [id])).rows[0];
    if (row && !isNumbered(row)) {
      await this.sequencer.run();
      row = (await this.db.query<StoredEventRow>(BY_ID, [id])).rows[0];
    }
    if (!row) return null;
    if (!isNumbered(row)) {
      throw new SimpoolError('internal_error', `event ${id} is committed but was not numbered`);
    }
    return eventFromRow(row);
  }

  /**
   * Calls `listener` (never throwing into anyone) when events were numbered on any host, and
   * after the LISTEN connection came back. Starts listening if not yet done.
   */
  subscribe(listener: () => void): () => void {
    this.subscribers.add(listener);
    this.startListening().catch((error: unknown) => this.report(error));
    return () => this.subscribers.delete(listener);
  }

  /**
   * LISTENs on both channels (once; later calls share the first), then numbers and wakes
   * subscribers for what was committed before. Resolves when that is done: from then on, every
   * commit that appends reaches the subscribers. When the database is unreachable it resolves
   * too, and the listener catches up once connected.
   */
  startListening(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.listening ??= this.listenOnChannels();
    return this.listening;
  }

  /**
   * Numbers the committed, unnumbered events (for readers of `events` by SQL, e.g. the webhook
   * fan-out); resolves once everything committed before the call is numbered.
   */
  numberCommittedEvents(): Promise<void> {
    return this.sequencer.run();
  }

  /**
   * Stops listening (closing its own listener, not a given one) and waits for numbering in
   * flight. Reads and appends still work afterwards; subscribers are no longer called.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscribers.clear();
    if (this.sweep !== undefined) (this.options.clock ?? systemClock).clearTimeout(this.sweep);
    await this.listening?.catch(() => undefined);
    for (const unlisten of this.unlistens.splice(0)) await unlisten().catch(() => undefined);
    await this.ownListener?.close();
    await this.sequencer.settled();
  }

  private async listenOnChannels(): Promise<void> {
    let listener = this.options.listener;
    if (!listener) {
      listener = await PostgresListener.start(this.db, {
        ...this.options.listenerOptions,
        onError: (error) => this.report(error),
      });
      this.ownListener = listener;
    }
    if (this.closed) return;
    this.unlistens.push(
      await listener.listen(EVENTS_NUMBERED_CHANNEL, {
        onNotification: () => this.wake(),
        onReconnect: () => this.catchUp(),
      }),
    );
    await this.catchUp();
    this.scheduleSweep();
  }

  /**
   * Events whose writer died between its commit and its numbering pass stay unnumbered until
   * someone reads or appends: a listening host looks for them now and then (an index-only
   * EXISTS on the partial index of unnumbered events when there are none).
   */
  private scheduleSweep(): void {
    if (this.closed) return;
    const clock = this.options.clock ?? systemClock;
    this.sweep = clock.setTimeout(() => {
      this.sequencer
        .run()
        .catch((error: unknown) => this.report(error))
        .finally(() => this.scheduleSweep());
    }, this.options.sweepMs ?? 1_000);
  }

  /** Numbers what may have been committed unheard, then wakes subscribers to re-read. */
  private async catchUp(): Promise<void> {
    try {
      await this.sequencer.run();
    } catch (error) {
      this.report(error);
    }
    this.callSubscribers();
  }

  private numberInBackground(): void {
    this.sequencer.run().catch((error: unknown) => this.report(error));
  }

  /** Calls the subscribers once for all notifications that arrived in this turn. */
  private wake(): void {
    if (this.wakeQueued) return;
    this.wakeQueued = true;
    queueMicrotask(() => {
      this.wakeQueued = false;
      this.callSubscribers();
    });
  }

  private callSubscribers(): void {
    if (this.closed) return;
    for (const subscriber of [...this.subscribers]) {
      try {
        subscriber();
      } catch {
        // A reader's bug must not break the listener that happened to trigger it.
      }
    }
  }

  private report(error: unknown): void {
    if (this.closed) return;
    this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
  }
}

function isNumbered<R extends StoredEventRow>(row: R): row is R & EventRow {
  return row.seq !== null;
}

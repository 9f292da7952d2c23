/**
 * The event outbox (EventPort) on both engines: appends inside a transaction of the engine,
 * reads by seq cursor (with and without a customer filter), lookup by id, the newest seq, and
 * push wake-ups after commits.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPort, EventType } from '../../../src/domain/index.js';
import type { NewEvent } from '../../../src/store/common/events.js';
import { PostgresOutboxWriter } from '../../../src/store/postgres/index.js';
import { OutboxWriter } from '../../../src/store/sqlite/outbox-writer.js';
import { WakeCounter } from '../../helpers/wake-counter.js';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';

interface OutboxUnderTest {
  readonly port: EventPort;
  /** Appends the events in one transaction of the engine, committed. */
  commit(events: readonly NewEvent[]): Promise<void>;
  /** Appends the events in one transaction of the engine, rolled back. */
  rollBack(events: readonly NewEvent[]): Promise<void>;
  /** Resolves once subscribers hear of every later commit. */
  listening(): Promise<void>;
  close(): Promise<void>;
}

class RollBack extends Error {}

function openOutbox(database: EngineDatabase): OutboxUnderTest {
  const handle = database.current();
  if (handle.engine === 'sqlite') {
    const { db } = handle;
    const writer = new OutboxWriter(db);
    const run = (events: readonly NewEvent[], rollBack: boolean): Promise<void> => {
      try {
        db.transaction(() => {
          for (const event of events) writer.append(event);
          if (rollBack) throw new RollBack();
        })();
      } catch (error) {
        if (!(error instanceof RollBack)) throw error;
      }
      return Promise.resolve();
    };
    return {
      port: writer,
      commit: (events) => run(events, false),
      rollBack: (events) => run(events, true),
      listening: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
  }
  const { db } = handle;
  const writer = new PostgresOutboxWriter(db);
  const run = async (events: readonly NewEvent[], rollBack: boolean): Promise<void> => {
    await db
      .transaction(async (client) => {
        for (const event of events) await writer.append(client, event);
        if (rollBack) throw new RollBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RollBack)) throw error;
      });
  };
  return {
    port: writer,
    commit: (events) => run(events, false),
    rollBack: (events) => run(events, true),
    listening: () => writer.startListening(),
    close: () => writer.close(),
  };
}

function event(
  type: EventType,
  customerId: string | null,
  data: Record<string, unknown>,
  now = 1_700_000_000_000,
): NewEvent {
  return { type, customerId, orderId: customerId ? `ord_${customerId}` : null, data, now };
}

for (const engine of ENGINES) {
  describe(`EventPort on ${engine}`, () => {
    let database: EngineDatabase;
    let outbox: OutboxUnderTest;
    beforeEach(async () => {
      database = await openEngineDatabase(engine, 'events');
      outbox = openOutbox(database);
    });
    afterEach(async () => {
      await outbox.close();
      await database.close();
    });

    it('reads committed events back in append order with consecutive seqs, page by page', async () => {
      await outbox.commit([
        event('order.created', 'cus_a', { n: 1 }, 1000),
        event('order.updated', 'cus_a', { n: 2, nested: { ok: true } }, 1001),
      ]);
      await outbox.commit([event('balance.changed', null, { n: 3 }, 1002)]);

      const all = await outbox.port.eventsSince(0, 100);
      expect(all.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(all.map(({ seq: _seq, id: _id, ...rest }) => rest)).toEqual([
        {
          type: 'order.created',
          customerId: 'cus_a',
          orderId: 'ord_cus_a',
          data: { n: 1 },
          createdAt: 1000,
        },
        {
          type: 'order.updated',
          customerId: 'cus_a',
          orderId: 'ord_cus_a',
          data: { n: 2, nested: { ok: true } },
          createdAt: 1001,
        },
        {
          type: 'balance.changed',
          customerId: null,
          orderId: null,
          data: { n: 3 },
          createdAt: 1002,
        },
      ]);
      for (const read of all) expect(read.id).toMatch(/^evt_/);
      expect(new Set(all.map((e) => e.id)).size).toBe(3);

      expect(await outbox.port.eventsSince(0, 2)).toEqual(all.slice(0, 2));
      expect(await outbox.port.eventsSince(2, 2)).toEqual(all.slice(2));
      expect(await outbox.port.eventsSince(3, 2)).toEqual([]);
    });

    it('never shows an event whose transaction rolled back', async () => {
      await outbox.rollBack([event('order.created', 'cus_a', { lost: 1 })]);
      await outbox.commit([event('order.created', 'cus_a', { kept: 1 })]);
      await outbox.rollBack([event('order.cancelled', 'cus_a', { lost: 2 })]);

      const all = await outbox.port.eventsSince(0, 100);
      expect(all.map((e) => e.data)).toEqual([{ kept: 1 }]);
      expect(await outbox.port.latestSeq()).toBe(all[0]!.seq);
    });

    it('filters by customer, paging by the seq of the last event seen', async () => {
      await outbox.commit([
        event('order.created', 'cus_a', { n: 1 }),
        event('order.created', 'cus_b', { n: 2 }),
        event('balance.changed', null, { n: 3 }),
        event('order.updated', 'cus_a', { n: 4 }),
        event('order.updated', 'cus_a', { n: 5 }),
      ]);
      const alice = await outbox.port.eventsSince(0, 100, { customerId: 'cus_a' });
      expect(alice.map((e) => e.data)).toEqual([{ n: 1 }, { n: 4 }, { n: 5 }]);
      expect(alice.every((e) => e.customerId === 'cus_a')).toBe(true);

      const firstPage = await outbox.port.eventsSince(0, 2, { customerId: 'cus_a' });
      const secondPage = await outbox.port.eventsSince(firstPage.at(-1)!.seq, 2, {
        customerId: 'cus_a',
      });
      expect([...firstPage, ...secondPage]).toEqual(alice);
      expect(await outbox.port.eventsSince(0, 10, { customerId: 'cus_nobody' })).toEqual([]);
    });

    it('finds an event by id, and answers null for an unknown one', async () => {
      await outbox.commit([
        event('sms.received', 'cus_a', { text: 'code 1234' }),
        event('order.finished', 'cus_a', {}),
      ]);
      const [first, second] = await outbox.port.eventsSince(0, 10);
      expect(await outbox.port.findEvent(first!.id)).toEqual(first);
      expect(await outbox.port.findEvent(second!.id)).toEqual(second);
      expect(await outbox.port.findEvent('evt_01HZZZZZZZZZZZZZZZZZZZZZZZ')).toBeNull();
    });

    it('reports the newest seq: 0 when empty, then the last committed', async () => {
      expect(await outbox.port.latestSeq()).toBe(0);
      await outbox.commit([
        event('order.created', 'cus_a', {}),
        event('order.updated', 'cus_a', {}),
      ]);
      expect(await outbox.port.latestSeq()).toBe(2);
      await outbox.commit([event('order.finished', 'cus_a', {})]);
      expect(await outbox.port.latestSeq()).toBe(3);
    });

    it('wakes subscribers after a commit, not after a rollback, and no longer once unsubscribed', async () => {
      const stays = new WakeCounter();
      const leaves = new WakeCounter();
      outbox.port.subscribe(stays.wake);
      const unsubscribe = outbox.port.subscribe(leaves.wake);
      await outbox.listening();
      const [staysBefore, leavesBefore] = [stays.count, leaves.count];

      // A rolled-back append, then a committed one: exactly one wake, and it finds the event.
      await outbox.rollBack([event('order.created', 'cus_a', { lost: true })]);
      let seenAtWake: Promise<unknown[]> | undefined;
      outbox.port.subscribe(() => {
        seenAtWake ??= outbox.port.eventsSince(0, 10).then((read) => read.map((e) => e.data));
      });
      await outbox.commit([event('order.created', 'cus_a', { kept: true })]);
      await stays.reached(staysBefore + 1, 'a wake after the commit');
      expect(stays.count).toBe(staysBefore + 1);
      expect(leaves.count).toBe(leavesBefore + 1);
      expect(await seenAtWake).toEqual([{ kept: true }]);

      unsubscribe();
      await outbox.commit([event('order.updated', 'cus_a', {})]);
      await stays.reached(staysBefore + 2, 'a wake after the second commit');
      expect(leaves.count).toBe(leavesBefore + 1);
    });

    it('keeps waking the others when a subscriber throws', async () => {
      const after = new WakeCounter();
      outbox.port.subscribe(() => {
        throw new Error('a reader bug');
      });
      outbox.port.subscribe(after.wake);
      await outbox.listening();
      const before = after.count;
      await outbox.commit([event('order.created', 'cus_a', {})]);
      await after.reached(before + 1, 'the second subscriber woken');
      expect(after.count).toBe(before + 1);
    });
  });
}

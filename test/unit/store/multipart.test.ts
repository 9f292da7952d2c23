import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboundRecord } from '../../../src/pool/index.js';
import type { Store } from '../../../src/store/index.js';
import {
  DAY,
  HOUR,
  MINUTE,
  SIM_A,
  SIM_B,
  StoreFixture,
  T0,
  countRows,
  deliverPdu,
  multipartPdus,
  recordOf,
} from './helpers.js';

const TEXTS = ['The first part, ', 'the second part ', 'and the end.'];

/** Every table an ingest can write to. */
const TABLES = ['inbound_pdus', 'inbound_messages', 'multipart_parts', 'status_reports'];

function counts(store: Store): Record<string, number> {
  return Object.fromEntries(TABLES.map((t) => [t, countRows(store.db, t)]));
}

describe('SqliteInboundRepository: multipart reassembly', () => {
  const fx = new StoreFixture();
  let store: Store;
  beforeEach(() => {
    store = fx.store();
  });
  afterEach(() => fx.close());

  it('assembles parts arriving out of order exactly once, across batches', async () => {
    const [p1, p2, p3] = multipartPdus(TEXTS, { refBits: 16, ref: 0xbeef });
    expect(await store.inbound.ingest([recordOf(p3!, { receivedAt: T0 })])).toEqual([
      { kind: 'part', received: 1, total: 3 },
    ]);
    expect(await store.inbound.ingest([recordOf(p1!, { receivedAt: T0 + MINUTE })])).toEqual([
      { kind: 'part', received: 2, total: 3 },
    ]);
    const [done] = await store.inbound.ingest([recordOf(p2!, { receivedAt: T0 + 2 * MINUTE })]);
    expect(done).toMatchObject({
      kind: 'message',
      message: { text: TEXTS.join(''), complete: true, partCount: 3, receivedAt: T0 + 2 * MINUTE },
    });
    expect(counts(store)).toMatchObject({ inbound_messages: 1, multipart_parts: 0 });
    // Every raw PDU points at the message it became part of.
    const linked = store.db
      .prepare('SELECT COUNT(*) AS n FROM inbound_pdus WHERE message_id = ?')
      .get(done?.kind === 'message' ? done.message.id : -1);
    expect(linked).toEqual({ n: 3 });
    // Reading every part again (a sweep after a crash) changes nothing.
    const again = await store.inbound.ingest([p1!, p2!, p3!].map((p) => recordOf(p)));
    expect(again.map((r) => r.kind)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(counts(store)).toMatchObject({ inbound_messages: 1, multipart_parts: 0 });
  });

  it('assembles a message whose parts (and a repeated part) all come in one batch', async () => {
    const [p1, p2, p3] = multipartPdus(TEXTS, { encoding: 'ucs2' });
    const results = await store.inbound.ingest([p2!, p2!, p3!, p1!].map((p) => recordOf(p)));
    expect(results.map((r) => r.kind)).toEqual(['part', 'duplicate', 'part', 'message']);
    expect((await store.inbound.listMessages({ limit: 10 })).map((m) => m.text)).toEqual([
      TEXTS.join(''),
    ]);
  });

  it('ignores a second copy of a part that differs in its bytes, keeping it raw', async () => {
    const [p1, p2] = multipartPdus(['one ', 'two']);
    const resent = deliverPdu({
      text: 'one ',
      sentAt: T0 - 2 * MINUTE, // another service-centre time stamp: other bytes, same part
      concat: { ref: 42, total: 2, seq: 1, refBits: 8 },
    });
    const results = await store.inbound.ingest([p1!, resent, p2!].map((p) => recordOf(p)));
    expect(results.map((r) => r.kind)).toEqual(['part', 'part', 'message']);
    expect(countRows(store.db, 'inbound_pdus')).toBe(3);
    expect((await store.inbound.listMessages({ limit: 10 })).map((m) => m.text)).toEqual([
      'one two',
    ]);
  });

  it('keeps parts of the same reference apart by SIM and by sender', async () => {
    const fromX = multipartPdus(['x1 ', 'x2'], { from: '+4915100000001' });
    const fromY = multipartPdus(['y1 ', 'y2'], { from: '+4915100000002' });
    const results = await store.inbound.ingest([
      recordOf(fromX[0]!, { iccid: SIM_A }),
      recordOf(fromX[1]!, { iccid: SIM_B }),
      recordOf(fromY[0]!, { iccid: SIM_A }),
      recordOf(fromX[1]!, { iccid: SIM_A }),
    ]);
    expect(results.map((r) => r.kind)).toEqual(['part', 'part', 'part', 'message']);
    const texts = (await store.inbound.listMessages({ limit: 10 })).map((m) => [m.iccid, m.text]);
    expect(texts).toEqual([[SIM_A, 'x1 x2']]);
    expect(countRows(store.db, 'multipart_parts')).toBe(2);
  });

  it('writes nothing of a batch when one record fails midway', async () => {
    const [p1, p2] = multipartPdus(['first ', 'second']);
    // A real SQLite failure inside the batch, after other records were written in it.
    store.db.exec(`CREATE TEMP TRIGGER fail_on_boom BEFORE INSERT ON main.inbound_messages
      WHEN NEW.text = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END`);
    const batch: InboundRecord[] = [
      recordOf(deliverPdu({ text: 'fine' })),
      recordOf(p1!),
      recordOf(p2!),
      recordOf(deliverPdu({ text: 'boom' })),
      recordOf(deliverPdu({ text: 'after' })),
    ];
    await expect(store.inbound.ingest(batch)).rejects.toThrow(/boom refused/);
    expect(counts(store)).toEqual({
      inbound_pdus: 0,
      inbound_messages: 0,
      multipart_parts: 0,
      status_reports: 0,
    });
    // A record that breaks a constraint fails the batch the same way.
    const noIccid = { ...recordOf(deliverPdu({ text: 'x' })), iccid: null as unknown as string };
    await expect(store.inbound.ingest([recordOf(p1!), noIccid])).rejects.toThrow(/NOT NULL/);
    expect(countRows(store.db, 'inbound_pdus')).toBe(0);
    // The retry (as the next sweep would do it) stores everything, once.
    store.db.exec('DROP TRIGGER temp.fail_on_boom');
    const results = await store.inbound.ingest(batch);
    expect(results.map((r) => r.kind)).toEqual([
      'message',
      'part',
      'message',
      'message',
      'message',
    ]);
  });

  it('delivers incomplete multiparts whose first part is older than the cutoff', async () => {
    const old = multipartPdus(['a ', 'b ', 'c'], { ref: 1 });
    const fresh = multipartPdus(['d ', 'e'], { ref: 2 });
    await store.inbound.ingest([recordOf(old[2]!, { receivedAt: T0 })]);
    await store.inbound.ingest([recordOf(old[0]!, { receivedAt: T0 + 20 * HOUR })]);
    await store.inbound.ingest([recordOf(fresh[0]!, { receivedAt: T0 + 2 * HOUR })]);
    const now = T0 + DAY + MINUTE;
    const expired = await store.inbound.expireIncomplete(T0 + HOUR, now);
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({
      iccid: SIM_A,
      text: 'a c',
      complete: false,
      partCount: 3,
      missingParts: [2],
      receivedAt: now,
    });
    const row = store.db
      .prepare('SELECT complete, missing_parts FROM inbound_messages WHERE id = ?')
      .get(expired[0]!.id);
    expect(row).toEqual({ complete: 0, missing_parts: '[2]' });
    // The fresh message still waits; expiring again finds nothing old.
    expect(countRows(store.db, 'multipart_parts')).toBe(1);
    expect(await store.inbound.expireIncomplete(T0 + HOUR, now)).toEqual([]);
    // Its missing part arriving late starts a new wait rather than reopening the message.
    expect((await store.inbound.ingest([recordOf(old[1]!, { receivedAt: now })]))[0]?.kind).toBe(
      'part',
    );
  });
});

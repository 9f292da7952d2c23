import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboundRecord } from '../../../src/pool/index.js';
import { encodeSubmit } from '../../../src/sms/index.js';
import { pduFingerprint } from '../../../src/store/index.js';
import {
  DAY,
  HOUR,
  IMEI_1,
  MINUTE,
  SIM_A,
  SIM_B,
  T0,
  deliverPdu,
  multipartPdus,
  recordOf,
} from '../../unit/store/helpers.js';
import { ENGINES, openEngineDatabase, type EngineDatabase, type EngineName } from './engines.js';
import {
  countRows,
  eventsOfType,
  ingestCounts,
  poolSideStore,
  type PoolSideStore,
} from './pool-side-store.js';

const TEXTS = ['The first part, ', 'the second part ', 'and the end.'];

/** A trigger refusing inbound messages whose text is 'boom': a real failure midway in a batch. */
const FAIL_ON_BOOM: Record<EngineName, { create: string[]; drop: string[] }> = {
  sqlite: {
    create: [
      `CREATE TRIGGER fail_on_boom BEFORE INSERT ON inbound_messages
        WHEN NEW.text = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END`,
    ],
    drop: ['DROP TRIGGER fail_on_boom'],
  },
  postgres: {
    create: [
      `CREATE FUNCTION fail_on_boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.text = 'boom' THEN RAISE EXCEPTION 'boom refused'; END IF; RETURN NEW; END $$`,
      `CREATE TRIGGER fail_on_boom BEFORE INSERT ON inbound_messages
        FOR EACH ROW EXECUTE FUNCTION fail_on_boom()`,
    ],
    drop: ['DROP TRIGGER fail_on_boom ON inbound_messages', 'DROP FUNCTION fail_on_boom'],
  },
};

for (const engine of ENGINES) {
  describe(`InboundRepository on ${engine}`, () => {
    let db: EngineDatabase;
    let store: PoolSideStore;
    beforeEach(async () => {
      db = await openEngineDatabase(engine, 'inbound');
      store = poolSideStore(db.current());
    });
    afterEach(() => db.close());

    describe('raw PDUs and single-part messages', () => {
      it('stores a single-part SMS as a message and its raw PDU linked to it', async () => {
        await db.exec(
          `INSERT INTO sims (iccid, msisdn, status_changed_at, first_seen_at, last_seen_at)
           VALUES (?, '+4915199999999', 0, 0, 0)`,
          [SIM_A],
        );
        const pdu = deliverPdu({ text: 'Hello €uro', sentAt: T0 - 5 * MINUTE });
        const [result] = await store.inbound.ingest([recordOf(pdu, { receivedAt: T0 })]);
        expect(result).toMatchObject({
          kind: 'message',
          message: {
            iccid: SIM_A,
            sender: '+4915112345678',
            text: 'Hello €uro',
            encoding: 'gsm7',
            sentAt: T0 - 5 * MINUTE,
            receivedAt: T0,
            complete: true,
            partCount: 1,
            missingParts: [],
          },
        });
        const id = result?.kind === 'message' ? result.message.id : -1;
        expect(await db.rows('SELECT * FROM inbound_pdus')).toMatchObject([
          { pdu, kind: 'deliver', fingerprint: pduFingerprint(SIM_A, pdu), message_id: id },
        ]);
        // Published in the same transaction, with the SIM's number.
        expect(await eventsOfType(db, 'message.received')).toEqual([
          {
            id: `in_${id}`,
            direction: 'in',
            from: '+4915112345678',
            to: '+4915199999999',
            sim_id: SIM_A,
            body: 'Hello €uro',
            parts: 1,
            complete: true,
            missing_parts: [],
            sent_at: new Date(T0 - 5 * MINUTE).toISOString(),
            received_at: new Date(T0).toISOString(),
          },
        ]);
      });

      it('stores the same PDU from the same SIM once, across batches', async () => {
        const pdu = deliverPdu();
        await store.inbound.ingest([recordOf(pdu, { index: 1 })]);
        // A sweep after a crash between commit and AT+CMGD reads it again (maybe lower-case).
        const again = await store.inbound.ingest([recordOf(pdu.toLowerCase(), { index: 1 })]);
        expect(again).toEqual([{ kind: 'duplicate' }]);
        expect(await countRows(db, 'inbound_pdus')).toBe(1);
        expect(await countRows(db, 'inbound_messages')).toBe(1);
      });

      it('stores the same PDU twice in one batch once', async () => {
        const pdu = deliverPdu();
        const results = await store.inbound.ingest([
          recordOf(pdu, { index: 3 }),
          recordOf(pdu, { index: 3 }),
        ]);
        expect(results.map((r) => r.kind)).toEqual(['message', 'duplicate']);
        expect(await countRows(db, 'inbound_messages')).toBe(1);
      });

      it('keeps the same bytes received on two SIMs as two SMS', async () => {
        const pdu = deliverPdu();
        const results = await store.inbound.ingest([
          recordOf(pdu, { iccid: SIM_A }),
          recordOf(pdu, { iccid: SIM_B }),
        ]);
        expect(results.map((r) => r.kind)).toEqual(['message', 'message']);
      });

      it('keeps a malformed PDU raw and flagged with its error, and only once', async () => {
        const garbage = '07914400000000F0FF00';
        const record = recordOf(garbage);
        expect(record.decoded.type).toBe('malformed');
        expect(await store.inbound.ingest([record, record])).toEqual([
          { kind: 'malformed' },
          { kind: 'duplicate' },
        ]);
        const [row] = await db.rows<{ kind: string; error: string | null; pdu: string }>(
          'SELECT kind, error, pdu FROM inbound_pdus',
        );
        expect(row?.kind).toBe('malformed');
        expect(row?.pdu).toBe(garbage);
        expect(row?.error).toBeTruthy();
        expect(await countRows(db, 'inbound_messages')).toBe(0);
      });

      it('keeps a stored sent message (SMS-SUBMIT) raw only', async () => {
        const [submit] = encodeSubmit({ to: '+4917612345678', text: 'sent earlier' });
        expect(await store.inbound.ingest([recordOf(submit!.pduHex)])).toEqual([
          { kind: 'submit' },
        ]);
        expect(await countRows(db, 'inbound_pdus')).toBe(1);
        expect(await countRows(db, 'inbound_messages')).toBe(0);
      });

      it('writes nothing for an empty batch', async () => {
        expect(await store.inbound.ingest([])).toEqual([]);
        expect(await countRows(db, 'inbound_pdus')).toBe(0);
      });

      it('stores a fractional receive time as whole milliseconds', async () => {
        const [result] = await store.inbound.ingest([
          recordOf(deliverPdu(), { receivedAt: T0 + 0.7 }),
        ]);
        expect(result).toMatchObject({ kind: 'message', message: { receivedAt: T0 } });
      });
    });

    describe('listing', () => {
      it('lists messages newest first and pages back with beforeId', async () => {
        const records = [1, 2, 3, 4, 5].map((n) =>
          recordOf(deliverPdu({ text: `message ${n}` }), { receivedAt: T0 + n }),
        );
        await store.inbound.ingest(records);
        const page1 = await store.inbound.listMessages({ limit: 2 });
        expect(page1.map((m) => m.text)).toEqual(['message 5', 'message 4']);
        const page2 = await store.inbound.listMessages({ limit: 2, beforeId: page1[1]!.id });
        expect(page2.map((m) => m.text)).toEqual(['message 3', 'message 2']);
        const page3 = await store.inbound.listMessages({ limit: 2, beforeId: page2[1]!.id });
        expect(page3.map((m) => m.text)).toEqual(['message 1']);
      });

      it('lists the messages received since a time, oldest first, among the newest', async () => {
        const records = [1, 2, 3, 4].map((n) =>
          recordOf(deliverPdu({ text: `message ${n}` }), { receivedAt: T0 + n * MINUTE }),
        );
        await store.inbound.ingest(records);
        const since = await store.inbound.listReceivedSince(T0 + 2 * MINUTE, 100);
        expect(since.map((m) => m.text)).toEqual(['message 2', 'message 3', 'message 4']);
        const newest = await store.inbound.listReceivedSince(T0, 2);
        expect(newest.map((m) => m.text)).toEqual(['message 3', 'message 4']);
        expect(await store.inbound.listReceivedSince(T0 + HOUR, 100)).toEqual([]);
      });

      it('lists every raw PDU newest first, malformed ones flagged with their error', async () => {
        const good = deliverPdu({ text: 'fine' });
        const truncated = good.slice(0, 30);
        const results = await store.inbound.ingest([
          recordOf(good, { index: 1, receivedAt: T0 }),
          recordOf(truncated, { index: 2, receivedAt: T0 + 1, iccid: SIM_B }),
          recordOf('0004', { index: 3, receivedAt: T0 + 2 }),
        ]);
        expect(results.map((r) => r.kind)).toEqual(['message', 'malformed', 'malformed']);
        const messageId = results[0]?.kind === 'message' ? results[0].message.id : -1;

        const all = await store.inbound.listRaw({ limit: 10 });
        expect(all.map((r) => r.pdu)).toEqual(['0004', truncated, good]);
        expect(all[2]).toEqual({
          id: expect.any(Number) as number,
          iccid: SIM_A,
          imei: IMEI_1,
          storage: 'SM',
          index: 1,
          pdu: good,
          kind: 'deliver',
          error: null,
          messageId,
          receivedAt: T0,
        });

        const malformed = await store.inbound.listRaw({ kind: 'malformed', limit: 10 });
        expect(malformed.map((r) => [r.pdu, r.iccid, r.index])).toEqual([
          ['0004', SIM_A, 3],
          [truncated, SIM_B, 2],
        ]);
        for (const row of malformed) {
          expect(row.error).toMatch(/\S/);
          expect(row.messageId).toBeNull();
        }
        expect(await store.inbound.listRaw({ kind: 'malformed', limit: 1 })).toHaveLength(1);
        expect(await store.inbound.listRaw({ kind: 'status-report', limit: 10 })).toEqual([]);
        expect(await store.inbound.listRaw({ limit: 0 })).toEqual([]);
      });
    });

    describe('multipart reassembly', () => {
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
          message: {
            text: TEXTS.join(''),
            complete: true,
            partCount: 3,
            receivedAt: T0 + 2 * MINUTE,
          },
        });
        expect(await ingestCounts(db)).toMatchObject({ inbound_messages: 1, multipart_parts: 0 });
        // Every raw PDU points at the message it became part of.
        const id = done?.kind === 'message' ? done.message.id : -1;
        const [linked] = await db.rows<{ n: number }>(
          'SELECT COUNT(*) AS n FROM inbound_pdus WHERE message_id = ?',
          [id],
        );
        expect(Number(linked?.n)).toBe(3);
        // Reading every part again (a sweep after a crash) changes nothing.
        const again = await store.inbound.ingest([p1!, p2!, p3!].map((p) => recordOf(p)));
        expect(again.map((r) => r.kind)).toEqual(['duplicate', 'duplicate', 'duplicate']);
        expect(await ingestCounts(db)).toMatchObject({ inbound_messages: 1, multipart_parts: 0 });
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
        expect(await countRows(db, 'inbound_pdus')).toBe(3);
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
        const texts = (await store.inbound.listMessages({ limit: 10 })).map((m) => [
          m.iccid,
          m.text,
        ]);
        expect(texts).toEqual([[SIM_A, 'x1 x2']]);
        expect(await countRows(db, 'multipart_parts')).toBe(2);
      });

      it('writes nothing of a batch when one record fails midway', async () => {
        const [p1, p2] = multipartPdus(['first ', 'second']);
        // A real failure of the database inside the batch, after other records were written.
        for (const sql of FAIL_ON_BOOM[engine].create) await db.exec(sql);
        const batch: InboundRecord[] = [
          recordOf(deliverPdu({ text: 'fine' })),
          recordOf(p1!),
          recordOf(p2!),
          recordOf(deliverPdu({ text: 'boom' })),
          recordOf(deliverPdu({ text: 'after' })),
        ];
        await expect(store.inbound.ingest(batch)).rejects.toThrow(/boom refused/);
        expect(await ingestCounts(db)).toEqual({
          inbound_pdus: 0,
          inbound_messages: 0,
          multipart_parts: 0,
          status_reports: 0,
        });
        expect(await countRows(db, 'events')).toBe(0);
        // A record that breaks a constraint fails the batch the same way.
        const noIccid = {
          ...recordOf(deliverPdu({ text: 'x' })),
          iccid: null as unknown as string,
        };
        await expect(store.inbound.ingest([recordOf(p1!), noIccid])).rejects.toThrow(
          /NOT NULL|not-null/,
        );
        expect(await countRows(db, 'inbound_pdus')).toBe(0);
        // The retry (as the next sweep would do it) stores everything, once.
        for (const sql of FAIL_ON_BOOM[engine].drop) await db.exec(sql);
        const results = await store.inbound.ingest(batch);
        expect(results.map((r) => r.kind)).toEqual([
          'message',
          'part',
          'message',
          'message',
          'message',
        ]);
        expect(await countRows(db, 'events')).toBe(4);
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
        const [row] = await db.rows('SELECT complete, missing_parts FROM inbound_messages');
        expect(row).toEqual({ complete: 0, missing_parts: '[2]' });
        expect(await eventsOfType(db, 'message.received')).toMatchObject([
          { body: 'a c', complete: false, missing_parts: [2] },
        ]);
        // The fresh message still waits; expiring again finds nothing old.
        expect(await countRows(db, 'multipart_parts')).toBe(1);
        expect(await store.inbound.expireIncomplete(T0 + HOUR, now)).toEqual([]);
        // Its missing part arriving late starts a new wait rather than reopening the message.
        const late = await store.inbound.ingest([recordOf(old[1]!, { receivedAt: now })]);
        expect(late[0]?.kind).toBe('part');
      });
    });
  });
}

/**
 * InboundRepository.ingest of status reports, on both engines: matched to the outbound part
 * they report on (seeded with SQL as the outbound repository leaves a sent part), applied to
 * it and its message, and published.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DAY,
  HOUR,
  MINUTE,
  SIM_A,
  SIM_B,
  T0,
  recordOf,
  statusReportPdu,
} from '../../unit/store/helpers.js';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';
import {
  countRows,
  eventsOfType,
  outboundState,
  poolSideStore,
  seedSentMessage,
  type PoolSideStore,
} from './pool-side-store.js';

const TO = '+4917612345678';

for (const engine of ENGINES) {
  describe(`InboundRepository status reports on ${engine}`, () => {
    let db: EngineDatabase;
    let store: PoolSideStore;
    beforeEach(async () => {
      db = await openEngineDatabase(engine, 'reports');
      store = poolSideStore(db.current());
    });
    afterEach(() => db.close());

    async function report(
      iccid: string,
      mr: number,
      at: number,
      options: { status?: number; recipient?: string; dischargedAt?: number } = {},
    ) {
      const pdu = statusReportPdu({ mr, dischargedAt: options.dischargedAt ?? at, ...options });
      const [result] = await store.inbound.ingest([recordOf(pdu, { iccid, receivedAt: at })]);
      return result;
    }

    it('marks a sent single-part message delivered, at the discharge time, and publishes it', async () => {
      await db.exec(
        `INSERT INTO sims (iccid, msisdn, status_changed_at, first_seen_at, last_seen_at)
         VALUES (?, '+4915199999999', 0, 0, 0)`,
        [SIM_A],
      );
      await seedSentMessage(db, 'm', SIM_A, [5], T0);
      expect(await report(SIM_A, 5, T0 + MINUTE, { dischargedAt: T0 + 30_000 })).toEqual({
        kind: 'status_report',
        matched: { messageId: 'm', sequence: 1 },
        delivered: true,
      });
      expect(await outboundState(db, 'm')).toMatchObject({
        status: 'delivered',
        delivered_at: T0 + 30_000,
      });
      expect(await db.rows('SELECT message_id, part_sequence FROM status_reports')).toEqual([
        { message_id: 'm', part_sequence: 1 },
      ]);
      expect(
        await db.rows(
          'SELECT sequence, status, detail FROM outbound_history WHERE status <> ? ORDER BY id',
          ['sending'],
        ),
      ).toEqual([
        { sequence: 1, status: 'delivered', detail: expect.stringMatching(/TP-ST 0\)$/) as string },
        { sequence: null, status: 'delivered', detail: null },
      ]);
      expect(await eventsOfType(db, 'message.delivered')).toEqual([
        {
          id: 'm',
          direction: 'out',
          status: 'delivered',
          from: '+4915199999999',
          to: TO,
          sim_id: SIM_A,
          parts: 1,
          attempts: 1,
          created_at: new Date(T0).toISOString(),
          sent_at: new Date(T0).toISOString(),
          delivered_at: new Date(T0 + 30_000).toISOString(),
        },
      ]);
    });

    it('matches on the SIM that received the report, not the newest part anywhere', async () => {
      await seedSentMessage(db, 'on-a', SIM_A, [5], T0);
      await seedSentMessage(db, 'on-b', SIM_B, [5], T0 + MINUTE);
      expect(await report(SIM_A, 5, T0 + 2 * MINUTE)).toMatchObject({
        matched: { messageId: 'on-a', sequence: 1 },
      });
      expect((await outboundState(db, 'on-a')).status).toBe('delivered');
      expect((await outboundState(db, 'on-b')).status).toBe('sent');
    });

    it('after the reference wrapped, matches the newest part with it within the window', async () => {
      await seedSentMessage(db, 'old', SIM_A, [200], T0);
      await seedSentMessage(db, 'new', SIM_A, [200], T0 + 3 * HOUR);
      expect(await report(SIM_A, 200, T0 + 3 * HOUR + MINUTE)).toMatchObject({
        matched: { messageId: 'new', sequence: 1 },
      });
      expect((await outboundState(db, 'old')).status).toBe('sent');
    });

    it('between parts sent at the same time, matches the one sent last', async () => {
      await seedSentMessage(db, 'first', SIM_A, [33], T0);
      await seedSentMessage(db, 'second', SIM_A, [33], T0);
      expect(await report(SIM_A, 33, T0 + MINUTE)).toMatchObject({
        matched: { messageId: 'second' },
      });
    });

    it('prefers the part whose recipient matches the report among same-reference parts', async () => {
      await seedSentMessage(db, 'to-first', SIM_A, [9], T0, '+4917600000001');
      await seedSentMessage(db, 'to-second', SIM_A, [9], T0 + MINUTE, '+4917600000002');
      // The report names the recipient in national form: the tail of the number decides.
      const result = await report(SIM_A, 9, T0 + 2 * MINUTE, { recipient: '017600000001' });
      expect(result).toMatchObject({ matched: { messageId: 'to-first' } });
    });

    it('gives a second report with a reference to the part still waiting, not the one reported', async () => {
      await seedSentMessage(db, 'older', SIM_A, [42], T0);
      await seedSentMessage(db, 'newer', SIM_A, [42], T0 + HOUR);
      expect(await report(SIM_A, 42, T0 + HOUR + MINUTE)).toMatchObject({
        matched: { messageId: 'newer' },
      });
      expect(
        await report(SIM_A, 42, T0 + HOUR + 2 * MINUTE, { dischargedAt: T0 + HOUR }),
      ).toMatchObject({ matched: { messageId: 'older' } });
      expect((await outboundState(db, 'older')).status).toBe('delivered');
    });

    it('leaves a report for a recipient no candidate has unmatched when it could be either', async () => {
      await seedSentMessage(db, 'to-first', SIM_A, [9], T0, '+4917600000001');
      await seedSentMessage(db, 'to-second', SIM_A, [9], T0 + MINUTE, '+4917600000002');
      const result = await report(SIM_A, 9, T0 + 2 * MINUTE, { recipient: '+4917699999999' });
      expect(result).toMatchObject({ matched: null });
      expect((await outboundState(db, 'to-second')).status).toBe('sent');
    });

    it('leaves a report unmatched (but stored) when the part is older than the window', async () => {
      await seedSentMessage(db, 'ancient', SIM_A, [77], T0);
      expect(await report(SIM_A, 77, T0 + 8 * DAY)).toEqual({
        kind: 'status_report',
        matched: null,
        delivered: true,
      });
      expect((await outboundState(db, 'ancient')).status).toBe('sent');
      expect(await countRows(db, 'status_reports')).toBe(1);
    });

    it('takes the match window from the options', async () => {
      store = poolSideStore(db.current(), { reportMatchWindowMs: HOUR });
      await seedSentMessage(db, 'two-hours-ago', SIM_A, [78], T0);
      expect(await report(SIM_A, 78, T0 + 2 * HOUR)).toMatchObject({ matched: null });
    });

    it('delivers a multipart only once every part was reported delivered', async () => {
      await seedSentMessage(db, 'long', SIM_A, [10, 11], T0);
      await report(SIM_A, 11, T0 + MINUTE, { dischargedAt: T0 + 50_000 });
      expect(await outboundState(db, 'long')).toMatchObject({
        status: 'sent',
        delivered_at: null,
      });
      expect(await eventsOfType(db, 'message.delivered')).toEqual([]);
      await report(SIM_A, 10, T0 + 2 * MINUTE, { dischargedAt: T0 + 40_000 });
      expect(await outboundState(db, 'long')).toMatchObject({
        status: 'delivered',
        delivered_at: T0 + 50_000,
      });
      expect(await eventsOfType(db, 'message.delivered')).toHaveLength(1);
    });

    it('keeps a final outcome when a late "still trying" report arrives', async () => {
      await seedSentMessage(db, 'm', SIM_A, [1], T0);
      const pending = await report(SIM_A, 1, T0 + MINUTE, { status: 0x21 });
      expect(pending).toMatchObject({ delivered: false, matched: { messageId: 'm' } });
      expect((await outboundState(db, 'm')).status).toBe('sent');
      await report(SIM_A, 1, T0 + 2 * MINUTE, { status: 0x00 });
      await report(SIM_A, 1, T0 + 3 * MINUTE, { status: 0x22 });
      expect(await db.rows('SELECT delivery_status FROM outbound_parts')).toEqual([
        { delivery_status: 'delivered' },
      ]);
      expect((await outboundState(db, 'm')).status).toBe('delivered');
    });

    it('fails a message the service centre could not deliver, and its parts not yet sent', async () => {
      await seedSentMessage(db, 'm', SIM_A, [4], T0);
      await db.exec(
        `INSERT INTO outbound_parts (message_id, sequence, pdu, tpdu_length, status, attempts,
           next_attempt_at) VALUES ('m', 2, '00', 1, 'queued', 0, ?)`,
        [T0],
      );
      await db.exec(`UPDATE outbound_messages SET status = 'sending', part_count = 2`);
      expect(await report(SIM_A, 4, T0 + MINUTE, { status: 0x41 })).toMatchObject({
        delivered: false,
      });
      expect(await outboundState(db, 'm')).toMatchObject({
        status: 'failed',
        error_code: 'sms_delivery_failed',
        error_detail: 'incompatible destination',
      });
      expect(
        await db.rows('SELECT sequence, status FROM outbound_parts ORDER BY sequence'),
      ).toEqual([
        { sequence: 1, status: 'sent' },
        { sequence: 2, status: 'failed' },
      ]);
      expect(await eventsOfType(db, 'message.failed')).toMatchObject([
        {
          id: 'm',
          status: 'failed',
          error: { code: 'sms_delivery_failed', detail: 'incompatible destination' },
        },
      ]);
    });

    it('stores a repeated report once', async () => {
      await seedSentMessage(db, 'm', SIM_A, [6], T0);
      const pdu = statusReportPdu({ mr: 6 });
      const results = await store.inbound.ingest([recordOf(pdu), recordOf(pdu)]);
      expect(results.map((r) => r.kind)).toEqual(['status_report', 'duplicate']);
      expect(await countRows(db, 'status_reports')).toBe(1);
    });
  });
}

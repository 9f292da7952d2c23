import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
  outboundMessage,
  recordOf,
  statusReportPdu,
} from './helpers.js';

const TO = '+4917612345678';

describe('SqliteInboundRepository: status reports', () => {
  const fx = new StoreFixture();
  let store: Store;
  beforeEach(() => {
    store = fx.store();
  });
  afterEach(() => fx.close());

  /** Queues a message and sends all its parts through `iccid` with the given references. */
  async function sent(
    id: string,
    iccid: string,
    refs: readonly number[],
    at: number,
    to: string = TO,
  ): Promise<void> {
    const text = refs.length > 1 ? 'y'.repeat(153 * refs.length) : `text of ${id}`;
    await store.outbound.enqueue(outboundMessage(id, { to, body: text, iccid, createdAt: at }));
    for (const [i, mr] of refs.entries()) {
      expect(await store.outbound.claimPart(id, iccid, at)).toMatchObject({ sequence: i + 1 });
      await store.outbound.markPartSent(id, i + 1, iccid, mr, at);
    }
  }

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

  it('marks a sent single-part message delivered, at the discharge time', async () => {
    await sent('m', SIM_A, [5], T0);
    expect(await report(SIM_A, 5, T0 + MINUTE, { dischargedAt: T0 + 30_000 })).toEqual({
      kind: 'status_report',
      matched: { messageId: 'm', sequence: 1 },
      delivered: true,
    });
    expect(await store.outbound.getMessage('m')).toMatchObject({
      status: 'delivered',
      deliveredAt: T0 + 30_000,
    });
    const stored = store.db.prepare('SELECT message_id, part_sequence FROM status_reports').get();
    expect(stored).toEqual({ message_id: 'm', part_sequence: 1 });
  });

  it('matches on the SIM that received the report, not the newest part anywhere', async () => {
    await sent('on-a', SIM_A, [5], T0);
    await sent('on-b', SIM_B, [5], T0 + MINUTE);
    expect(await report(SIM_A, 5, T0 + 2 * MINUTE)).toMatchObject({
      matched: { messageId: 'on-a', sequence: 1 },
    });
    expect((await store.outbound.getMessage('on-a'))?.status).toBe('delivered');
    expect((await store.outbound.getMessage('on-b'))?.status).toBe('sent');
  });

  it('after the reference wrapped, matches the newest part with it within the window', async () => {
    await sent('old', SIM_A, [200], T0);
    await sent('new', SIM_A, [200], T0 + 3 * HOUR);
    expect(await report(SIM_A, 200, T0 + 3 * HOUR + MINUTE)).toMatchObject({
      matched: { messageId: 'new', sequence: 1 },
    });
    expect((await store.outbound.getMessage('old'))?.status).toBe('sent');
  });

  it('prefers the part whose recipient matches the report among same-reference parts', async () => {
    await sent('to-first', SIM_A, [9], T0, '+4917600000001');
    await sent('to-second', SIM_A, [9], T0 + MINUTE, '+4917600000002');
    // The report names the recipient in national form: the tail of the number decides.
    const result = await report(SIM_A, 9, T0 + 2 * MINUTE, { recipient: '017600000001' });
    expect(result).toMatchObject({ matched: { messageId: 'to-first' } });
  });

  it('gives a second report with a reference to the part still waiting, not the one reported', async () => {
    await sent('older', SIM_A, [42], T0);
    await sent('newer', SIM_A, [42], T0 + HOUR);
    expect(await report(SIM_A, 42, T0 + HOUR + MINUTE)).toMatchObject({
      matched: { messageId: 'newer' },
    });
    expect(
      await report(SIM_A, 42, T0 + HOUR + 2 * MINUTE, { dischargedAt: T0 + HOUR }),
    ).toMatchObject({
      matched: { messageId: 'older' },
    });
    expect((await store.outbound.getMessage('older'))?.status).toBe('delivered');
  });

  it('leaves a report for a recipient no candidate has unmatched when it could be either', async () => {
    await sent('to-first', SIM_A, [9], T0, '+4917600000001');
    await sent('to-second', SIM_A, [9], T0 + MINUTE, '+4917600000002');
    const result = await report(SIM_A, 9, T0 + 2 * MINUTE, { recipient: '+4917699999999' });
    expect(result).toMatchObject({ matched: null });
    expect((await store.outbound.getMessage('to-second'))?.status).toBe('sent');
  });

  it('leaves a report unmatched (but stored) when the part is older than the window', async () => {
    await sent('ancient', SIM_A, [77], T0);
    expect(await report(SIM_A, 77, T0 + 8 * DAY)).toEqual({
      kind: 'status_report',
      matched: null,
      delivered: true,
    });
    expect((await store.outbound.getMessage('ancient'))?.status).toBe('sent');
    expect(countRows(store.db, 'status_reports')).toBe(1);
  });

  it('delivers a multipart only once every part was reported delivered', async () => {
    await sent('long', SIM_A, [10, 11], T0);
    await report(SIM_A, 11, T0 + MINUTE, { dischargedAt: T0 + 50_000 });
    expect(await store.outbound.getMessage('long')).toMatchObject({
      status: 'sent',
      deliveredAt: null,
    });
    await report(SIM_A, 10, T0 + 2 * MINUTE, { dischargedAt: T0 + 40_000 });
    expect(await store.outbound.getMessage('long')).toMatchObject({
      status: 'delivered',
      deliveredAt: T0 + 50_000,
    });
  });

  it('keeps a final outcome when a late "still trying" report arrives', async () => {
    await sent('m', SIM_A, [1], T0);
    const pending = await report(SIM_A, 1, T0 + MINUTE, { status: 0x21 });
    expect(pending).toMatchObject({ delivered: false, matched: { messageId: 'm' } });
    expect((await store.outbound.getMessage('m'))?.status).toBe('sent');
    await report(SIM_A, 1, T0 + 2 * MINUTE, { status: 0x00 });
    await report(SIM_A, 1, T0 + 3 * MINUTE, { status: 0x22 });
    expect(store.outbound.getParts('m')[0]).toMatchObject({ deliveryStatus: 'delivered' });
    expect((await store.outbound.getMessage('m'))?.status).toBe('delivered');
  });

  it('fails a message the service centre could not deliver', async () => {
    await sent('m', SIM_A, [4], T0);
    expect(await report(SIM_A, 4, T0 + MINUTE, { status: 0x41 })).toMatchObject({
      delivered: false,
    });
    expect(await store.outbound.getMessage('m')).toMatchObject({
      status: 'failed',
      errorCode: 'sms_delivery_failed',
      errorDetail: 'incompatible destination',
    });
  });

  it('stores a repeated report once', async () => {
    await sent('m', SIM_A, [6], T0);
    const pdu = statusReportPdu({ mr: 6 });
    const results = await store.inbound.ingest([recordOf(pdu), recordOf(pdu)]);
    expect(results.map((r) => r.kind)).toEqual(['status_report', 'duplicate']);
    expect(countRows(store.db, 'status_reports')).toBe(1);
  });
});

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
  function sent(
    id: string,
    iccid: string,
    refs: readonly number[],
    at: number,
    to: string = TO,
  ): void {
    const text = refs.length > 1 ? 'y'.repeat(153 * refs.length) : `text of ${id}`;
    store.outbound.enqueue(outboundMessage(id, { to, body: text, iccid, createdAt: at }));
    refs.forEach((mr, i) => {
      expect(store.outbound.claimPart(id, iccid, at)).toMatchObject({ sequence: i + 1 });
      store.outbound.markPartSent(id, i + 1, iccid, mr, at);
    });
  }

  function report(
    iccid: string,
    mr: number,
    at: number,
    options: { status?: number; recipient?: string; dischargedAt?: number } = {},
  ) {
    const pdu = statusReportPdu({ mr, dischargedAt: options.dischargedAt ?? at, ...options });
    const [result] = store.inbound.ingest([recordOf(pdu, { iccid, receivedAt: at })]);
    return result;
  }

  it('marks a sent single-part message delivered, at the discharge time', () => {
    sent('m', SIM_A, [5], T0);
    expect(report(SIM_A, 5, T0 + MINUTE, { dischargedAt: T0 + 30_000 })).toEqual({
      kind: 'status_report',
      matched: { messageId: 'm', sequence: 1 },
      delivered: true,
    });
    expect(store.outbound.getMessage('m')).toMatchObject({
      status: 'delivered',
      deliveredAt: T0 + 30_000,
    });
    const stored = store.db.prepare('SELECT message_id, part_sequence FROM status_reports').get();
    expect(stored).toEqual({ message_id: 'm', part_sequence: 1 });
  });

  it('matches on the SIM that received the report, not the newest part anywhere', () => {
    sent('on-a', SIM_A, [5], T0);
    sent('on-b', SIM_B, [5], T0 + MINUTE);
    expect(report(SIM_A, 5, T0 + 2 * MINUTE)).toMatchObject({
      matched: { messageId: 'on-a', sequence: 1 },
    });
    expect(store.outbound.getMessage('on-a')?.status).toBe('delivered');
    expect(store.outbound.getMessage('on-b')?.status).toBe('sent');
  });

  it('after the reference wrapped, matches the newest part with it within the window', () => {
    sent('old', SIM_A, [200], T0);
    sent('new', SIM_A, [200], T0 + 3 * HOUR);
    expect(report(SIM_A, 200, T0 + 3 * HOUR + MINUTE)).toMatchObject({
      matched: { messageId: 'new', sequence: 1 },
    });
    expect(store.outbound.getMessage('old')?.status).toBe('sent');
  });

  it('prefers the part whose recipient matches the report among same-reference parts', () => {
    sent('to-first', SIM_A, [9], T0, '+4917600000001');
    sent('to-second', SIM_A, [9], T0 + MINUTE, '+4917600000002');
    // The report names the recipient in national form: the tail of the number decides.
    const result = report(SIM_A, 9, T0 + 2 * MINUTE, { recipient: '017600000001' });
    expect(result).toMatchObject({ matched: { messageId: 'to-first' } });
  });

  it('gives a second report with a reference to the part still waiting, not the one reported', () => {
    sent('older', SIM_A, [42], T0);
    sent('newer', SIM_A, [42], T0 + HOUR);
    expect(report(SIM_A, 42, T0 + HOUR + MINUTE)).toMatchObject({
      matched: { messageId: 'newer' },
    });
    expect(report(SIM_A, 42, T0 + HOUR + 2 * MINUTE, { dischargedAt: T0 + HOUR })).toMatchObject({
      matched: { messageId: 'older' },
    });
    expect(store.outbound.getMessage('older')?.status).toBe('delivered');
  });

  it('leaves a report for a recipient no candidate has unmatched when it could be either', () => {
    sent('to-first', SIM_A, [9], T0, '+4917600000001');
    sent('to-second', SIM_A, [9], T0 + MINUTE, '+4917600000002');
    const result = report(SIM_A, 9, T0 + 2 * MINUTE, { recipient: '+4917699999999' });
    expect(result).toMatchObject({ matched: null });
    expect(store.outbound.getMessage('to-second')?.status).toBe('sent');
  });

  it('leaves a report unmatched (but stored) when the part is older than the window', () => {
    sent('ancient', SIM_A, [77], T0);
    expect(report(SIM_A, 77, T0 + 8 * DAY)).toEqual({
      kind: 'status_report',
      matched: null,
      delivered: true,
    });
    expect(store.outbound.getMessage('ancient')?.status).toBe('sent');
    expect(countRows(store.db, 'status_reports')).toBe(1);
  });

  it('delivers a multipart only once every part was reported delivered', () => {
    sent('long', SIM_A, [10, 11], T0);
    report(SIM_A, 11, T0 + MINUTE, { dischargedAt: T0 + 50_000 });
    expect(store.outbound.getMessage('long')).toMatchObject({ status: 'sent', deliveredAt: null });
    report(SIM_A, 10, T0 + 2 * MINUTE, { dischargedAt: T0 + 40_000 });
    expect(store.outbound.getMessage('long')).toMatchObject({
      status: 'delivered',
      deliveredAt: T0 + 50_000,
    });
  });

  it('keeps a final outcome when a late "still trying" report arrives', () => {
    sent('m', SIM_A, [1], T0);
    const pending = report(SIM_A, 1, T0 + MINUTE, { status: 0x21 });
    expect(pending).toMatchObject({ delivered: false, matched: { messageId: 'm' } });
    expect(store.outbound.getMessage('m')?.status).toBe('sent');
    report(SIM_A, 1, T0 + 2 * MINUTE, { status: 0x00 });
    report(SIM_A, 1, T0 + 3 * MINUTE, { status: 0x22 });
    expect(store.outbound.getParts('m')[0]).toMatchObject({ deliveryStatus: 'delivered' });
    expect(store.outbound.getMessage('m')?.status).toBe('delivered');
  });

  it('fails a message the service centre could not deliver', () => {
    sent('m', SIM_A, [4], T0);
    expect(report(SIM_A, 4, T0 + MINUTE, { status: 0x41 })).toMatchObject({ delivered: false });
    expect(store.outbound.getMessage('m')).toMatchObject({
      status: 'failed',
      errorCode: 'sms_delivery_failed',
      errorDetail: 'incompatible destination',
    });
  });

  it('stores a repeated report once', () => {
    sent('m', SIM_A, [6], T0);
    const pdu = statusReportPdu({ mr: 6 });
    const results = store.inbound.ingest([recordOf(pdu), recordOf(pdu)]);
    expect(results.map((r) => r.kind)).toEqual(['status_report', 'duplicate']);
    expect(countRows(store.db, 'status_reports')).toBe(1);
  });
});

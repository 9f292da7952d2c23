import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeSubmit } from '../../../src/sms/index.js';
import { pduFingerprint, type Store } from '../../../src/store/index.js';
import {
  MINUTE,
  SIM_A,
  SIM_B,
  StoreFixture,
  T0,
  countRows,
  deliverPdu,
  recordOf,
} from './helpers.js';

describe('SqliteInboundRepository: raw PDUs and single-part messages', () => {
  const fx = new StoreFixture();
  let store: Store;
  beforeEach(() => {
    store = fx.store();
  });
  afterEach(() => fx.close());

  it('stores a single-part SMS as a message and its raw PDU linked to it', async () => {
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
    const raw = store.db.prepare('SELECT * FROM inbound_pdus').all();
    expect(raw).toMatchObject([
      {
        pdu,
        kind: 'deliver',
        fingerprint: pduFingerprint(SIM_A, pdu),
        message_id: result?.kind === 'message' ? result.message.id : -1,
      },
    ]);
  });

  it('stores the same PDU from the same SIM once, across batches', async () => {
    const pdu = deliverPdu();
    await store.inbound.ingest([recordOf(pdu, { index: 1 })]);
    // A sweep after a crash between commit and AT+CMGD reads it again (maybe lower-case).
    const again = await store.inbound.ingest([recordOf(pdu.toLowerCase(), { index: 1 })]);
    expect(again).toEqual([{ kind: 'duplicate' }]);
    expect(countRows(store.db, 'inbound_pdus')).toBe(1);
    expect(countRows(store.db, 'inbound_messages')).toBe(1);
  });

  it('stores the same PDU twice in one batch once', async () => {
    const pdu = deliverPdu();
    const results = await store.inbound.ingest([
      recordOf(pdu, { index: 3 }),
      recordOf(pdu, { index: 3 }),
    ]);
    expect(results.map((r) => r.kind)).toEqual(['message', 'duplicate']);
    expect(countRows(store.db, 'inbound_messages')).toBe(1);
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
    const row = store.db
      .prepare<[], { kind: string; error: string | null; pdu: string }>(
        'SELECT kind, error, pdu FROM inbound_pdus',
      )
      .get();
    expect(row?.kind).toBe('malformed');
    expect(row?.pdu).toBe(garbage);
    expect(row?.error).toBeTruthy();
    expect(countRows(store.db, 'inbound_messages')).toBe(0);
  });

  it('keeps a stored sent message (SMS-SUBMIT) raw only', async () => {
    const [submit] = encodeSubmit({ to: '+4917612345678', text: 'sent earlier' });
    const results = await store.inbound.ingest([recordOf(submit!.pduHex)]);
    expect(results).toEqual([{ kind: 'submit' }]);
    expect(countRows(store.db, 'inbound_pdus')).toBe(1);
    expect(countRows(store.db, 'inbound_messages')).toBe(0);
  });

  it('writes nothing for an empty batch', async () => {
    expect(await store.inbound.ingest([])).toEqual([]);
    expect(countRows(store.db, 'inbound_pdus')).toBe(0);
  });

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
});

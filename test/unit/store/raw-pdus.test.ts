import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/index.js';
import { IMEI_1, SIM_A, SIM_B, StoreFixture, T0, deliverPdu, recordOf } from './helpers.js';

describe('SqliteInboundRepository.listRaw: the raw PDUs as read', () => {
  const fx = new StoreFixture();
  let store: Store;
  beforeEach(() => {
    store = fx.store();
  });
  afterEach(() => fx.close());

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

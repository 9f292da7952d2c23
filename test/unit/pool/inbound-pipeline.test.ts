import { afterEach, describe, expect, it } from 'vitest';
import type { InboundPduRead } from '../../../src/modem/index.js';
import { InboundPipeline, type InboundRepository } from '../../../src/pool/index.js';
import { IMEI_1, SIM_A, StoreFixture, countRows, deliverPdu } from '../store/helpers.js';

/** A PDU as a modem driver hands it over. */
function read(text: string, index: number): InboundPduRead {
  return {
    imei: IMEI_1,
    iccid: SIM_A,
    storage: 'SM',
    index,
    pdu: deliverPdu({ text }),
    readAt: 0,
    source: 'sweep',
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Whether `promise` settled by now (it is given a few turns). */
async function settledYet(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await nextTurn();
  return settled;
}

describe('InboundPipeline (group commit of the inbound SMS)', () => {
  const fx = new StoreFixture();
  afterEach(() => fx.close());

  it('writes one batch at a time: what arrives meanwhile waits for the next, and is acknowledged only after its own commit', async () => {
    const store = fx.store();
    const batches: number[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // The real store, whose first commit is slow (as a network database's may be).
    const repository: InboundRepository = {
      ingest: async (records) => {
        batches.push(records.length);
        if (batches.length === 1) await gate;
        return store.inbound.ingest(records);
      },
      expireIncomplete: (cutoff, now) => store.inbound.expireIncomplete(cutoff, now),
      listMessages: (options) => store.inbound.listMessages(options),
      listReceivedSince: (since, limit) => store.inbound.listReceivedSince(since, limit),
    };
    const pipeline = new InboundPipeline(repository);
    const first = [pipeline.commit(read('one', 1)), pipeline.commit(read('two', 2))];
    await nextTurn();
    const later = pipeline.commit(read('three', 3));
    await nextTurn();
    expect(batches).toEqual([2]);
    expect(await settledYet(later)).toBe(false);
    expect(await settledYet(first[0]!)).toBe(false);
    open();
    await Promise.all([...first, later]);
    expect(batches).toEqual([2, 1]);
    expect(countRows(store.db, 'inbound_messages')).toBe(3);
  });

  it('commits the records of a failed batch one by one: only the bad one is refused', async () => {
    const store = fx.store();
    // A real SQLite failure for one record of the batch.
    store.db.exec(`CREATE TEMP TRIGGER fail_on_boom BEFORE INSERT ON main.inbound_messages
      WHEN NEW.text = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END`);
    const pipeline = new InboundPipeline(store.inbound);
    const texts: string[] = [];
    pipeline.on('ingested', ({ result }) => {
      if (result.kind === 'message') texts.push(result.message.text);
    });
    const commits = ['fine', 'boom', 'after'].map((text, i) => pipeline.commit(read(text, i)));
    const outcomes = await Promise.allSettled(commits);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(texts).toEqual(['fine', 'after']);
    expect(countRows(store.db, 'inbound_messages')).toBe(2);
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/index.js';
import {
  MemoryPartStore,
  Reassembler,
  encodeSubmit,
  type DecodedDeliver,
  type PartStore,
  type StoredPart,
} from '../../../src/sms/index.js';
import { deliverVectors } from './fixtures/pdu-vectors.js';
import { decodeDeliver, submitToDeliver } from './helpers.js';

const HOUR = 60 * 60 * 1000;
const ICCID = '8949020000000000001';

function vector(name: string): string {
  const found = deliverVectors.find((v) => v.name === name);
  if (!found) throw new Error(`no vector ${name}`);
  return found.hex;
}

/** Three parts of one message from `sender`, as DELIVERs. */
function threeParts(
  sender: string,
  reference = 9,
  text = 'x'.repeat(400) + 'END',
): DecodedDeliver[] {
  return encodeSubmit({ to: '+10000000000', text, reference }).map((part) =>
    decodeDeliver(submitToDeliver(part.pduHex, sender)),
  );
}

describe('Reassembler', () => {
  let clock: ManualClock;
  let store: MemoryPartStore;
  let reassembler: Reassembler;

  beforeEach(() => {
    clock = new ManualClock();
    store = new MemoryPartStore();
    reassembler = new Reassembler({ store, clock });
  });

  it('joins the two published parts of a multipart message (ModemManager test_pdu_multipart)', async () => {
    const part1 = decodeDeliver(vector('part 1 of 2 with an 8-bit concatenation reference'));
    const part2 = decodeDeliver(vector('part 2 of 2 with an 8-bit concatenation reference'));
    expect(await reassembler.accept(ICCID, part2)).toBeNull();
    const message = await reassembler.accept(ICCID, part1);
    expect(message).toMatchObject({
      iccid: ICCID,
      sender: { value: '+16175046925' },
      complete: true,
      missingParts: [],
      concat: { reference: 0x4c, referenceBits: 8, total: 2 },
    });
    expect(message!.text).toBe(
      'This is a very long test designed to exercise multi part capability. It should ' +
        'show up as one message, not as two, as the underlying encoding represents ' +
        'that the parts are related to one another. ',
    );
    expect(message!.sentAt.toISOString()).toBe('2012-04-25T23:56:50.000Z');
    expect(store.size).toBe(0);
  });

  it('passes a single-part message straight through without touching the store', async () => {
    const single = decodeDeliver(vector('the "hellohello" deliver with a UTC time stamp'));
    const message = await reassembler.accept(ICCID, single);
    expect(message).toMatchObject({ text: 'hellohello', complete: true, concat: null });
    expect(store.size).toBe(0);
  });

  it('completes a message whose parts arrive in any order', async () => {
    const [p1, p2, p3] = threeParts('+4915100000001');
    expect(await reassembler.accept(ICCID, p3!)).toBeNull();
    expect(await reassembler.accept(ICCID, p1!)).toBeNull();
    const message = await reassembler.accept(ICCID, p2!);
    expect(message?.text).toBe('x'.repeat(400) + 'END');
  });

  it('ignores a duplicate part and still completes once', async () => {
    const [p1, p2] = encodeSubmit({ to: '+1', text: 'y'.repeat(200), reference: 3 }).map((p) =>
      decodeDeliver(submitToDeliver(p.pduHex)),
    );
    expect(await reassembler.accept(ICCID, p1!)).toBeNull();
    expect(await reassembler.accept(ICCID, p1!)).toBeNull();
    expect((await reassembler.accept(ICCID, p2!))?.text).toBe('y'.repeat(200));
    expect(store.size).toBe(0);
  });

  it('keeps parts with the same reference apart when senders or SIMs differ', async () => {
    const alice = threeParts('+4915100000001', 9, 'A'.repeat(400));
    const bob = threeParts('+4915100000002', 9, 'B'.repeat(400));
    const results = [];
    for (let i = 0; i < 3; i++) {
      results.push(await reassembler.accept(ICCID, alice[i]!));
      results.push(await reassembler.accept(ICCID, bob[i]!));
      results.push(await reassembler.accept('OTHER-SIM', alice[i]!));
    }
    const done = results.filter((r) => r !== null);
    expect(done.map((m) => [m.iccid, m.sender.value, m.text[0]])).toEqual([
      [ICCID, '+4915100000001', 'A'],
      [ICCID, '+4915100000002', 'B'],
      ['OTHER-SIM', '+4915100000001', 'A'],
    ]);
    expect(done.every((m) => m.text.length === 400)).toBe(true);
  });

  it('does not mix messages with the same reference but a different part count', async () => {
    const long = threeParts('+4915100000001', 5);
    const short = encodeSubmit({ to: '+1', text: 'z'.repeat(200), reference: 5 }).map((p) =>
      decodeDeliver(submitToDeliver(p.pduHex, '+4915100000001')),
    );
    expect(await reassembler.accept(ICCID, long[0]!)).toBeNull();
    expect(await reassembler.accept(ICCID, short[0]!)).toBeNull();
    expect((await reassembler.accept(ICCID, short[1]!))?.text).toBe('z'.repeat(200));
    expect(store.size).toBe(1);
  });

  it('delivers the present parts flagged incomplete once the timeout has passed', async () => {
    const [p1, , p3] = threeParts('+4915100000001');
    await reassembler.accept(ICCID, p1!);
    await clock.advance(2 * HOUR);
    await reassembler.accept(ICCID, p3!);
    await clock.advance(22 * HOUR - 1);
    expect(await reassembler.expire()).toEqual([]);
    await clock.advance(1);
    const [expired, ...others] = await reassembler.expire();
    expect(others).toEqual([]);
    expect(expired).toMatchObject({ complete: false, missingParts: [2], iccid: ICCID });
    // Parts 1 and 3 of 153 + 153 + 97 septets.
    expect(expired!.text).toBe('x'.repeat(153) + 'x'.repeat(94) + 'END');
    expect(store.size).toBe(0);
  });

  it('sweeps on the clock and honours a configured timeout', async () => {
    reassembler = new Reassembler({ store, clock, timeoutMs: 10 * 60 * 1000 });
    const expired: string[] = [];
    const stop = reassembler.startSweeping(60_000, (m) => expired.push(m.missingParts.join(',')));
    const [p1] = threeParts('+4915100000001');
    await reassembler.accept(ICCID, p1!);
    await clock.advance(9 * 60_000);
    expect(expired).toEqual([]);
    await clock.advance(60_000);
    expect(expired).toEqual(['2,3']);
    stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('works with an asynchronous store', async () => {
    const memory = new MemoryPartStore();
    // Answers a macrotask later, like a database driver, so calls really interleave.
    const later = <T>(value: T): Promise<T> =>
      new Promise((resolve) => setImmediate(() => resolve(value)));
    const asyncStore: PartStore = {
      addPart: (part: StoredPart) => later(memory.addPart(part)),
      partsFor: (keyId: string) => later(memory.partsFor(keyId)),
      deleteKey: (keyId: string) => later(memory.deleteKey(keyId)),
      keysOlderThan: (cutoff: number) => later(memory.keysOlderThan(cutoff)),
    };
    reassembler = new Reassembler({ store: asyncStore, clock });
    const parts = threeParts('+4915100000001');
    // Fired together: the internal queue must keep the last two from both completing.
    const results = await Promise.all(parts.map((p) => reassembler.accept(ICCID, p)));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(memory.size).toBe(0);
  });
});

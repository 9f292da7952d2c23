import { afterEach, describe, expect, it } from 'vitest';
import type { SendStep } from '../../../src/pool/index.js';
import { WriteBatch } from '../../../src/pool/write-batch.js';
import { isSimpoolError } from '../../../src/shared/index.js';
import { SIM_A, StoreFixture, T0, outboundMessage } from '../store/helpers.js';

describe('WriteBatch (group commit of the send workers)', () => {
  const fx = new StoreFixture();
  afterEach(() => fx.close());

  it('commits the writes of one turn together, each caller getting its own outcome', async () => {
    const store = fx.store();
    await store.outbound.enqueue(outboundMessage('a'));
    await store.outbound.enqueue(outboundMessage('b'));
    let commits = 0;
    const batch = new WriteBatch((steps: readonly SendStep[]) => {
      commits += 1;
      return store.outbound.applySendSteps(steps);
    });
    const claimA = batch.claim('a', SIM_A, T0);
    const unknown = batch.record({
      kind: 'markPartSent',
      messageId: 'nope',
      sequence: 1,
      iccid: SIM_A,
      messageReference: 1,
      at: T0,
    });
    const claimB = batch.claim('b', SIM_A, T0);
    expect(await claimA).toMatchObject({ messageId: 'a', sequence: 1 });
    expect(await claimB).toMatchObject({ messageId: 'b', sequence: 1 });
    const error = await unknown.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isSimpoolError(error, 'not_found')).toBe(true);
    expect(commits).toBe(1);
    // The failing write rolled back alone: both claims are committed.
    expect((await store.outbound.getMessage('a'))?.status).toBe('sending');
    expect((await store.outbound.getMessage('b'))?.status).toBe('sending');
    await batch.idle();
    const next = batch.record({ kind: 'release', messageId: 'a', at: T0 });
    await batch.idle();
    await next;
    expect(commits).toBe(2);
  });

  it('sends one batch at a time, in the order the steps were asked for', async () => {
    const store = fx.store();
    for (const id of ['a', 'b', 'c']) await store.outbound.enqueue(outboundMessage(id));
    const batches: string[][] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // The real store, whose first commit is slow (as a network database's may be).
    const batch = new WriteBatch(async (steps: readonly SendStep[]) => {
      batches.push(steps.map((step) => step.messageId));
      if (batches.length === 1) await gate;
      return store.outbound.applySendSteps(steps);
    });
    const claimA = batch.claim('a', SIM_A, T0);
    await new Promise((resolve) => setImmediate(resolve));
    const claimB = batch.claim('b', SIM_A, T0);
    const claimC = batch.claim('c', SIM_A, T0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([['a']]);
    open();
    expect(await Promise.all([claimA, claimB, claimC])).toMatchObject([
      { messageId: 'a' },
      { messageId: 'b' },
      { messageId: 'c' },
    ]);
    expect(batches).toEqual([['a'], ['b', 'c']]);
  });

  it('applies each step on its own when the transaction of the batch failed', async () => {
    const store = fx.store();
    await store.outbound.enqueue(outboundMessage('a'));
    const calls: number[] = [];
    const batch = new WriteBatch((steps: readonly SendStep[]) => {
      calls.push(steps.length);
      // The commit of the whole batch fails (nothing of it was written).
      if (calls.length === 1) return Promise.reject(new Error('commit failed'));
      return store.outbound.applySendSteps(steps);
    });
    const claim = batch.claim('a', SIM_A, T0);
    const unknown = batch.record({ kind: 'release', messageId: 'nope', at: T0 });
    const claimAgain = batch.claim('a', SIM_A, T0);
    expect(await claim).toMatchObject({ messageId: 'a', sequence: 1 });
    await unknown; // releasing an unknown message changes nothing
    // One part in flight at a time: the second claim, on its own, finds nothing to claim.
    expect(await claimAgain).toBeUndefined();
    expect(calls).toEqual([3, 1, 1, 1]);
    expect((await store.outbound.getMessage('a'))?.status).toBe('sending');
  });
});

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
});

import { afterEach, describe, expect, it } from 'vitest';
import { WriteBatch } from '../../../src/pool/write-batch.js';
import { isSimpoolError } from '../../../src/shared/index.js';
import { SIM_A, StoreFixture, T0, outboundMessage } from '../store/helpers.js';

describe('WriteBatch (group commit of the send workers)', () => {
  const fx = new StoreFixture();
  afterEach(() => fx.close());

  it('commits the writes of one turn together, each caller getting its own outcome', async () => {
    const store = fx.store();
    store.outbound.enqueue(outboundMessage('a'));
    store.outbound.enqueue(outboundMessage('b'));
    let commits = 0;
    const batch = new WriteBatch((work) => {
      commits += 1;
      store.outbound.transaction(work);
    });
    const claimA = batch.run(() => store.outbound.claimPart('a', SIM_A, T0));
    const unknown = batch.run(() => store.outbound.markPartSent('nope', 1, SIM_A, 1, T0));
    const claimB = batch.run(() => store.outbound.claimPart('b', SIM_A, T0));
    expect(await claimA).toMatchObject({ messageId: 'a', sequence: 1 });
    expect(await claimB).toMatchObject({ messageId: 'b', sequence: 1 });
    const error = await unknown.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isSimpoolError(error, 'not_found')).toBe(true);
    expect(commits).toBe(1);
    // The failing write rolled back alone: both claims are committed.
    expect(store.outbound.getMessage('a')?.status).toBe('sending');
    expect(store.outbound.getMessage('b')?.status).toBe('sending');
    await batch.idle();
    const next = batch.run(() => store.outbound.release('a', T0));
    await batch.idle();
    await next;
    expect(commits).toBe(2);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewOutboundMessage } from '../../../src/pool/index.js';
import { isSimpoolError } from '../../../src/shared/index.js';
import { encodeSubmit } from '../../../src/sms/index.js';
import type { Store } from '../../../src/store/index.js';
import { MINUTE, SIM_A, SIM_B, StoreFixture, T0, countRows } from './helpers.js';

const SIM_C = '8949020000000000037';

function message(
  id: string,
  options: { iccid?: string | null; parts?: number; at?: number } = {},
): NewOutboundMessage {
  const text = options.parts && options.parts > 1 ? 'x'.repeat(153 * options.parts) : `hi ${id}`;
  const parts = encodeSubmit({
    to: '+4917612345678',
    text,
    requestStatusReport: true,
    reference: 7,
  });
  return {
    id,
    to: '+4917612345678',
    body: text,
    iccid: options.iccid ?? null,
    parts: parts.map((p) => ({ pduHex: p.pduHex, tpduLength: p.tpduLength })),
    createdAt: options.at ?? T0,
  };
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('SqliteOutboundRepository', () => {
  const fx = new StoreFixture();
  let store: Store;
  beforeEach(() => {
    store = fx.store();
  });
  afterEach(() => fx.close());

  it('says whether any queued part is due, without claiming it', () => {
    expect(store.outbound.hasClaimable(T0)).toBe(false);
    store.outbound.enqueue(message('m1', { at: T0 }));
    expect(store.outbound.hasClaimable(T0 - 1)).toBe(false);
    expect(store.outbound.hasClaimable(T0)).toBe(true);
    const part = store.outbound.claimNext(SIM_A, T0)!;
    expect(store.outbound.hasClaimable(T0)).toBe(false);
    store.outbound.markPartFailed(
      'm1',
      part.sequence,
      { permanent: false, cmsError: 42, detail: 'congestion', retryAt: T0 + MINUTE },
      T0,
    );
    expect(store.outbound.hasClaimable(T0 + MINUTE - 1)).toBe(false);
    expect(store.outbound.hasClaimable(T0 + MINUTE)).toBe(true);
  });

  it('enqueues a message with its parts and claims the oldest part for a SIM', () => {
    store.outbound.enqueue(message('m2', { at: T0 + 1 }));
    store.outbound.enqueue(message('m1', { at: T0 }));
    const claimed = store.outbound.claimNext(SIM_A, T0 + MINUTE);
    expect(claimed).toMatchObject({ messageId: 'm1', sequence: 1, total: 1, attempts: 0 });
    expect(claimed?.pduHex).toBe(message('m1').parts[0]!.pduHex);
    expect(store.outbound.getMessage('m1')).toMatchObject({
      status: 'sending',
      iccid: null,
      senderIccid: SIM_A,
      partCount: 1,
    });
    expect(store.outbound.getParts('m1')).toMatchObject([{ status: 'sending', iccid: SIM_A }]);
    // A claimed part is not handed out again.
    expect(store.outbound.claimNext(SIM_B, T0 + MINUTE)?.messageId).toBe('m2');
    expect(store.outbound.claimNext(SIM_C, T0 + MINUTE)).toBeUndefined();
  });

  it('gives a message meant for one SIM to that SIM only', () => {
    store.outbound.enqueue(message('for-b', { iccid: SIM_B }));
    expect(store.outbound.claimNext(SIM_A, T0)).toBeUndefined();
    expect(store.outbound.claimNext(SIM_B, T0)?.messageId).toBe('for-b');
  });

  it('keeps every part of a multipart on the SIM that claimed the first one', () => {
    store.outbound.enqueue(message('long', { parts: 3 }));
    store.outbound.enqueue(message('short', { at: T0 + 1 }));
    expect(store.outbound.claimNext(SIM_A, T0)).toMatchObject({ messageId: 'long', sequence: 1 });
    // SIM B may not take part 2: it gets the next message instead.
    expect(store.outbound.claimNext(SIM_B, T0 + 1)?.messageId).toBe('short');
    store.outbound.markPartSent('long', 1, SIM_A, 17, T0 + 1);
    expect(store.outbound.claimNext(SIM_C, T0 + 2)).toBeUndefined();
    expect(store.outbound.claimNext(SIM_A, T0 + 2)).toMatchObject({
      messageId: 'long',
      sequence: 2,
    });
    store.outbound.markPartSent('long', 2, SIM_A, 18, T0 + 3);
    expect(store.outbound.getMessage('long')?.status).toBe('sending');
    expect(store.outbound.claimNext(SIM_A, T0 + 4)).toMatchObject({ sequence: 3, total: 3 });
    store.outbound.markPartSent('long', 3, SIM_A, 19, T0 + 5);
    expect(store.outbound.getMessage('long')).toMatchObject({ status: 'sent', sentAt: T0 + 5 });
    expect(store.outbound.getParts('long').map((p) => p.messageReference)).toEqual([17, 18, 19]);
  });

  it('fails the whole message on a permanent error and moves on to the next', () => {
    store.outbound.enqueue(message('bad', { parts: 2 }));
    store.outbound.enqueue(message('next', { at: T0 + 1 }));
    store.outbound.claimNext(SIM_A, T0);
    store.outbound.markPartFailed(
      'bad',
      1,
      { permanent: true, cmsError: 304, detail: 'invalid PDU mode parameter' },
      T0 + 1,
    );
    expect(store.outbound.getMessage('bad')).toMatchObject({
      status: 'failed',
      errorCode: 'sms_send_failed',
      errorDetail: 'invalid PDU mode parameter (+CMS ERROR: 304)',
    });
    expect(store.outbound.getParts('bad').map((p) => [p.status, p.cmsError])).toEqual([
      ['failed', 304],
      ['failed', null],
    ]);
    expect(store.outbound.claimNext(SIM_A, T0 + 2)?.messageId).toBe('next');
  });

  it('puts a part back on a temporary error, claimable again from retryAt by any SIM', () => {
    store.outbound.enqueue(message('m'));
    store.outbound.claimNext(SIM_A, T0);
    store.outbound.markPartFailed(
      'm',
      1,
      { permanent: false, cmsError: 500, detail: 'unknown error', retryAt: T0 + MINUTE },
      T0 + 1,
    );
    expect(store.outbound.getMessage('m')).toMatchObject({ status: 'queued', senderIccid: null });
    expect(store.outbound.getParts('m')).toMatchObject([
      { status: 'queued', attempts: 1, nextAttemptAt: T0 + MINUTE, iccid: null, cmsError: 500 },
    ]);
    expect(store.outbound.claimNext(SIM_A, T0 + MINUTE - 1)).toBeUndefined();
    expect(store.outbound.claimNext(SIM_B, T0 + MINUTE)).toMatchObject({
      messageId: 'm',
      attempts: 1,
    });
    // A repeated failure report for a part no longer being sent changes nothing.
    store.outbound.markPartSent('m', 1, SIM_B, 3, T0 + MINUTE + 1);
    store.outbound.markPartFailed(
      'm',
      1,
      { permanent: true, cmsError: null, detail: 'late' },
      T0 + MINUTE + 2,
    );
    expect(store.outbound.getMessage('m')?.status).toBe('sent');
  });

  it('keeps a half-sent multipart on its SIM after a temporary error', () => {
    store.outbound.enqueue(message('long', { parts: 2 }));
    store.outbound.claimNext(SIM_A, T0);
    store.outbound.markPartSent('long', 1, SIM_A, 1, T0);
    store.outbound.claimNext(SIM_A, T0);
    store.outbound.markPartFailed('long', 2, { permanent: false, cmsError: null, detail: 't' }, T0);
    expect(store.outbound.getMessage('long')).toMatchObject({
      status: 'sending',
      senderIccid: SIM_A,
    });
    expect(store.outbound.claimNext(SIM_B, T0)).toBeUndefined();
    expect(store.outbound.claimNext(SIM_A, T0)).toMatchObject({ sequence: 2, attempts: 1 });
  });

  it('requeues parts left sending by a crash, releasing messages nothing of went out', () => {
    store.outbound.enqueue(message('single'));
    store.outbound.enqueue(message('pinned', { iccid: SIM_B, at: T0 + 1 }));
    store.outbound.enqueue(message('long', { parts: 2, at: T0 + 2 }));
    const at = T0 + 10;
    expect(store.outbound.claimNext(SIM_A, at)?.messageId).toBe('single');
    expect(store.outbound.claimNext(SIM_B, at)?.messageId).toBe('pinned');
    expect(store.outbound.claimNext(SIM_C, at)?.messageId).toBe('long');
    store.outbound.markPartSent('long', 1, SIM_C, 9, at);
    expect(store.outbound.claimNext(SIM_C, at)?.sequence).toBe(2);
    // Restart: a new connection on the same file.
    store.db.close();
    const restarted = fx.store(store.db.name);
    expect(restarted.outbound.requeueInterrupted(T0 + MINUTE)).toBe(3);
    expect(restarted.outbound.getMessage('single')).toMatchObject({
      status: 'queued',
      senderIccid: null,
    });
    expect(restarted.outbound.getMessage('pinned')).toMatchObject({ senderIccid: SIM_B });
    expect(restarted.outbound.getMessage('long')).toMatchObject({
      status: 'sending',
      senderIccid: SIM_C,
    });
    expect(restarted.outbound.getParts('long').map((p) => [p.status, p.attempts])).toEqual([
      ['sent', 0],
      ['queued', 1],
    ]);
    expect(restarted.outbound.requeueInterrupted(T0 + MINUTE)).toBe(0);
  });

  it('refuses a message without parts or with an id already used, writing nothing', () => {
    store.outbound.enqueue(message('m'));
    const empty = { ...message('empty'), parts: [] };
    expect(
      isSimpoolError(
        thrown(() => store.outbound.enqueue(empty)),
        'invalid_argument',
      ),
    ).toBe(true);
    const twice = thrown(() => store.outbound.enqueue(message('m', { parts: 2 })));
    expect(isSimpoolError(twice, 'invalid_argument')).toBe(true);
    expect(countRows(store.db, 'outbound_messages')).toBe(1);
    expect(countRows(store.db, 'outbound_parts')).toBe(1);
  });

  it('reports an unknown part as not_found', () => {
    const error = thrown(() => store.outbound.markPartSent('nope', 1, SIM_A, 1, T0));
    expect(isSimpoolError(error, 'not_found')).toBe(true);
    expect(store.outbound.getMessage('nope')).toBeUndefined();
  });
});

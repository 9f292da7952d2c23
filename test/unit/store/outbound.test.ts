import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSimpoolError } from '../../../src/shared/index.js';
import type { Store } from '../../../src/store/index.js';
import {
  MINUTE,
  SIM_A,
  SIM_B,
  StoreFixture,
  T0,
  countRows,
  outboundMessage as message,
} from './helpers.js';

const SIM_C = '8949020000000000037';
/** No SIM free: only messages any SIM may take. */
const NONE = { ready: [], urgentReady: [] };

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

  const routable = (at: number, free: string[] = []) =>
    store.outbound.listRoutable(at, 10, { ready: free, urgentReady: free }).map((m) => m.id);
  const history = (id: string) =>
    store.db
      .prepare<[string], { sequence: number | null; status: string; sim_iccid: string | null }>(
        'SELECT sequence, status, sim_iccid FROM outbound_history WHERE message_id = ? ORDER BY id',
      )
      .all(id);
  const events = () =>
    store.db
      .prepare<[], { type: string; data: string }>('SELECT type, data FROM events ORDER BY seq')
      .all()
      .map((e) => ({ type: e.type, ...(JSON.parse(e.data) as Record<string, unknown>) }));

  it('says whether any queued part is due, without claiming it', () => {
    expect(store.outbound.hasClaimable(T0)).toBe(false);
    store.outbound.enqueue(message('m1'));
    expect(store.outbound.hasClaimable(T0 - 1)).toBe(false);
    expect(store.outbound.hasClaimable(T0)).toBe(true);
    const part = store.outbound.claimPart('m1', SIM_A, T0)!;
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

  it('lists routable messages by priority, then age, leaving out those bound to busy SIMs', () => {
    store.outbound.enqueue(message('old', { createdAt: T0 }));
    store.outbound.enqueue(message('new', { createdAt: T0 + 1 }));
    store.outbound.enqueue(message('urgent', { createdAt: T0 + 2, priority: 100 }));
    store.outbound.enqueue(message('for-b', { createdAt: T0 - 1, iccid: SIM_B }));
    store.outbound.enqueue(message('later', { createdAt: T0 + 5 }));
    expect(routable(T0 + 5)).toEqual(['urgent', 'old', 'new', 'later']);
    expect(routable(T0 + 5, [SIM_B])).toEqual(['urgent', 'for-b', 'old', 'new', 'later']);
    expect(routable(T0 + 1)).toEqual(['old', 'new']);
    expect(store.outbound.listRoutable(T0 + 5, 1, NONE)).toMatchObject([
      { id: 'urgent', priority: 100, senderIccid: null, avoidIccid: null },
    ]);
  });

  it('lists a message bound to a resting SIM only when urgent and the SIM takes urgent work', () => {
    store.outbound.enqueue(message('normal', { iccid: SIM_B }));
    store.outbound.enqueue(message('urgent', { iccid: SIM_B, priority: 100 }));
    const listed = (ready: string[], urgentReady: string[]) =>
      store.outbound.listRoutable(T0, 10, { ready, urgentReady }).map((m) => m.id);
    expect(listed([], [])).toEqual([]);
    expect(listed([], [SIM_B])).toEqual(['urgent']);
    expect(listed([SIM_B], [SIM_B])).toEqual(['urgent', 'normal']);
  });

  it('finishes a half-sent message past valid_until instead of cutting it short', () => {
    store.outbound.enqueue(message('long', { parts: 2, validUntil: T0 + MINUTE }));
    store.outbound.claimPart('long', SIM_A, T0);
    store.outbound.markPartSent('long', 1, SIM_A, 1, T0);
    store.outbound.release('long', T0);
    expect(store.outbound.expireDue(T0 + MINUTE)).toEqual([]);
    expect(routable(T0 + MINUTE, [SIM_A])).toEqual(['long']);
    expect(store.outbound.claimPart('long', SIM_A, T0 + MINUTE)?.sequence).toBe(2);
    store.outbound.markPartSent('long', 2, SIM_A, 2, T0 + MINUTE);
    expect(store.outbound.getMessage('long')?.status).toBe('sent');
  });

  it('does not requeue a part whose message failed while it was in flight', () => {
    store.outbound.enqueue(message('m', { parts: 2 }));
    store.outbound.claimPart('m', SIM_A, T0);
    store.outbound.markPartSent('m', 1, SIM_A, 1, T0);
    store.outbound.claimPart('m', SIM_A, T0);
    store.db.prepare("UPDATE outbound_messages SET status = 'failed' WHERE id = 'm'").run();
    store.outbound.markPartFailed('m', 2, { permanent: false, cmsError: 42, detail: 't' }, T0);
    expect(store.outbound.getParts('m').map((p) => p.status)).toEqual(['sent', 'failed']);
    expect(store.outbound.hasClaimable(T0 + MINUTE)).toBe(false);
  });

  it('claims the parts of a message for one SIM, one at a time, in order', () => {
    store.outbound.enqueue(message('long', { parts: 3 }));
    const first = store.outbound.claimPart('long', SIM_A, T0);
    expect(first).toMatchObject({ messageId: 'long', sequence: 1, total: 3, attempts: 0 });
    expect(first?.pduHex).toBe(message('long', { parts: 3 }).parts[0]!.pduHex);
    // One part in flight at a time, and never through another SIM.
    expect(store.outbound.claimPart('long', SIM_A, T0)).toBeUndefined();
    expect(store.outbound.claimPart('long', SIM_B, T0)).toBeUndefined();
    expect(store.outbound.getMessage('long')).toMatchObject({
      status: 'sending',
      iccid: null,
      senderIccid: SIM_A,
    });
    store.outbound.markPartSent('long', 1, SIM_A, 17, T0 + 1);
    expect(store.outbound.getMessage('long')?.status).toBe('sending');
    expect(store.outbound.claimPart('long', SIM_B, T0 + 2)).toBeUndefined();
    expect(store.outbound.claimPart('long', SIM_A, T0 + 2)?.sequence).toBe(2);
    store.outbound.markPartSent('long', 2, SIM_A, 18, T0 + 3);
    expect(store.outbound.claimPart('long', SIM_A, T0 + 4)?.sequence).toBe(3);
    store.outbound.markPartSent('long', 3, SIM_A, 19, T0 + 5);
    expect(store.outbound.claimPart('long', SIM_A, T0 + 6)).toBeUndefined();
    expect(store.outbound.getMessage('long')).toMatchObject({ status: 'sent', sentAt: T0 + 5 });
    expect(store.outbound.getParts('long').map((p) => p.messageReference)).toEqual([17, 18, 19]);
    expect(history('long').filter((h) => h.sequence === null)).toEqual([
      { sequence: null, status: 'queued', sim_iccid: null },
      { sequence: null, status: 'sending', sim_iccid: SIM_A },
      { sequence: null, status: 'sent', sim_iccid: SIM_A },
    ]);
    expect(events()).toMatchObject([
      { type: 'message.sent', id: 'long', status: 'sent', parts: 3, attempts: 1, sim_id: SIM_A },
    ]);
  });

  it('gives a message meant for one SIM to that SIM only', () => {
    store.outbound.enqueue(message('for-b', { iccid: SIM_B }));
    expect(store.outbound.claimPart('for-b', SIM_A, T0)).toBeUndefined();
    expect(store.outbound.claimPart('for-b', SIM_B, T0)?.messageId).toBe('for-b');
  });

  it('fails the whole message on a permanent error, with the error and an event', () => {
    store.outbound.enqueue(message('bad', { parts: 2 }));
    store.outbound.claimPart('bad', SIM_A, T0);
    store.outbound.markPartFailed(
      'bad',
      1,
      { permanent: true, cmsError: 21, detail: 'cms_21_short_message_transfer_rejected' },
      T0 + 1,
    );
    expect(store.outbound.getMessage('bad')).toMatchObject({
      status: 'failed',
      errorCode: 'sms_send_failed',
      cmsError: 21,
      errorDetail: 'cms_21_short_message_transfer_rejected',
    });
    expect(store.outbound.getParts('bad').map((p) => [p.status, p.cmsError])).toEqual([
      ['failed', 21],
      ['failed', null],
    ]);
    expect(store.outbound.claimPart('bad', SIM_A, T0 + 2)).toBeUndefined();
    expect(events()).toMatchObject([
      {
        type: 'message.failed',
        id: 'bad',
        attempts: 1,
        error: { code: 'sms_send_failed', cms_error: 21 },
      },
    ]);
  });

  it('lets another SIM retry at once after a temporary error, the failing SIM only later', () => {
    store.outbound.enqueue(message('m'));
    store.outbound.claimPart('m', SIM_A, T0);
    store.outbound.markPartFailed(
      'm',
      1,
      {
        permanent: false,
        cmsError: 38,
        detail: 'network out of order',
        retryAt: T0 + MINUTE,
        tryElsewhere: true,
      },
      T0 + 1,
    );
    expect(store.outbound.getMessage('m')).toMatchObject({ status: 'queued', senderIccid: null });
    expect(store.outbound.listRoutable(T0 + 1, 10, NONE)).toMatchObject([
      { id: 'm', avoidIccid: SIM_A, avoidUntil: T0 + MINUTE },
    ]);
    expect(store.outbound.getParts('m')).toMatchObject([
      { status: 'queued', attempts: 1, iccid: null, cmsError: 38 },
    ]);
    expect(store.outbound.claimPart('m', SIM_B, T0 + 2)).toMatchObject({ attempts: 1 });
    store.outbound.markPartSent('m', 1, SIM_B, 3, T0 + 3);
    // A late failure report for a part no longer being sent changes nothing.
    store.outbound.markPartFailed('m', 1, { permanent: true, cmsError: null, detail: 'late' }, T0);
    expect(store.outbound.getMessage('m')).toMatchObject({ status: 'sent', senderIccid: SIM_B });
  });

  it('keeps a message asked for one SIM, or half sent, on that SIM until retryAt', () => {
    store.outbound.enqueue(message('pinned', { iccid: SIM_A }));
    store.outbound.enqueue(message('long', { parts: 2 }));
    const temporary = { permanent: false, cmsError: null, detail: 't', tryElsewhere: true };
    store.outbound.claimPart('pinned', SIM_A, T0);
    store.outbound.markPartFailed('pinned', 1, { ...temporary, retryAt: T0 + MINUTE }, T0);
    store.outbound.claimPart('long', SIM_B, T0);
    store.outbound.markPartSent('long', 1, SIM_B, 1, T0);
    store.outbound.claimPart('long', SIM_B, T0);
    store.outbound.markPartFailed('long', 2, { ...temporary, retryAt: T0 + MINUTE }, T0);
    expect(store.outbound.getMessage('pinned')).toMatchObject({ senderIccid: SIM_A });
    expect(store.outbound.getMessage('long')).toMatchObject({
      status: 'queued',
      senderIccid: SIM_B,
    });
    expect(routable(T0 + MINUTE - 1, [SIM_A, SIM_B])).toEqual([]);
    expect(routable(T0 + MINUTE, [SIM_A, SIM_B])).toEqual(['pinned', 'long']);
    expect(store.outbound.claimPart('long', SIM_C, T0 + MINUTE)).toBeUndefined();
    expect(store.outbound.claimPart('long', SIM_B, T0 + MINUTE)).toMatchObject({
      sequence: 2,
      attempts: 1,
    });
  });

  it('expires what was not sent by valid_until, publishing message.failed', () => {
    store.outbound.enqueue(message('soon', { validUntil: T0 + MINUTE }));
    store.outbound.enqueue(message('never', { createdAt: T0 + 1 }));
    expect(store.outbound.expireDue(T0 + MINUTE - 1)).toEqual([]);
    expect(store.outbound.claimPart('soon', SIM_A, T0 + MINUTE)).toBeUndefined();
    expect(routable(T0 + MINUTE)).toEqual(['never']);
    expect(store.outbound.expireDue(T0 + MINUTE)).toEqual(['soon']);
    expect(store.outbound.getMessage('soon')).toMatchObject({
      status: 'expired',
      errorCode: 'sms_expired',
    });
    expect(store.outbound.getParts('soon').map((p) => p.status)).toEqual(['failed']);
    expect(events()).toMatchObject([{ type: 'message.failed', id: 'soon', status: 'expired' }]);
  });

  it('releases a message its SIM stopped working on, unless a part is in flight', () => {
    store.outbound.enqueue(message('m', { parts: 2 }));
    store.outbound.claimPart('m', SIM_A, T0);
    store.outbound.release('m', T0);
    expect(store.outbound.getMessage('m')?.status).toBe('sending');
    store.outbound.markPartSent('m', 1, SIM_A, 5, T0);
    store.outbound.release('m', T0 + 1);
    expect(store.outbound.getMessage('m')).toMatchObject({ status: 'queued', senderIccid: SIM_A });
  });

  it('requeues parts left sending by a crash, releasing messages nothing of went out', () => {
    store.outbound.enqueue(message('single'));
    store.outbound.enqueue(message('pinned', { iccid: SIM_B, createdAt: T0 + 1 }));
    store.outbound.enqueue(message('long', { parts: 2, createdAt: T0 + 2 }));
    const at = T0 + 10;
    store.outbound.claimPart('single', SIM_A, at);
    store.outbound.claimPart('pinned', SIM_B, at);
    store.outbound.claimPart('long', SIM_C, at);
    store.outbound.markPartSent('long', 1, SIM_C, 9, at);
    expect(store.outbound.claimPart('long', SIM_C, at)?.sequence).toBe(2);
    // Restart: a new connection on the same file.
    store.db.close();
    const restarted = fx.store(store.db.name);
    expect(restarted.outbound.requeueInterrupted(T0 + MINUTE, 'at-most-once')).toEqual({
      requeued: 3,
      unknown: 0,
      awaitingSlot: 0,
    });
    expect(restarted.outbound.getMessage('single')).toMatchObject({
      status: 'queued',
      senderIccid: null,
    });
    expect(restarted.outbound.getMessage('pinned')).toMatchObject({ senderIccid: SIM_B });
    expect(restarted.outbound.getMessage('long')).toMatchObject({
      status: 'queued',
      senderIccid: SIM_C,
    });
    expect(restarted.outbound.getParts('long').map((p) => [p.status, p.attempts])).toEqual([
      ['sent', 0],
      ['queued', 1],
    ]);
    expect(restarted.outbound.requeueInterrupted(T0 + MINUTE, 'at-most-once').requeued).toBe(0);
  });

  it('after a crash leaves a part in modem storage for its SIM, and a part sent with AT+CMGS unknown (at-most-once)', () => {
    store.outbound.enqueue(message('stored'));
    store.outbound.enqueue(message('direct', { createdAt: T0 + 1 }));
    store.outbound.enqueue(message('claimed', { createdAt: T0 + 2 }));
    const at = T0 + 10;
    store.outbound.claimPart('stored', SIM_A, at);
    store.outbound.recordStoredSlot('stored', 1, { storage: 'SM', index: 4 });
    store.outbound.claimPart('direct', SIM_B, at);
    store.outbound.recordDirectSend('direct', 1);
    store.outbound.claimPart('claimed', SIM_C, at);
    store.db.close();
    const restarted = fx.store(store.db.name);
    expect(restarted.outbound.requeueInterrupted(T0 + MINUTE, 'at-most-once')).toEqual({
      requeued: 1,
      unknown: 1,
      awaitingSlot: 1,
    });
    // Claimed only: it never reached the modem's transmitter, so it simply goes again.
    expect(restarted.outbound.getMessage('claimed')?.status).toBe('queued');
    // Sent with AT+CMGS: nothing can tell, so it is never sent again.
    expect(restarted.outbound.getMessage('direct')).toMatchObject({
      status: 'unknown',
      errorCode: 'sms_send_unknown',
    });
    expect(restarted.outbound.getParts('direct')[0]?.status).toBe('unknown');
    // In modem storage: still sending, named to its SIM for settling.
    expect(restarted.outbound.getMessage('stored')?.status).toBe('sending');
    expect(restarted.outbound.slottedParts(SIM_A)).toMatchObject([
      { messageId: 'stored', sequence: 1, status: 'sending', slot: { storage: 'SM', index: 4 } },
    ]);
    expect(restarted.outbound.slottedParts(SIM_B)).toEqual([]);
    expect(restarted.outbound.listRoutable(T0 + MINUTE, 10, NONE).map((m) => m.id)).toEqual([
      'claimed',
    ]);
    const published = restarted.db
      .prepare<[], { type: string; data: string }>(`SELECT type, data FROM events ORDER BY seq`)
      .all()
      .filter((e) => e.type === 'message.unknown')
      .map((e) => JSON.parse(e.data) as Record<string, unknown>);
    expect(published).toMatchObject([
      { id: 'direct', status: 'unknown', error: { code: 'sms_send_unknown' } },
    ]);
  });

  it('queues a part sent with AT+CMGS again after a crash when the operator chose at-least-once', () => {
    store.outbound.enqueue(message('direct'));
    store.outbound.claimPart('direct', SIM_B, T0);
    store.outbound.recordDirectSend('direct', 1);
    store.db.close();
    const restarted = fx.store(store.db.name);
    expect(restarted.outbound.requeueInterrupted(T0 + MINUTE, 'at-least-once')).toEqual({
      requeued: 1,
      unknown: 0,
      awaitingSlot: 0,
    });
    expect(restarted.outbound.getMessage('direct')?.status).toBe('queued');
  });

  it("keeps a sent part's slot until it is freed, records a sent part without reference, and gives a reused slot to the newest part", () => {
    store.outbound.enqueue(message('a'));
    store.outbound.enqueue(message('b', { createdAt: T0 + 1 }));
    store.outbound.claimPart('a', SIM_A, T0);
    store.outbound.recordStoredSlot('a', 1, { storage: 'SM', index: 1 });
    store.outbound.markPartSent('a', 1, SIM_A, null, T0 + 1);
    expect(store.outbound.getMessage('a')?.status).toBe('sent');
    expect(store.outbound.getParts('a')[0]).toMatchObject({
      status: 'sent',
      messageReference: null,
    });
    // Not freed yet (a crash before AT+CMGD): the SIM still has it to delete.
    expect(store.outbound.slottedParts(SIM_A)).toMatchObject([{ messageId: 'a', status: 'sent' }]);
    // The modem gave slot 1 to another message: the old content is gone.
    store.outbound.claimPart('b', SIM_A, T0 + 2);
    store.outbound.recordStoredSlot('b', 1, { storage: 'SM', index: 1 });
    expect(store.outbound.slottedParts(SIM_A).map((p) => p.messageId)).toEqual(['b']);
    store.outbound.clearSlot('b', 1, { storage: 'SM', index: 1 });
    expect(store.outbound.slottedParts(SIM_A)).toEqual([]);
  });

  it('ends a message unknown when one of its parts is, and sends none of the rest', () => {
    store.outbound.enqueue(message('long', { parts: 3 }));
    store.outbound.claimPart('long', SIM_A, T0);
    store.outbound.markPartSent('long', 1, SIM_A, 7, T0);
    store.outbound.claimPart('long', SIM_A, T0);
    store.outbound.markPartUnknown('long', 2, 'no answer', T0 + 1);
    expect(store.outbound.getMessage('long')).toMatchObject({
      status: 'unknown',
      errorDetail: 'no answer',
    });
    expect(store.outbound.getParts('long').map((p) => p.status)).toEqual([
      'sent',
      'unknown',
      'failed',
    ]);
    expect(store.outbound.hasClaimable(T0 + MINUTE)).toBe(false);
  });

  it('remembers when each SIM sent parts (throttles) and which SIMs are rented', () => {
    store.outbound.enqueue(message('a', { parts: 2 }));
    store.outbound.claimPart('a', SIM_A, T0);
    store.outbound.markPartSent('a', 1, SIM_A, 1, T0);
    store.outbound.claimPart('a', SIM_A, T0 + 5);
    expect(store.outbound.sendTimes(SIM_A, T0)).toEqual([T0, T0 + 5]);
    expect(store.outbound.sendTimes(SIM_A, T0 + 1)).toEqual([T0 + 5]);
    expect(store.outbound.sendTimes(SIM_B, 0)).toEqual([]);
    expect(store.outbound.simsOffLimits()).toEqual({ rented: new Set(), disabled: new Set() });
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

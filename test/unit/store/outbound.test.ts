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

/** What `work` rejected with, or undefined when it resolved. */
function rejected(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('SqliteOutboundRepository', () => {
  const fx = new StoreFixture();
  let store: Store;
  beforeEach(() => {
    store = fx.store();
  });
  afterEach(() => fx.close());

  const routable = async (at: number, free: string[] = []) =>
    (await store.outbound.listRoutable(at, 10, { ready: free, urgentReady: free })).map(
      (m) => m.id,
    );
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

  it('says whether any queued part is due, without claiming it', async () => {
    expect(await store.outbound.hasClaimable(T0)).toBe(false);
    await store.outbound.enqueue(message('m1'));
    expect(await store.outbound.hasClaimable(T0 - 1)).toBe(false);
    expect(await store.outbound.hasClaimable(T0)).toBe(true);
    const part = (await store.outbound.claimPart('m1', SIM_A, T0))!;
    expect(await store.outbound.hasClaimable(T0)).toBe(false);
    await store.outbound.markPartFailed(
      'm1',
      part.sequence,
      { permanent: false, cmsError: 42, detail: 'congestion', retryAt: T0 + MINUTE },
      T0,
    );
    expect(await store.outbound.hasClaimable(T0 + MINUTE - 1)).toBe(false);
    expect(await store.outbound.hasClaimable(T0 + MINUTE)).toBe(true);
  });

  it('lists routable messages by priority, then age, leaving out those bound to busy SIMs', async () => {
    await store.outbound.enqueue(message('old', { createdAt: T0 }));
    await store.outbound.enqueue(message('new', { createdAt: T0 + 1 }));
    await store.outbound.enqueue(message('urgent', { createdAt: T0 + 2, priority: 100 }));
    await store.outbound.enqueue(message('for-b', { createdAt: T0 - 1, iccid: SIM_B }));
    await store.outbound.enqueue(message('later', { createdAt: T0 + 5 }));
    expect(await routable(T0 + 5)).toEqual(['urgent', 'old', 'new', 'later']);
    expect(await routable(T0 + 5, [SIM_B])).toEqual(['urgent', 'for-b', 'old', 'new', 'later']);
    expect(await routable(T0 + 1)).toEqual(['old', 'new']);
    expect(await store.outbound.listRoutable(T0 + 5, 1, NONE)).toMatchObject([
      { id: 'urgent', priority: 100, senderIccid: null, avoidIccid: null },
    ]);
  });

  it('lists a message bound to a resting SIM only when urgent and the SIM takes urgent work', async () => {
    await store.outbound.enqueue(message('normal', { iccid: SIM_B }));
    await store.outbound.enqueue(message('urgent', { iccid: SIM_B, priority: 100 }));
    const listed = async (ready: string[], urgentReady: string[]) =>
      (await store.outbound.listRoutable(T0, 10, { ready, urgentReady })).map((m) => m.id);
    expect(await listed([], [])).toEqual([]);
    expect(await listed([], [SIM_B])).toEqual(['urgent']);
    expect(await listed([SIM_B], [SIM_B])).toEqual(['urgent', 'normal']);
  });

  it('finishes a half-sent message past valid_until instead of cutting it short', async () => {
    await store.outbound.enqueue(message('long', { parts: 2, validUntil: T0 + MINUTE }));
    await store.outbound.claimPart('long', SIM_A, T0);
    await store.outbound.markPartSent('long', 1, SIM_A, 1, T0);
    await store.outbound.release('long', T0);
    expect(await store.outbound.expireDue(T0 + MINUTE)).toEqual([]);
    expect(await routable(T0 + MINUTE, [SIM_A])).toEqual(['long']);
    expect((await store.outbound.claimPart('long', SIM_A, T0 + MINUTE))?.sequence).toBe(2);
    await store.outbound.markPartSent('long', 2, SIM_A, 2, T0 + MINUTE);
    expect((await store.outbound.getMessage('long'))?.status).toBe('sent');
  });

  it('does not requeue a part whose message failed while it was in flight', async () => {
    await store.outbound.enqueue(message('m', { parts: 2 }));
    await store.outbound.claimPart('m', SIM_A, T0);
    await store.outbound.markPartSent('m', 1, SIM_A, 1, T0);
    await store.outbound.claimPart('m', SIM_A, T0);
    store.db.prepare("UPDATE outbound_messages SET status = 'failed' WHERE id = 'm'").run();
    await store.outbound.markPartFailed(
      'm',
      2,
      { permanent: false, cmsError: 42, detail: 't' },
      T0,
    );
    expect(store.outbound.getParts('m').map((p) => p.status)).toEqual(['sent', 'failed']);
    expect(await store.outbound.hasClaimable(T0 + MINUTE)).toBe(false);
  });

  it('claims the parts of a message for one SIM, one at a time, in order', async () => {
    await store.outbound.enqueue(message('long', { parts: 3 }));
    const first = await store.outbound.claimPart('long', SIM_A, T0);
    expect(first).toMatchObject({ messageId: 'long', sequence: 1, total: 3, attempts: 0 });
    expect(first?.pduHex).toBe(message('long', { parts: 3 }).parts[0]!.pduHex);
    // One part in flight at a time, and never through another SIM.
    expect(await store.outbound.claimPart('long', SIM_A, T0)).toBeUndefined();
    expect(await store.outbound.claimPart('long', SIM_B, T0)).toBeUndefined();
    expect(await store.outbound.getMessage('long')).toMatchObject({
      status: 'sending',
      iccid: null,
      senderIccid: SIM_A,
    });
    await store.outbound.markPartSent('long', 1, SIM_A, 17, T0 + 1);
    expect((await store.outbound.getMessage('long'))?.status).toBe('sending');
    expect(await store.outbound.claimPart('long', SIM_B, T0 + 2)).toBeUndefined();
    expect((await store.outbound.claimPart('long', SIM_A, T0 + 2))?.sequence).toBe(2);
    await store.outbound.markPartSent('long', 2, SIM_A, 18, T0 + 3);
    expect((await store.outbound.claimPart('long', SIM_A, T0 + 4))?.sequence).toBe(3);
    await store.outbound.markPartSent('long', 3, SIM_A, 19, T0 + 5);
    expect(await store.outbound.claimPart('long', SIM_A, T0 + 6)).toBeUndefined();
    expect(await store.outbound.getMessage('long')).toMatchObject({
      status: 'sent',
      sentAt: T0 + 5,
    });
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

  it('gives a message meant for one SIM to that SIM only', async () => {
    await store.outbound.enqueue(message('for-b', { iccid: SIM_B }));
    expect(await store.outbound.claimPart('for-b', SIM_A, T0)).toBeUndefined();
    expect((await store.outbound.claimPart('for-b', SIM_B, T0))?.messageId).toBe('for-b');
  });

  it('fails the whole message on a permanent error, with the error and an event', async () => {
    await store.outbound.enqueue(message('bad', { parts: 2 }));
    await store.outbound.claimPart('bad', SIM_A, T0);
    await store.outbound.markPartFailed(
      'bad',
      1,
      { permanent: true, cmsError: 21, detail: 'cms_21_short_message_transfer_rejected' },
      T0 + 1,
    );
    expect(await store.outbound.getMessage('bad')).toMatchObject({
      status: 'failed',
      errorCode: 'sms_send_failed',
      cmsError: 21,
      errorDetail: 'cms_21_short_message_transfer_rejected',
    });
    expect(store.outbound.getParts('bad').map((p) => [p.status, p.cmsError])).toEqual([
      ['failed', 21],
      ['failed', null],
    ]);
    expect(await store.outbound.claimPart('bad', SIM_A, T0 + 2)).toBeUndefined();
    expect(events()).toMatchObject([
      {
        type: 'message.failed',
        id: 'bad',
        attempts: 1,
        error: { code: 'sms_send_failed', cms_error: 21 },
      },
    ]);
  });

  it('lets another SIM retry at once after a temporary error, the failing SIM only later', async () => {
    await store.outbound.enqueue(message('m'));
    await store.outbound.claimPart('m', SIM_A, T0);
    await store.outbound.markPartFailed(
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
    expect(await store.outbound.getMessage('m')).toMatchObject({
      status: 'queued',
      senderIccid: null,
    });
    expect(await store.outbound.listRoutable(T0 + 1, 10, NONE)).toMatchObject([
      { id: 'm', avoidIccid: SIM_A, avoidUntil: T0 + MINUTE },
    ]);
    expect(store.outbound.getParts('m')).toMatchObject([
      { status: 'queued', attempts: 1, iccid: null, cmsError: 38 },
    ]);
    expect(await store.outbound.claimPart('m', SIM_B, T0 + 2)).toMatchObject({ attempts: 1 });
    await store.outbound.markPartSent('m', 1, SIM_B, 3, T0 + 3);
    // A late failure report for a part no longer being sent changes nothing.
    await store.outbound.markPartFailed(
      'm',
      1,
      { permanent: true, cmsError: null, detail: 'late' },
      T0,
    );
    expect(await store.outbound.getMessage('m')).toMatchObject({
      status: 'sent',
      senderIccid: SIM_B,
    });
  });

  it('keeps a message asked for one SIM, or half sent, on that SIM until retryAt', async () => {
    await store.outbound.enqueue(message('pinned', { iccid: SIM_A }));
    await store.outbound.enqueue(message('long', { parts: 2 }));
    const temporary = { permanent: false, cmsError: null, detail: 't', tryElsewhere: true };
    await store.outbound.claimPart('pinned', SIM_A, T0);
    await store.outbound.markPartFailed('pinned', 1, { ...temporary, retryAt: T0 + MINUTE }, T0);
    await store.outbound.claimPart('long', SIM_B, T0);
    await store.outbound.markPartSent('long', 1, SIM_B, 1, T0);
    await store.outbound.claimPart('long', SIM_B, T0);
    await store.outbound.markPartFailed('long', 2, { ...temporary, retryAt: T0 + MINUTE }, T0);
    expect(await store.outbound.getMessage('pinned')).toMatchObject({ senderIccid: SIM_A });
    expect(await store.outbound.getMessage('long')).toMatchObject({
      status: 'queued',
      senderIccid: SIM_B,
    });
    expect(await routable(T0 + MINUTE - 1, [SIM_A, SIM_B])).toEqual([]);
    expect(await routable(T0 + MINUTE, [SIM_A, SIM_B])).toEqual(['pinned', 'long']);
    expect(await store.outbound.claimPart('long', SIM_C, T0 + MINUTE)).toBeUndefined();
    expect(await store.outbound.claimPart('long', SIM_B, T0 + MINUTE)).toMatchObject({
      sequence: 2,
      attempts: 1,
    });
  });

  it('expires what was not sent by valid_until, publishing message.failed', async () => {
    await store.outbound.enqueue(message('soon', { validUntil: T0 + MINUTE }));
    await store.outbound.enqueue(message('never', { createdAt: T0 + 1 }));
    expect(await store.outbound.expireDue(T0 + MINUTE - 1)).toEqual([]);
    expect(await store.outbound.claimPart('soon', SIM_A, T0 + MINUTE)).toBeUndefined();
    expect(await routable(T0 + MINUTE)).toEqual(['never']);
    expect(await store.outbound.expireDue(T0 + MINUTE)).toEqual(['soon']);
    expect(await store.outbound.getMessage('soon')).toMatchObject({
      status: 'expired',
      errorCode: 'sms_expired',
    });
    expect(store.outbound.getParts('soon').map((p) => p.status)).toEqual(['failed']);
    expect(events()).toMatchObject([{ type: 'message.failed', id: 'soon', status: 'expired' }]);
  });

  it('releases a message its SIM stopped working on, unless a part is in flight', async () => {
    await store.outbound.enqueue(message('m', { parts: 2 }));
    await store.outbound.claimPart('m', SIM_A, T0);
    await store.outbound.release('m', T0);
    expect((await store.outbound.getMessage('m'))?.status).toBe('sending');
    await store.outbound.markPartSent('m', 1, SIM_A, 5, T0);
    await store.outbound.release('m', T0 + 1);
    expect(await store.outbound.getMessage('m')).toMatchObject({
      status: 'queued',
      senderIccid: SIM_A,
    });
  });

  it('requeues parts left sending by a crash, releasing messages nothing of went out', async () => {
    await store.outbound.enqueue(message('single'));
    await store.outbound.enqueue(message('pinned', { iccid: SIM_B, createdAt: T0 + 1 }));
    await store.outbound.enqueue(message('long', { parts: 2, createdAt: T0 + 2 }));
    const at = T0 + 10;
    await store.outbound.claimPart('single', SIM_A, at);
    await store.outbound.claimPart('pinned', SIM_B, at);
    await store.outbound.claimPart('long', SIM_C, at);
    await store.outbound.markPartSent('long', 1, SIM_C, 9, at);
    expect((await store.outbound.claimPart('long', SIM_C, at))?.sequence).toBe(2);
    // Restart: a new connection on the same file.
    store.db.close();
    const restarted = fx.store(store.db.name);
    expect(await restarted.outbound.requeueInterrupted(T0 + MINUTE, 'at-most-once')).toEqual({
      requeued: 3,
      unknown: 0,
      awaitingSlot: 0,
    });
    expect(await restarted.outbound.getMessage('single')).toMatchObject({
      status: 'queued',
      senderIccid: null,
    });
    expect(await restarted.outbound.getMessage('pinned')).toMatchObject({ senderIccid: SIM_B });
    expect(await restarted.outbound.getMessage('long')).toMatchObject({
      status: 'queued',
      senderIccid: SIM_C,
    });
    expect(restarted.outbound.getParts('long').map((p) => [p.status, p.attempts])).toEqual([
      ['sent', 0],
      ['queued', 1],
    ]);
    expect(
      (await restarted.outbound.requeueInterrupted(T0 + MINUTE, 'at-most-once')).requeued,
    ).toBe(0);
  });

  it('after a crash leaves a part in modem storage for its SIM, and a part sent with AT+CMGS unknown (at-most-once)', async () => {
    await store.outbound.enqueue(message('stored'));
    await store.outbound.enqueue(message('direct', { createdAt: T0 + 1 }));
    await store.outbound.enqueue(message('claimed', { createdAt: T0 + 2 }));
    const at = T0 + 10;
    await store.outbound.claimPart('stored', SIM_A, at);
    await store.outbound.recordStoredSlot('stored', 1, { storage: 'SM', index: 4 });
    await store.outbound.claimPart('direct', SIM_B, at);
    await store.outbound.recordDirectSend('direct', 1);
    await store.outbound.claimPart('claimed', SIM_C, at);
    store.db.close();
    const restarted = fx.store(store.db.name);
    expect(await restarted.outbound.requeueInterrupted(T0 + MINUTE, 'at-most-once')).toEqual({
      requeued: 1,
      unknown: 1,
      awaitingSlot: 1,
    });
    // Claimed only: it never reached the modem's transmitter, so it simply goes again.
    expect((await restarted.outbound.getMessage('claimed'))?.status).toBe('queued');
    // Sent with AT+CMGS: nothing can tell, so it is never sent again.
    expect(await restarted.outbound.getMessage('direct')).toMatchObject({
      status: 'unknown',
      errorCode: 'sms_send_unknown',
    });
    expect(restarted.outbound.getParts('direct')[0]?.status).toBe('unknown');
    // In modem storage: still sending, named to its SIM for settling.
    expect((await restarted.outbound.getMessage('stored'))?.status).toBe('sending');
    expect(await restarted.outbound.slottedParts(SIM_A)).toMatchObject([
      { messageId: 'stored', sequence: 1, status: 'sending', slot: { storage: 'SM', index: 4 } },
    ]);
    expect(await restarted.outbound.slottedParts(SIM_B)).toEqual([]);
    expect((await restarted.outbound.listRoutable(T0 + MINUTE, 10, NONE)).map((m) => m.id)).toEqual(
      ['claimed'],
    );
    const published = restarted.db
      .prepare<[], { type: string; data: string }>(`SELECT type, data FROM events ORDER BY seq`)
      .all()
      .filter((e) => e.type === 'message.unknown')
      .map((e) => JSON.parse(e.data) as Record<string, unknown>);
    expect(published).toMatchObject([
      { id: 'direct', status: 'unknown', error: { code: 'sms_send_unknown' } },
    ]);
  });

  it('queues a part sent with AT+CMGS again after a crash when the operator chose at-least-once', async () => {
    await store.outbound.enqueue(message('direct'));
    await store.outbound.claimPart('direct', SIM_B, T0);
    await store.outbound.recordDirectSend('direct', 1);
    store.db.close();
    const restarted = fx.store(store.db.name);
    expect(await restarted.outbound.requeueInterrupted(T0 + MINUTE, 'at-least-once')).toEqual({
      requeued: 1,
      unknown: 0,
      awaitingSlot: 0,
    });
    expect((await restarted.outbound.getMessage('direct'))?.status).toBe('queued');
  });

  it("keeps a sent part's slot until it is freed, records a sent part without reference, and gives a reused slot to the newest part", async () => {
    await store.outbound.enqueue(message('a'));
    await store.outbound.enqueue(message('b', { createdAt: T0 + 1 }));
    await store.outbound.claimPart('a', SIM_A, T0);
    await store.outbound.recordStoredSlot('a', 1, { storage: 'SM', index: 1 });
    await store.outbound.markPartSent('a', 1, SIM_A, null, T0 + 1);
    expect((await store.outbound.getMessage('a'))?.status).toBe('sent');
    expect(store.outbound.getParts('a')[0]).toMatchObject({
      status: 'sent',
      messageReference: null,
    });
    // Not freed yet (a crash before AT+CMGD): the SIM still has it to delete.
    expect(await store.outbound.slottedParts(SIM_A)).toMatchObject([
      { messageId: 'a', status: 'sent' },
    ]);
    // The modem gave slot 1 to another message: the old content is gone.
    await store.outbound.claimPart('b', SIM_A, T0 + 2);
    await store.outbound.recordStoredSlot('b', 1, { storage: 'SM', index: 1 });
    expect((await store.outbound.slottedParts(SIM_A)).map((p) => p.messageId)).toEqual(['b']);
    await store.outbound.clearSlot('b', 1, { storage: 'SM', index: 1 });
    expect(await store.outbound.slottedParts(SIM_A)).toEqual([]);
  });

  it('ends a message unknown when one of its parts is, and sends none of the rest', async () => {
    await store.outbound.enqueue(message('long', { parts: 3 }));
    await store.outbound.claimPart('long', SIM_A, T0);
    await store.outbound.markPartSent('long', 1, SIM_A, 7, T0);
    await store.outbound.claimPart('long', SIM_A, T0);
    await store.outbound.markPartUnknown('long', 2, 'no answer', T0 + 1);
    expect(await store.outbound.getMessage('long')).toMatchObject({
      status: 'unknown',
      errorDetail: 'no answer',
    });
    expect(store.outbound.getParts('long').map((p) => p.status)).toEqual([
      'sent',
      'unknown',
      'failed',
    ]);
    expect(await store.outbound.hasClaimable(T0 + MINUTE)).toBe(false);
  });

  it('remembers when each SIM sent parts (throttles) and which SIMs are rented', async () => {
    await store.outbound.enqueue(message('a', { parts: 2 }));
    await store.outbound.claimPart('a', SIM_A, T0);
    await store.outbound.markPartSent('a', 1, SIM_A, 1, T0);
    await store.outbound.claimPart('a', SIM_A, T0 + 5);
    expect(await store.outbound.sendTimes(SIM_A, T0)).toEqual([T0, T0 + 5]);
    expect(await store.outbound.sendTimes(SIM_A, T0 + 1)).toEqual([T0 + 5]);
    expect(await store.outbound.sendTimes(SIM_B, 0)).toEqual([]);
    expect(await store.outbound.simsOffLimits()).toEqual({
      rented: new Set(),
      disabled: new Set(),
    });
  });

  it('refuses a message without parts or with an id already used, writing nothing', async () => {
    await store.outbound.enqueue(message('m'));
    const empty = { ...message('empty'), parts: [] };
    expect(isSimpoolError(await rejected(store.outbound.enqueue(empty)), 'invalid_argument')).toBe(
      true,
    );
    const twice = await rejected(store.outbound.enqueue(message('m', { parts: 2 })));
    expect(isSimpoolError(twice, 'invalid_argument')).toBe(true);
    expect(countRows(store.db, 'outbound_messages')).toBe(1);
    expect(countRows(store.db, 'outbound_parts')).toBe(1);
  });

  it('reports an unknown part as not_found', async () => {
    const error = await rejected(store.outbound.markPartSent('nope', 1, SIM_A, 1, T0));
    expect(isSimpoolError(error, 'not_found')).toBe(true);
    expect(await store.outbound.getMessage('nope')).toBeUndefined();
  });
});

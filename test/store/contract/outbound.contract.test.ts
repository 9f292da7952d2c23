/**
 * OutboundRepository on both engines: every method, the same answers. Moved from the SQLite
 * repository's unit tests; the PostgreSQL races between hosts are in
 * test/store/postgres-outbound-hosts.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SendStep } from '../../../src/pool/index.js';
import { isSimpoolError } from '../../../src/shared/index.js';
import { MINUTE, SIM_A, SIM_B, T0, outboundMessage as message } from '../../unit/store/helpers.js';
import { ENGINES } from './engines.js';
import { openOutboundEngine, type OutboundEngine, type OutboundStore } from './outbound-fixture.js';

const SIM_C = '8949020000000000037';
/** A SIM driven by another host sharing the database. */
const SIM_ELSEWHERE = '8949020000000000045';
/** No SIM free: only messages any SIM may take. */
const NONE = { ready: [], urgentReady: [] };

/** What `work` rejected with, or undefined when it resolved. */
function rejected(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => undefined,
    (error: unknown) => error,
  );
}

for (const engine of ENGINES) {
  describe(`OutboundRepository on ${engine}`, () => {
    let fx: OutboundEngine;
    let store: OutboundStore;
    beforeEach(async () => {
      fx = await openOutboundEngine(engine);
      for (const sim of [SIM_A, SIM_B, SIM_C]) await fx.seedSim(sim);
      await fx.seedSim(SIM_ELSEWHERE, { host: 'host-b' });
      store = fx.store();
    });
    afterEach(() => fx.close());

    const routable = async (at: number, free: string[] = []) =>
      (await store.outbound.listRoutable(at, 10, { ready: free, urgentReady: free })).map(
        (m) => m.id,
      );
    const parts = async (id: string) => await store.outbound.getParts(id);
    const count = async (table: string) =>
      (await fx.opened.rows<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]?.n;

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
      await store.outbound.enqueue(message('same-time', { createdAt: T0 + 5 }));
      expect(await routable(T0 + 5)).toEqual(['urgent', 'old', 'new', 'later', 'same-time']);
      expect(await routable(T0 + 5, [SIM_B])).toEqual([
        'urgent',
        'for-b',
        'old',
        'new',
        'later',
        'same-time',
      ]);
      expect(await routable(T0 + 1)).toEqual(['old', 'new']);
      expect(await store.outbound.listRoutable(T0 + 5, 1, NONE)).toEqual([
        {
          id: 'urgent',
          toCountry: null,
          priority: 100,
          senderIccid: null,
          avoidIccid: null,
          avoidUntil: null,
        },
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
      await fx.opened.exec("UPDATE outbound_messages SET status = 'failed' WHERE id = 'm'");
      await store.outbound.markPartFailed(
        'm',
        2,
        { permanent: false, cmsError: 42, detail: 't' },
        T0,
      );
      expect((await parts('m')).map((p) => p.status)).toEqual(['sent', 'failed']);
      expect(await store.outbound.hasClaimable(T0 + MINUTE)).toBe(false);
    });

    it('claims the parts of a message for one SIM, one at a time, in order', async () => {
      await store.outbound.enqueue(message('long', { parts: 3 }));
      const first = await store.outbound.claimPart('long', SIM_A, T0);
      expect(first).toEqual({
        messageId: 'long',
        sequence: 1,
        total: 3,
        pduHex: message('long', { parts: 3 }).parts[0]!.pduHex,
        tpduLength: message('long', { parts: 3 }).parts[0]!.tpduLength,
        to: '+4917612345678',
        attempts: 0,
      });
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
      expect(await store.outbound.getMessage('long')).toEqual({
        id: 'long',
        to: '+4917612345678',
        body: message('long', { parts: 3 }).body,
        iccid: null,
        senderIccid: SIM_A,
        status: 'sent',
        partCount: 3,
        priority: 0,
        deliveryReport: true,
        validUntil: null,
        customerId: null,
        errorCode: null,
        errorDetail: null,
        cmsError: null,
        createdAt: T0,
        sentAt: T0 + 5,
        deliveredAt: null,
      });
      expect((await parts('long')).map((p) => p.messageReference)).toEqual([17, 18, 19]);
      expect((await fx.history('long')).filter((h) => h.sequence === null)).toEqual([
        { sequence: null, status: 'queued', sim_iccid: null },
        { sequence: null, status: 'sending', sim_iccid: SIM_A },
        { sequence: null, status: 'sent', sim_iccid: SIM_A },
      ]);
      expect(await fx.events()).toMatchObject([
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
      expect((await parts('bad')).map((p) => [p.status, p.cmsError])).toEqual([
        ['failed', 21],
        ['failed', null],
      ]);
      expect(await store.outbound.claimPart('bad', SIM_A, T0 + 2)).toBeUndefined();
      expect(await fx.events()).toMatchObject([
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
      expect(await parts('m')).toMatchObject([
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
      expect(await store.outbound.expireDue(T0 + MINUTE)).toEqual([]);
      expect(await store.outbound.getMessage('soon')).toMatchObject({
        status: 'expired',
        errorCode: 'sms_expired',
      });
      expect((await parts('soon')).map((p) => p.status)).toEqual(['failed']);
      expect(await fx.events()).toMatchObject([
        { type: 'message.failed', id: 'soon', status: 'expired' },
      ]);
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
      // Releasing a message nobody knows changes nothing.
      await store.outbound.release('nope', T0 + 1);
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
      const restarted = await fx.restart();
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
      expect(
        (await restarted.outbound.getParts('long')).map((p) => [p.status, p.attempts]),
      ).toEqual([
        ['sent', 0],
        ['queued', 1],
      ]);
      expect(
        (await restarted.outbound.requeueInterrupted(T0 + MINUTE, 'at-most-once')).requeued,
      ).toBe(0);
    });

    it("leaves another host's parts in flight alone at start-up", async () => {
      await store.outbound.enqueue(message('mine'));
      await store.outbound.enqueue(message('theirs', { parts: 2 }));
      await store.outbound.claimPart('mine', SIM_A, T0);
      // Another host sent the first part through its SIM and is sending the second.
      await store.outbound.claimPart('theirs', SIM_ELSEWHERE, T0);
      await store.outbound.markPartSent('theirs', 1, SIM_ELSEWHERE, 4, T0);
      await store.outbound.claimPart('theirs', SIM_ELSEWHERE, T0);
      const restarted = await fx.restart();
      expect(await restarted.outbound.requeueInterrupted(T0 + MINUTE, 'at-most-once')).toEqual({
        requeued: 1,
        unknown: 0,
        awaitingSlot: 0,
      });
      expect((await restarted.outbound.getMessage('mine'))?.status).toBe('queued');
      expect((await restarted.outbound.getMessage('theirs'))?.status).toBe('sending');
      expect((await restarted.outbound.getParts('theirs')).map((p) => p.status)).toEqual([
        'sent',
        'sending',
      ]);
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
      const restarted = await fx.restart();
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
      expect((await restarted.outbound.getParts('direct'))[0]?.status).toBe('unknown');
      // In modem storage: still sending, named to its SIM for settling.
      expect((await restarted.outbound.getMessage('stored'))?.status).toBe('sending');
      expect(await restarted.outbound.slottedParts(SIM_A)).toEqual([
        {
          messageId: 'stored',
          sequence: 1,
          status: 'sending',
          pduHex: message('stored').parts[0]!.pduHex,
          attempts: 0,
          slot: { storage: 'SM', index: 4 },
        },
      ]);
      expect(await restarted.outbound.slottedParts(SIM_B)).toEqual([]);
      expect(
        (await restarted.outbound.listRoutable(T0 + MINUTE, 10, NONE)).map((m) => m.id),
      ).toEqual(['claimed']);
      const published = (await fx.events()).filter((e) => e.type === 'message.unknown');
      expect(published).toMatchObject([
        { id: 'direct', status: 'unknown', error: { code: 'sms_send_unknown' } },
      ]);
    });

    it('queues a part sent with AT+CMGS again after a crash when the operator chose at-least-once', async () => {
      await store.outbound.enqueue(message('direct'));
      await store.outbound.claimPart('direct', SIM_B, T0);
      await store.outbound.recordDirectSend('direct', 1);
      const restarted = await fx.restart();
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
      expect((await parts('a'))[0]).toMatchObject({ status: 'sent', messageReference: null });
      // Not freed yet (a crash before AT+CMGD): the SIM still has it to delete.
      expect(await store.outbound.slottedParts(SIM_A)).toMatchObject([
        { messageId: 'a', status: 'sent' },
      ]);
      // The modem gave slot 1 to another message: the old content is gone.
      await store.outbound.claimPart('b', SIM_A, T0 + 2);
      await store.outbound.recordStoredSlot('b', 1, { storage: 'SM', index: 1 });
      expect((await store.outbound.slottedParts(SIM_A)).map((p) => p.messageId)).toEqual(['b']);
      // A slot the part no longer names is not cleared; the one it names is.
      await store.outbound.clearSlot('b', 1, { storage: 'SM', index: 2 });
      expect(await store.outbound.slottedParts(SIM_A)).toHaveLength(1);
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
      expect((await parts('long')).map((p) => p.status)).toEqual(['sent', 'unknown', 'failed']);
      expect(await store.outbound.hasClaimable(T0 + MINUTE)).toBe(false);
      expect(await fx.events()).toMatchObject([
        { type: 'message.unknown', id: 'long', error: { code: 'sms_send_unknown' } },
      ]);
    });

    it('remembers when each SIM sent parts (throttles) and which SIMs are rented or disabled', async () => {
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
      await fx.opened.exec('UPDATE sims SET enabled = 0 WHERE iccid = ?', [SIM_C]);
      await fx.opened.exec(
        `INSERT INTO customers (id, email, created_at) VALUES ('cus_1', 'a@b.c', 0)`,
      );
      await fx.opened.exec(
        `INSERT INTO api_keys (id, customer_id, prefix, key_hash, scopes, sandbox, created_at)
         VALUES ('key_1', 'cus_1', 'sk', 'hash', '[]', 0, 0)`,
      );
      await fx.opened.exec(
        `INSERT INTO orders (id, activation_id, customer_id, api_key_id, sandbox, service,
           country, price_units, sim_iccid, phone_number, status, created_at, number_assigned_at,
           hold_until, expires_at, updated_at)
         VALUES ('ord_1', 1, 'cus_1', 'key_1', 0, 'tg', 'DE', 10, ?, '+49', 'waiting', 0, 0, 0,
           0, 0)`,
        [SIM_B],
      );
      expect(await store.outbound.simsOffLimits()).toEqual({
        rented: new Set([SIM_B]),
        disabled: new Set([SIM_C]),
      });
    });

    it('refuses a message without parts or with an id already used, writing nothing', async () => {
      await store.outbound.enqueue(message('m'));
      const empty = { ...message('empty'), parts: [] };
      expect(
        isSimpoolError(await rejected(store.outbound.enqueue(empty)), 'invalid_argument'),
      ).toBe(true);
      const twice = await rejected(store.outbound.enqueue(message('m', { parts: 2 })));
      expect(isSimpoolError(twice, 'invalid_argument')).toBe(true);
      expect(await count('outbound_messages')).toBe(1);
      expect(await count('outbound_parts')).toBe(1);
      expect(await count('outbound_history')).toBe(1);
    });

    it('reports an unknown part as not_found', async () => {
      const error = await rejected(store.outbound.markPartSent('nope', 1, SIM_A, 1, T0));
      expect(isSimpoolError(error, 'not_found')).toBe(true);
      // Thunks: each write starts only when its rejection is awaited (none goes unhandled).
      for (const write of [
        () =>
          store.outbound.markPartFailed(
            'nope',
            1,
            { permanent: true, cmsError: null, detail: 'x' },
            T0,
          ),
        () => store.outbound.markPartUnknown('nope', 1, 'x', T0),
        () => store.outbound.recordStoredSlot('nope', 1, { storage: 'SM', index: 1 }),
      ]) {
        expect(isSimpoolError(await rejected(write()), 'not_found')).toBe(true);
      }
      expect(await store.outbound.getMessage('nope')).toBeUndefined();
      expect(await store.outbound.getParts('nope')).toEqual([]);
    });

    it('applies the steps of one moment together, a failing step rolled back alone', async () => {
      await store.outbound.enqueue(message('a', { parts: 2 }));
      await store.outbound.enqueue(message('b'));
      expect(await store.outbound.applySendSteps([])).toEqual([]);
      const steps: SendStep[] = [
        { kind: 'claimPart', messageId: 'a', iccid: SIM_A, at: T0 },
        { kind: 'claimPart', messageId: 'b', iccid: SIM_B, at: T0 },
        // Fails half-way (no such part): nothing of it may stay.
        {
          kind: 'markPartSent',
          messageId: 'a',
          sequence: 9,
          iccid: SIM_A,
          messageReference: 1,
          at: T0,
        },
        {
          kind: 'recordStoredSlot',
          messageId: 'a',
          sequence: 1,
          slot: { storage: 'ME', index: 3 },
        },
        { kind: 'recordDirectSend', messageId: 'b', sequence: 1 },
        {
          kind: 'markPartSent',
          messageId: 'a',
          sequence: 1,
          iccid: SIM_A,
          messageReference: 11,
          at: T0 + 1,
        },
        { kind: 'clearSlot', messageId: 'a', sequence: 1, slot: { storage: 'ME', index: 3 } },
        { kind: 'release', messageId: 'a', at: T0 + 2 },
        { kind: 'claimPart', messageId: 'a', iccid: SIM_B, at: T0 + 2 },
        {
          kind: 'markPartFailed',
          messageId: 'b',
          sequence: 1,
          failure: { permanent: true, cmsError: 8, detail: 'barred' },
          at: T0 + 3,
        },
        { kind: 'claimPart', messageId: 'a', iccid: SIM_A, at: T0 + 3 },
        { kind: 'markPartUnknown', messageId: 'a', sequence: 2, detail: 'no answer', at: T0 + 4 },
      ];
      const outcomes = await store.outbound.applySendSteps(steps);
      expect(
        outcomes.map((o) =>
          o.ok ? (o.part ? `part ${o.part.messageId}#${o.part.sequence}` : 'ok') : 'failed',
        ),
      ).toEqual([
        'part a#1',
        'part b#1',
        'failed',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        // Bound to SIM_A, whose first part went out: not another SIM's.
        'ok',
        'ok',
        'part a#2',
        'ok',
      ]);
      const failed = outcomes[2]!;
      expect(!failed.ok && isSimpoolError(failed.error, 'not_found')).toBe(true);
      expect(await store.outbound.getMessage('a')).toMatchObject({
        status: 'unknown',
        senderIccid: SIM_A,
      });
      expect(await store.outbound.getMessage('b')).toMatchObject({
        status: 'failed',
        cmsError: 8,
      });
      expect(await parts('a')).toMatchObject([
        { status: 'sent', messageReference: 11 },
        { status: 'unknown' },
      ]);
      expect(await store.outbound.slottedParts(SIM_A)).toEqual([]);
      expect((await fx.events()).map((e) => [e.type, e.id])).toEqual([
        ['message.failed', 'b'],
        ['message.unknown', 'a'],
      ]);
    });
  });
}

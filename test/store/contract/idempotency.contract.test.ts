/**
 * IdempotencyPort on both engines: a claim takes a key or finds its live record; complete,
 * release; dead records (expired, or in flight and abandoned, or held by a dead holder) give way
 * to a new claim, which keeps the effect the dead attempt recorded.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimHolder, IdempotencyPort } from '../../../src/domain/index.js';
import { accountPorts } from './account-ports.js';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const HOUR = 3_600_000;
const TTL = 24 * HOUR;
const LEASE = 5 * 60_000;
/** A lease end no clock of this test reaches (year 2096). */
const FAR_AHEAD = 4_000_000_000_000;
/** The limits the API uses, at `now`. */
const limitsAt = (now: number) => ({ expiredBefore: now - TTL, abandonedBefore: now - LEASE });

for (const engine of ENGINES) {
  describe(`IdempotencyPort on ${engine}`, () => {
    let db: EngineDatabase;
    let port: IdempotencyPort;

    beforeEach(async () => {
      db = await openEngineDatabase(engine, 'idempotency');
      port = accountPorts(db.current()).idempotency;
      attempts = 0;
    });
    afterEach(() => db.close());

    let attempts = 0;
    const claim = (
      key: string,
      now: number,
      fingerprint = 'fp-1',
      scope = 'cus_a:live',
      holder: ClaimHolder | null = null,
    ) =>
      port.claim(
        { scope, key, fingerprint, claimId: `c${++attempts}`, holder },
        now,
        limitsAt(now),
      );

    it('takes a free key, then answers with its record: in flight, then completed', async () => {
      expect(await claim('k1', T0)).toBeNull();
      expect(await claim('k1', T0 + 1, 'fp-2')).toEqual({
        scope: 'cus_a:live',
        key: 'k1',
        fingerprint: 'fp-1',
        createdAt: T0,
        response: null,
      });
      await port.complete('cus_a:live', 'k1', { statusCode: 201, body: '{"id":1}' }, T0 + 2);
      // A completed record is never overwritten by a second completion.
      await port.complete('cus_a:live', 'k1', { statusCode: 500, body: 'late' }, T0 + 3);
      expect(await claim('k1', T0 + 4)).toEqual({
        scope: 'cus_a:live',
        key: 'k1',
        fingerprint: 'fp-1',
        createdAt: T0,
        response: { statusCode: 201, body: '{"id":1}' },
      });
      expect(
        await db.rows('SELECT status_code, completed_at FROM idempotency_keys WHERE key = ?', [
          'k1',
        ]),
      ).toEqual([{ status_code: 201, completed_at: T0 + 2 }]);
    });

    it('keeps keys of different scopes apart', async () => {
      expect(await claim('k1', T0, 'fp-1', 'cus_a:live')).toBeNull();
      expect(await claim('k1', T0, 'fp-1', 'cus_a:test')).toBeNull();
      expect(await claim('k1', T0, 'fp-1', 'cus_b:live')).toBeNull();
      expect(await claim('k1', T0, 'fp-1', 'cus_a:test')).toMatchObject({ scope: 'cus_a:test' });
    });

    it('releases an in-flight claim but never a completed record', async () => {
      expect(await claim('k1', T0)).toBeNull();
      await port.release('cus_a:live', 'k1');
      expect(await claim('k1', T0 + 1, 'fp-2')).toBeNull();
      await port.complete('cus_a:live', 'k1', { statusCode: 200, body: '{}' }, T0 + 2);
      await port.release('cus_a:live', 'k1');
      expect(await claim('k1', T0 + 3)).toMatchObject({
        fingerprint: 'fp-2',
        response: { statusCode: 200, body: '{}' },
      });
      await port.release('cus_a:live', 'unknown'); // nothing to release: no error
    });

    it('replaces an in-flight claim abandoned past the lease, not a completed record', async () => {
      expect(await claim('stuck', T0)).toBeNull();
      expect(await claim('done', T0)).toBeNull();
      await port.complete('cus_a:live', 'done', { statusCode: 201, body: 'x' }, T0);
      expect(await claim('stuck', T0 + LEASE)).toMatchObject({ response: null, createdAt: T0 });
      expect(await claim('stuck', T0 + LEASE + 1, 'fp-new')).toBeNull();
      expect(await claim('stuck', T0 + LEASE + 2)).toEqual({
        scope: 'cus_a:live',
        key: 'stuck',
        fingerprint: 'fp-new',
        createdAt: T0 + LEASE + 1,
        response: null,
      });
      expect(await claim('done', T0 + LEASE + 1)).toMatchObject({
        response: { statusCode: 201, body: 'x' },
      });
    });

    it('forgets records older than the time to live, of every scope, at the next claim', async () => {
      expect(await claim('old', T0, 'fp-1', 'cus_a:live')).toBeNull();
      await port.complete('cus_a:live', 'old', { statusCode: 201, body: 'x' }, T0);
      expect(await claim('other', T0, 'fp-1', 'cus_b:live')).toBeNull();
      await port.complete('cus_b:live', 'other', { statusCode: 201, body: 'y' }, T0);
      expect(await claim('recent', T0 + HOUR, 'fp-1', 'cus_c:live')).toBeNull();
      expect(await claim('old', T0 + TTL, 'fp-1', 'cus_a:live')).toMatchObject({
        response: { statusCode: 201, body: 'x' },
      });
      expect(await claim('old', T0 + TTL + 1, 'fp-2', 'cus_a:live')).toBeNull();
      expect(
        await db.rows<{ scope: string; key: string; fingerprint: string }>(
          'SELECT scope, key, fingerprint FROM idempotency_keys ORDER BY scope, key',
        ),
      ).toEqual([
        { scope: 'cus_a:live', key: 'old', fingerprint: 'fp-2' },
        { scope: 'cus_c:live', key: 'recent', fingerprint: 'fp-1' },
      ]);
    });

    it('keeps its records across a restart', async () => {
      expect(await claim('k1', T0)).toBeNull();
      await port.complete('cus_a:live', 'k1', { statusCode: 201, body: 'saved' }, T0 + 1);
      port = accountPorts(await db.reopen()).idempotency;
      expect(await claim('k1', T0 + 2)).toMatchObject({
        response: { statusCode: 201, body: 'saved' },
      });
    });

    /** A host row: alive until far ahead, unless the test ends it. */
    const seedHost = (id: string, epoch: number) =>
      db.exec(
        `INSERT INTO hosts (id, epoch, lease_until, started_at, renewed_at, version)
         VALUES (?, ?, ?, ?, ?, '1')`,
        [id, epoch, FAR_AHEAD, T0, T0],
      );
    const A1: ClaimHolder = { hostId: 'host-a', epoch: 1 };

    it('a claim of a live holder stays in flight: the retry is answered in flight', async () => {
      await seedHost('host-a', 1);
      expect(await claim('k1', T0, 'fp-1', 'cus_a:live', A1)).toBeNull();
      expect(
        await claim('k1', T0 + 1, 'fp-1', 'cus_a:live', { hostId: 'host-b', epoch: 1 }),
      ).toMatchObject({ response: null, createdAt: T0 });
      expect(
        await db.rows('SELECT holder_host, holder_epoch, claim_id FROM idempotency_keys'),
      ).toEqual([{ holder_host: 'host-a', holder_epoch: 1, claim_id: 'c1' }]);
    });

    const deaths: readonly [string, string, readonly unknown[]][] = [
      ['its epoch is over (the host started again)', 'UPDATE hosts SET epoch = 2', []],
      ['its lease ran out', 'UPDATE hosts SET lease_until = 0', []],
      ['its epoch was reaped', 'UPDATE hosts SET reaped_epoch = 1', []],
      ['it stopped', 'UPDATE hosts SET stopped_at = ?', [T0]],
      ['its host row is gone', 'DELETE FROM hosts', []],
    ];
    for (const [why, sql, params] of deaths) {
      it(`a claim gives way at once when its holder is dead: ${why}`, async () => {
        await seedHost('host-a', 1);
        expect(await claim('k1', T0, 'fp-1', 'cus_a:live', A1)).toBeNull();
        await db.exec(sql, params);
        const b1 = { hostId: 'host-b', epoch: 1 };
        expect(await claim('k1', T0 + 1, 'fp-1', 'cus_a:live', b1)).toBeNull();
        expect(
          await db.rows('SELECT holder_host, claim_id, created_at FROM idempotency_keys'),
        ).toEqual([{ holder_host: 'host-b', claim_id: 'c2', created_at: T0 + 1 }]);
      });
    }

    it('a dead claim with a recorded effect gives way to the same request only, effect kept', async () => {
      await seedHost('host-a', 1);
      expect(await claim('k1', T0, 'fp-1', 'cus_a:live', A1)).toBeNull();
      await db.exec(
        `UPDATE idempotency_keys SET effect_kind = 'order', effect_id = 'ord_1' WHERE key = ?`,
        ['k1'],
      );
      await db.exec('UPDATE hosts SET epoch = 2');
      // Another request with the key: the record answers (the API says mismatch), untouched.
      expect(await claim('k1', T0 + 1, 'fp-other')).toMatchObject({ fingerprint: 'fp-1' });
      expect(await claim('k1', T0 + 2, 'fp-1')).toBeNull();
      expect(
        await db.rows('SELECT claim_id, holder_host, effect_kind, effect_id FROM idempotency_keys'),
      ).toEqual([{ claim_id: 'c3', holder_host: null, effect_kind: 'order', effect_id: 'ord_1' }]);
      // An expired record goes with its effect.
      expect(await claim('k1', T0 + 2 + TTL + 1, 'fp-2')).toBeNull();
      expect(await db.rows('SELECT effect_kind, effect_id FROM idempotency_keys')).toEqual([
        { effect_kind: null, effect_id: null },
      ]);
    });

    it("an attempt taken over neither completes nor releases the taker's claim", async () => {
      await seedHost('host-a', 1);
      expect(await claim('k1', T0, 'fp-1', 'cus_a:live', A1)).toBeNull(); // c1
      await db.exec('UPDATE hosts SET lease_until = 0');
      expect(await claim('k1', T0 + 1)).toBeNull(); // c2 takes it over
      await port.complete('cus_a:live', 'k1', { statusCode: 201, body: 'late' }, T0 + 2, 'c1');
      await port.release('cus_a:live', 'k1', 'c1');
      expect(await claim('k1', T0 + 3)).toMatchObject({ response: null, createdAt: T0 + 1 });
      await port.complete('cus_a:live', 'k1', { statusCode: 201, body: 'mine' }, T0 + 4, 'c2');
      expect(await claim('k1', T0 + 5)).toMatchObject({
        response: { statusCode: 201, body: 'mine' },
      });
    });

    it('keeps an in-flight claim whose effect was recorded when its attempt releases it', async () => {
      expect(await claim('k1', T0)).toBeNull();
      await db.exec(`UPDATE idempotency_keys SET effect_kind = 'message', effect_id = 'msg_1'`);
      await port.release('cus_a:live', 'k1', 'c1');
      expect(await db.rows('SELECT effect_id FROM idempotency_keys')).toEqual([
        { effect_id: 'msg_1' },
      ]);
    });
  });
}

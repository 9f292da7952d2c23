/**
 * IdempotencyPort on both engines: a claim takes a key or finds its live record; complete,
 * release; dead records (expired, or in flight and abandoned) give way to a new claim.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdempotencyPort } from '../../../src/domain/index.js';
import { accountPorts } from './account-ports.js';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const HOUR = 3_600_000;
const TTL = 24 * HOUR;
const LEASE = 5 * 60_000;
/** The limits the API uses, at `now`. */
const limitsAt = (now: number) => ({ expiredBefore: now - TTL, abandonedBefore: now - LEASE });

for (const engine of ENGINES) {
  describe(`IdempotencyPort on ${engine}`, () => {
    let db: EngineDatabase;
    let port: IdempotencyPort;

    beforeEach(async () => {
      db = await openEngineDatabase(engine, 'idempotency');
      port = accountPorts(db.current()).idempotency;
    });
    afterEach(() => db.close());

    const claim = (key: string, now: number, fingerprint = 'fp-1', scope = 'cus_a:live') =>
      port.claim({ scope, key, fingerprint }, now, limitsAt(now));

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
  });
}

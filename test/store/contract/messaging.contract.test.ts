/**
 * MessagingPort on both engines, through the MessagingService as the API uses it: queueing,
 * finding the sending SIM, and the reads (operator and customer audiences, paging across SMS in
 * and out). Moved from the SQLite tests of the domain's MessagingService.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MessagingService, type MessagingPrincipal } from '../../../src/domain/index.js';
import { ManualClock, SimpoolError } from '../../../src/shared/index.js';
import { SIM_A, SIM_B, T0 } from '../../unit/store/helpers.js';
import { ENGINES } from './engines.js';
import { openOutboundEngine, type OutboundEngine, type OutboundStore } from './outbound-fixture.js';

const operator: MessagingPrincipal = {
  customerId: 'cus_operator',
  apiKeyId: 'key_operator',
  scopes: ['messages'],
  sandbox: false,
};
const customer: MessagingPrincipal = { ...operator, scopes: ['orders'] };

async function rejection(promise: Promise<unknown>): Promise<SimpoolError> {
  const error: unknown = await promise.then(
    () => new Error('did not reject'),
    (e: unknown) => e,
  );
  if (error instanceof SimpoolError) return error;
  throw error;
}

for (const engine of ENGINES) {
  describe(`MessagingPort on ${engine}`, () => {
    let fx: OutboundEngine;
    let store: OutboundStore;
    let service: MessagingService;
    let woken: number;
    beforeEach(async () => {
      fx = await openOutboundEngine(engine);
      await fx.seedSim(SIM_A, { msisdn: '+4915112345678' });
      // The operator account (kind `operator`): only its keys see every SMS.
      await fx.opened.exec(
        `INSERT INTO customers (id, email, created_at, kind)
         VALUES ('cus_operator', 'operator@simpool.local', ?, 'operator')`,
        [T0],
      );
      store = fx.store();
      woken = 0;
      service = new MessagingService(store.messaging, new ManualClock(T0), {
        onQueued: () => woken++,
      });
    });
    afterEach(() => fx.close());

    /** An inbound SMS on SIM_A, attached to `order` when given. */
    async function seedInbound(id: number, receivedAt: number, order?: string): Promise<void> {
      await fx.opened.exec(
        `INSERT INTO inbound_messages (id, sim_iccid, sender, sender_kind, encoding, text,
           data_hex, sent_at, received_at, complete, part_count)
         VALUES (?, ?, '+447700900123', 'international', 'gsm7', ?, '', ?, ?, 1, 1)`,
        [id, SIM_A, `code ${id}`, receivedAt - 1000, receivedAt],
      );
      if (order === undefined) return;
      await fx.opened.exec(
        `INSERT INTO order_messages (order_id, inbound_message_id, sim_iccid, sender, text,
           sent_at, received_at)
         VALUES (?, ?, ?, '+447700900123', ?, ?, ?)`,
        [order, id, SIM_A, `code ${id}`, receivedAt - 1000, receivedAt],
      );
    }

    /** A customer with a live and a sandbox order (the sandbox one on the same SIM, finished). */
    async function seedCustomerOrders(): Promise<void> {
      await fx.opened.exec(
        `INSERT INTO customers (id, email, created_at) VALUES ('cus_1', 'c@example.com', 0)`,
      );
      await fx.opened.exec(
        `INSERT INTO api_keys (id, customer_id, prefix, key_hash, scopes, sandbox, created_at)
         VALUES ('key_1', 'cus_1', 'sk', 'hash', '["orders"]', 0, 0)`,
      );
      for (const [id, sandbox, status] of [
        ['ord_live', 0, 'waiting'],
        ['ord_sandbox', 1, 'finished'],
      ] as const) {
        await fx.opened.exec(
          `INSERT INTO orders (id, activation_id, customer_id, api_key_id, sandbox, service,
             country, price_units, sim_iccid, phone_number, status, created_at,
             number_assigned_at, hold_until, expires_at, updated_at)
           VALUES (?, ?, 'cus_1', 'key_1', ?, 'tg', 'DE', 10, ?, '+4915112345678', ?, 0, 0, 0,
             0, 0)`,
          [id, sandbox + 1, sandbox, SIM_A, status],
        );
      }
    }

    it('queues a message from a SIM given by its number, with its country and priority', async () => {
      const queued = await service.send(
        {
          to: '+447700900123',
          body: 'x'.repeat(161),
          from: '+49 151 12345678',
          priority: 100,
          validUntil: '2026-01-01T13:00:00Z',
          deliveryReport: false,
        },
        operator,
      );
      expect(queued).toMatchObject({ status: 'queued', parts: 2, createdAt: T0 });
      expect(queued.id).toMatch(/^msg_[0-9a-f]+$/);
      expect(woken).toBe(1);
      expect(await store.outbound.getMessage(queued.id)).toMatchObject({
        iccid: SIM_A,
        priority: 100,
        deliveryReport: false,
        validUntil: T0 + 3_600_000,
        customerId: 'cus_operator',
      });
      expect(
        await fx.opened.rows('SELECT to_country, api_key_id FROM outbound_messages WHERE id = ?', [
          queued.id,
        ]),
      ).toEqual([{ to_country: 'GB', api_key_id: 'key_operator' }]);

      const shown = await service.get(queued.id, operator);
      expect(shown).toMatchObject({
        direction: 'out',
        from: '+4915112345678',
        to: '+447700900123',
        status: 'queued',
        simId: SIM_A,
        error: null,
        sentAt: null,
        receivedAt: null,
        history: [{ status: 'queued', at: T0 }],
      });
      expect(shown.partsDetail?.map((p) => [p.sequence, p.status, p.attempts])).toEqual([
        [1, 'queued', 0],
        [2, 'queued', 0],
      ]);
    });

    it('finds the sending SIM by ICCID or by its number in any common notation', async () => {
      await fx.seedSim(SIM_B, { msisdn: '4915199999999', enabled: false });
      const a = { iccid: SIM_A, msisdn: '+4915112345678', enabled: true };
      expect(await store.messaging.findSim(SIM_A)).toEqual(a);
      expect(await store.messaging.findSim(` ${SIM_A} `)).toEqual(a);
      for (const number of ['+4915112345678', '4915112345678', '+49 (151) 123-456 78']) {
        expect(await store.messaging.findSim(number)).toEqual(a);
      }
      expect(await store.messaging.findSim('+4915199999999')).toEqual({
        iccid: SIM_B,
        msisdn: '4915199999999',
        enabled: false,
      });
      for (const unknown of ['+4915100000000', '8949020000000000999', 'not a number', '']) {
        expect(await store.messaging.findSim(unknown)).toBeUndefined();
      }
    });

    it('finds the SIM seen last when a number was recycled', async () => {
      await fx.seedSim(SIM_B, { msisdn: '+4915112345678', lastSeenAt: T0 });
      expect((await store.messaging.findSim('+4915112345678'))?.iccid).toBe(SIM_B);
    });

    it('knows the operator account from the others', async () => {
      await seedCustomerOrders();
      expect(await store.messaging.isOperatorAccount('cus_operator')).toBe(true);
      expect(await store.messaging.isOperatorAccount('cus_1')).toBe(false);
      expect(await store.messaging.isOperatorAccount('cus_nobody')).toBe(false);
    });

    it('names the field it refuses and queues nothing', async () => {
      const cases: Array<[Parameters<MessagingService['send']>[0], string]> = [
        [{ to: '07700900123', body: 'hi' }, 'to'],
        [{ to: '+447700900123', body: '' }, 'body'],
        [{ to: '+447700900123', body: 'hi', from: '+4915100000000' }, 'from'],
        [{ to: '+447700900123', body: 'hi', from: '8949020000000000999' }, 'from'],
        [{ to: '+447700900123', body: 'hi', priority: 1001 }, 'priority'],
        [{ to: '+447700900123', body: 'hi', priority: 1.5 }, 'priority'],
        [{ to: '+447700900123', body: 'hi', validUntil: '2026-01-01T11:00:00Z' }, 'valid_until'],
      ];
      for (const [input, field] of cases) {
        const error = await rejection(service.send(input, operator));
        expect([error.code, error.details.field]).toEqual(['validation_failed', field]);
      }
      expect(woken).toBe(0);
      expect(await fx.opened.rows('SELECT COUNT(*) AS n FROM outbound_messages')).toEqual([
        { n: 0 },
      ]);
    });

    it('lets only operator keys send, and hides outbound messages from customer keys', async () => {
      const forbidden = await rejection(
        service.send({ to: '+447700900123', body: 'hi' }, customer),
      );
      expect(forbidden.code).toBe('forbidden');
      const sandbox = await rejection(
        service.send({ to: '+447700900123', body: 'hi' }, { ...operator, sandbox: true }),
      );
      expect(sandbox.code).toBe('forbidden');

      const { id } = await service.send({ to: '+447700900123', body: 'hi' }, operator);
      expect((await rejection(service.get(id, customer))).code).toBe('not_found');
      expect((await rejection(service.get('in_1', customer))).code).toBe('not_found');
      expect((await rejection(service.get('nonsense', operator))).code).toBe('not_found');
      expect((await rejection(service.get('in_x', operator))).code).toBe('not_found');
      expect((await service.list({}, customer)).items).toEqual([]);
      expect((await service.list({ direction: 'out' }, operator)).items.map((m) => m.id)).toEqual([
        id,
      ]);
      expect((await service.list({ direction: 'in' }, operator)).items).toEqual([]);
    });

    it('shows a customer account holding the messages scope only its own orders SMS', async () => {
      const { id } = await service.send({ to: '+447700900123', body: 'hi' }, operator);
      const stranger: MessagingPrincipal = { ...operator, customerId: 'cus_someone' };
      expect((await rejection(service.get(id, stranger))).code).toBe('not_found');
      expect((await service.list({}, stranger)).items).toEqual([]);
      expect((await service.get(id, operator)).id).toBe(id);
    });

    it('pages through SMS in and out together, newest first, by direction and status', async () => {
      await seedInbound(1, T0 - 3000);
      await seedInbound(2, T0 - 1000);
      const clock = new ManualClock(T0 - 2000);
      const sender = new MessagingService(store.messaging, clock, {});
      const early = await sender.send({ to: '+447700900123', body: 'early' }, operator);
      await clock.advance(2000);
      const late = await sender.send({ to: '+447700900124', body: 'late' }, operator);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 5; page++) {
        const listed = await service.list({ limit: 2, ...(cursor ? { cursor } : {}) }, operator);
        seen.push(...listed.items.map((m) => m.id));
        if (listed.nextCursor === null) break;
        cursor = listed.nextCursor;
      }
      expect(seen).toEqual([late.id, 'in_2', early.id, 'in_1']);
      const inbound = await service.list({ direction: 'in' }, operator);
      expect(inbound.items).toMatchObject([
        {
          id: 'in_2',
          direction: 'in',
          from: '+447700900123',
          to: '+4915112345678',
          body: 'code 2',
          status: 'received',
          simId: SIM_A,
          error: null,
          createdAt: T0 - 1000,
          sentAt: T0 - 2000,
          deliveredAt: null,
          receivedAt: T0 - 1000,
          history: [{ status: 'received', at: T0 - 1000 }],
        },
        { id: 'in_1' },
      ]);
      expect((await service.list({ status: 'received' }, operator)).items.map((m) => m.id)).toEqual(
        ['in_2', 'in_1'],
      );
      expect((await service.list({ status: 'queued' }, operator)).items.map((m) => m.id)).toEqual([
        late.id,
        early.id,
      ]);
      expect(await service.get('in_2', operator)).toMatchObject({
        id: 'in_2',
        partsDetail: null,
      });
    });

    it("shows a customer the inbound SMS of its own orders, of its key's mode only", async () => {
      await seedCustomerOrders();
      await seedInbound(1, T0 - 3000, 'ord_live');
      await seedInbound(2, T0 - 2000, 'ord_sandbox');
      await seedInbound(3, T0 - 1000);
      const owner: MessagingPrincipal = { ...customer, customerId: 'cus_1', scopes: ['messages'] };
      expect((await service.list({}, owner)).items.map((m) => m.id)).toEqual(['in_1']);
      expect((await service.list({}, { ...owner, sandbox: true })).items.map((m) => m.id)).toEqual([
        'in_2',
      ]);
      expect((await service.get('in_1', owner)).body).toBe('code 1');
      for (const hidden of ['in_2', 'in_3']) {
        expect((await rejection(service.get(hidden, owner))).code).toBe('not_found');
      }
      expect((await service.list({ direction: 'out' }, owner)).items).toEqual([]);
    });

    it("shows an outbound message's history and its parts' as they are sent", async () => {
      const { id } = await service.send({ to: '+447700900123', body: 'x'.repeat(161) }, operator);
      await store.outbound.claimPart(id, SIM_A, T0 + 1);
      await store.outbound.markPartSent(id, 1, SIM_A, 42, T0 + 2);
      const shown = await service.get(id, operator);
      expect(shown).toMatchObject({
        status: 'sending',
        simId: SIM_A,
        history: [
          { status: 'queued', at: T0 },
          { status: 'sending', at: T0 + 1 },
        ],
      });
      expect(shown.partsDetail).toEqual([
        {
          sequence: 1,
          status: 'sent',
          attempts: 0,
          messageReference: 42,
          deliveryStatus: null,
          history: [
            { status: 'sending', at: T0 + 1, simId: SIM_A, detail: null },
            { status: 'sent', at: T0 + 2, simId: SIM_A, detail: 'TP-MR 42' },
          ],
        },
        {
          sequence: 2,
          status: 'queued',
          attempts: 0,
          messageReference: null,
          deliveryStatus: null,
          history: [],
        },
      ]);
    });
  });
}

import { afterEach, describe, expect, it } from 'vitest';
import {
  MessagingService,
  countryOfNumber,
  requireBody,
  requireRecipient,
  requireValidUntil,
  type MessagingPrincipal,
} from '../../../src/domain/index.js';
import { ManualClock, SimpoolError } from '../../../src/shared/index.js';
import type { Store } from '../../../src/store/index.js';
import { IMEI_1, SIM_A, StoreFixture, T0 } from '../store/helpers.js';

const fixture = new StoreFixture();
afterEach(() => fixture.close());

/** The SimpoolError `run` throws, for asserting its code and field. */
function failure(run: () => unknown): SimpoolError {
  try {
    run();
  } catch (error) {
    if (error instanceof SimpoolError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

async function rejection(promise: Promise<unknown>): Promise<SimpoolError> {
  const error: unknown = await promise.then(
    () => new Error('did not reject'),
    (e: unknown) => e,
  );
  if (error instanceof SimpoolError) return error;
  throw error;
}

describe('the country of a recipient from its E.164 prefix', () => {
  it.each([
    ['+447700900123', 'GB'],
    ['447700900123', 'GB'],
    ['+4915112345678', 'DE'],
    ['+380501234567', 'UA'],
    ['+35312345678', 'IE'],
    ['+358401234567', 'FI'],
    ['+971501234567', 'AE'],
    ['+8613812345678', 'CN'],
    ['+85291234567', 'HK'],
    // Shared calling codes: +1 is the US (Canada cannot be told apart), +7 Russia but +76/+77
    // Kazakhstan.
    ['+12025550100', 'US'],
    ['+16135550100', 'US'],
    ['+79161234567', 'RU'],
    ['+77011234567', 'KZ'],
    ['+76012345678', 'KZ'],
  ])('%s is %s', (number, iso2) => {
    expect(countryOfNumber(number)).toBe(iso2);
  });

  it('knows no country for a calling code outside the catalog or for garbage', () => {
    expect(countryOfNumber('+99912345678')).toBeNull();
    expect(countryOfNumber('+2991234567')).toBeNull();
    expect(countryOfNumber('not a number')).toBeNull();
    expect(countryOfNumber('')).toBeNull();
  });
});

describe('validation of a message to send', () => {
  it('wants `to` in E.164 with +', () => {
    expect(requireRecipient(' +447700900123 ')).toBe('+447700900123');
    for (const bad of ['447700900123', '+0447700900123', '+44 7700 900123', '+1234', 42]) {
      expect(failure(() => requireRecipient(bad)).details).toMatchObject({ field: 'to' });
    }
  });

  it('wants a body of 1 to 1600 characters, counting an emoji as one', () => {
    expect(requireBody('hi')).toBe('hi');
    expect(requireBody('🙂'.repeat(1600))).toHaveLength(3200);
    for (const bad of ['', '   ', 'x'.repeat(1601), undefined]) {
      const error = failure(() => requireBody(bad));
      expect(error.code).toBe('validation_failed');
      expect(error.details).toMatchObject({ field: 'body' });
    }
  });

  it('wants valid_until as an RFC 3339 time in the future', () => {
    expect(requireValidUntil('2026-01-01T13:00:00Z', T0)).toBe(T0 + 3_600_000);
    for (const bad of [
      '2026-01-01T12:00:00Z',
      '2025-12-31T00:00:00.000Z',
      'tomorrow',
      '1767272400000',
    ]) {
      expect(failure(() => requireValidUntil(bad, T0)).details).toMatchObject({
        field: 'valid_until',
      });
    }
  });
});

describe('MessagingService over a real SQLite store', () => {
  const operator: MessagingPrincipal = {
    customerId: 'cus_operator',
    apiKeyId: 'key_operator',
    scopes: ['messages'],
    sandbox: false,
  };
  const customer: MessagingPrincipal = { ...operator, scopes: ['orders'] };

  async function setUp() {
    const store: Store = fixture.store();
    await store.inventory.recordModem({
      imei: IMEI_1,
      manufacturer: 'SIMCOM',
      model: 'SIM800C',
      revision: '1',
      path: '/dev/ttyUSB0',
      state: 'ready',
      at: T0,
    });
    await store.inventory.recordSim({
      iccid: SIM_A,
      imsi: '262011234567890',
      msisdn: '+4915112345678',
      country: 'DE',
      operator: 'Telekom.de',
      imei: IMEI_1,
      path: '/dev/ttyUSB0',
      at: T0,
    });
    // The operator account (kind `operator`): only its keys see every SMS.
    void store.admin.accounts.ensureOperator({
      id: operator.customerId,
      email: 'operator@simpool.local',
      createdAt: T0,
      bannedUntil: null,
    });
    let woken = 0;
    const service = new MessagingService(store.messaging, new ManualClock(T0), {
      onQueued: () => woken++,
    });
    return { store, service, woken: () => woken };
  }

  it('queues a message from a SIM given by its number, with its country and priority', async () => {
    const { store, service, woken } = await setUp();
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
    expect(woken()).toBe(1);
    expect(await store.outbound.getMessage(queued.id)).toMatchObject({
      iccid: SIM_A,
      priority: 100,
      deliveryReport: false,
      validUntil: T0 + 3_600_000,
      customerId: 'cus_operator',
    });
    const row = store.db
      .prepare('SELECT to_country, api_key_id FROM outbound_messages WHERE id = ?')
      .get(queued.id);
    expect(row).toEqual({ to_country: 'GB', api_key_id: 'key_operator' });

    const shown = await service.get(queued.id, operator);
    expect(shown).toMatchObject({
      direction: 'out',
      from: '+4915112345678',
      to: '+447700900123',
      status: 'queued',
      simId: SIM_A,
      history: [{ status: 'queued', at: T0 }],
    });
    expect(shown.partsDetail?.map((p) => [p.sequence, p.status])).toEqual([
      [1, 'queued'],
      [2, 'queued'],
    ]);
  });

  it('names the field it refuses and queues nothing', async () => {
    const { store, service, woken } = await setUp();
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
    expect(woken()).toBe(0);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM outbound_messages').get()).toEqual({ n: 0 });
  });

  it('lets only operator keys send, and hides outbound messages from customer keys', async () => {
    const { service } = await setUp();
    const forbidden = await rejection(service.send({ to: '+447700900123', body: 'hi' }, customer));
    expect(forbidden.code).toBe('forbidden');
    const sandbox = await rejection(
      service.send({ to: '+447700900123', body: 'hi' }, { ...operator, sandbox: true }),
    );
    expect(sandbox.code).toBe('forbidden');

    const { id } = await service.send({ to: '+447700900123', body: 'hi' }, operator);
    expect((await rejection(service.get(id, customer))).code).toBe('not_found');
    expect((await rejection(service.get('in_1', customer))).code).toBe('not_found');
    expect((await rejection(service.get('nonsense', operator))).code).toBe('not_found');
    expect((await service.list({}, customer)).items).toEqual([]);
    expect((await service.list({ direction: 'out' }, operator)).items.map((m) => m.id)).toEqual([
      id,
    ]);
    expect((await service.list({ direction: 'in' }, operator)).items).toEqual([]);
  });

  it('shows a customer account holding the messages scope only its own orders SMS', async () => {
    const { service } = await setUp();
    const { id } = await service.send({ to: '+447700900123', body: 'hi' }, operator);
    const stranger: MessagingPrincipal = { ...operator, customerId: 'cus_someone' };
    expect((await rejection(service.get(id, stranger))).code).toBe('not_found');
    expect((await service.list({}, stranger)).items).toEqual([]);
    expect((await service.get(id, operator)).id).toBe(id);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { LEGACY_ACTIONS } from '../../../src/api/routes/legacy/index.js';
import type { Order } from '../../../src/domain/index.js';
import { SECOND, iccid } from '../domain/order-fixture.js';
import { legacy, type Legacy, expectText } from './legacy-harness.js';

/**
 * Live and sandbox are one boundary on the legacy API as over REST: an `sp_test_` key neither
 * reads nor changes a live activation of its own customer, and a live key none of its sandbox
 * ones. Every action that takes an id, both directions; each answer would differ before the fix
 * (the code, the SMS, ACCESS_READY, ACCESS_RETRY_GET, ACCESS_ACTIVATION, ACCESS_CANCEL).
 */
let rig: Legacy;
afterEach(async () => rig.close());

/** Each mode's SMS has its own code, so an answer leaking the other's is recognisable. */
const CODE = { live: '4321', test: '8765' } as const;
const smsText = (code: string) => `Telegram code: ${code}. Do not give it to anyone.`;

interface Side {
  readonly key: string;
  readonly order: Order;
  readonly code: string;
}

async function bothModes(): Promise<{ live: Side; test: Side }> {
  // The sweep below sends more than a minute's budget; this test is about the mode line.
  rig = await legacy({ sims: 1, rateLimitPerMinute: 100_000 });
  // A simulated modem's SIM: the only kind a sandbox key may rent.
  await rig.fx.addSim({ iccid: iccid(9), path: 'simulated:0' });
  const { plainKey: testKey } = await rig.fx.customers.createKey(rig.customerId, {
    sandbox: true,
  });
  const liveOrder = await rig.buy();
  const bought = await rig.call({
    action: 'getNumber',
    service: 'tg',
    country: '16',
    api_key: testKey,
  });
  const testId = /^ACCESS_NUMBER:(\d+):\d+$/.exec(bought.body)?.[1];
  expect(testId, bought.body).toBeDefined();
  const testOrder = await rig.fx.orders.get(rig.customerId, testId ?? '');
  expect(liveOrder.sandbox).toBe(false);
  expect(testOrder.sandbox).toBe(true);
  await rig.sms(liveOrder, smsText(CODE.live));
  await rig.sms(testOrder, smsText(CODE.test));
  // Past the hold, so a cancel across the boundary would not be refused for another reason.
  await rig.fx.clock.advance(121 * SECOND);
  return {
    live: { key: rig.key, order: liveOrder, code: CODE.live },
    test: { key: testKey, order: testOrder, code: CODE.test },
  };
}

/** Every id-taking action with `asker`'s key on `target`'s activation: NO_ACTIVATION. */
async function expectInvisible(asker: Side, target: Side): Promise<void> {
  const id = String(target.order.activationId);
  const ask = (params: Record<string, string>) => rig.call({ api_key: asker.key, id, ...params });
  expectText(await ask({ action: 'getStatus' }), 'NO_ACTIVATION');
  expectText(await ask({ action: 'getStatus', text: '1' }), 'NO_ACTIVATION');
  expectText(await ask({ action: 'getStatusV2' }), 'NO_ACTIVATION');
  expectText(await ask({ action: 'getFullSms' }), 'NO_ACTIVATION');
  expectText(await ask({ action: 'getIncomingCallStatus', activationId: id }), 'NO_ACTIVATION');
  for (const status of ['1', '3', '7', '6', '8']) {
    expectText(await ask({ action: 'setStatus', status }), 'NO_ACTIVATION');
  }
}

/** The owner still sees its activation as it was: nothing was changed across the boundary. */
async function expectUntouched(owner: Side): Promise<void> {
  const order = await rig.fx.orders.get(rig.customerId, owner.order.id);
  expect(order.status).toBe('received');
  const id = String(owner.order.activationId);
  expectText(
    await rig.call({ action: 'getStatus', api_key: owner.key, id }),
    `STATUS_OK:${owner.code}`,
  );
}

/**
 * Every action the API has, today's and any added later, with the other mode's id in every
 * parameter that can carry one: no answer carries that activation's code or number.
 */
async function expectNothingLeaks(asker: Side, target: Side): Promise<void> {
  const id = String(target.order.activationId);
  const number = target.order.phoneNumber.replace(/^\+/, '');
  for (const action of LEGACY_ACTIONS) {
    for (const status of ['', '1', '3', '6', '8']) {
      const answer = await rig.call({
        action,
        api_key: asker.key,
        id,
        activationId: id,
        status,
        text: '1',
      });
      const seen = `${answer.body} ${JSON.stringify(answer.headers)}`;
      // A refusal for another reason would hide a leak.
      expect(answer.body, action).not.toMatch(/^(ERROR_LIMIT|ERROR_SQL|BAD_KEY)$/);
      expect(seen, `${action} status=${status}`).not.toContain(target.code);
      expect(seen, `${action} status=${status}`).not.toContain(number);
    }
  }
}

describe('legacy API: live and sandbox activations are apart', () => {
  it('a sandbox key neither reads nor changes a live activation of its customer', async () => {
    const { live, test } = await bothModes();
    await expectInvisible(test, live);
    await expectUntouched(live);
  });

  it('a live key neither reads nor changes a sandbox activation of its customer', async () => {
    const { live, test } = await bothModes();
    await expectInvisible(live, test);
    await expectUntouched(test);
  });

  it('no action of the API, with any status, answers the other mode’s code or number', async () => {
    const { live, test } = await bothModes();
    await expectNothingLeaks(test, live);
    await expectNothingLeaks(live, test);
    await expectUntouched(live);
    await expectUntouched(test);
  });

  it('each key still reads and finishes its own mode’s activation', async () => {
    const { live, test } = await bothModes();
    for (const own of [live, test]) {
      const id = String(own.order.activationId);
      const ask = (params: Record<string, string>) => rig.call({ api_key: own.key, id, ...params });
      expectText(await ask({ action: 'getFullSms' }), `FULL_SMS:${smsText(own.code)}`);
      expectText(await ask({ action: 'setStatus', status: '6' }), 'ACCESS_ACTIVATION');
    }
  });
});

/**
 * The lock order of the PostgreSQL order commands that do several things in one statement
 * (order-context.ts): a cancel, a finish and a purchase lock the SIM's row before the balance
 * row. Another connection holds a row; the command must wait for exactly that row, and not hold
 * the balance row meanwhile. And the purchase's quick claim, which leaves out SIMs assigned a
 * moment ago, changes no choice of SIM.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CatalogService,
  CustomerService,
  MatchingService,
  OrderService,
  type Principal,
} from '../../src/domain/index.js';
import { ManualClock } from '../../src/shared/index.js';
import { closeHosts, openHosts, type Host } from './postgres-hosts.js';
import { seenWaitingOnLock } from '../helpers/postgres.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const ICCIDS = ['8944000000000000001', '8944000000000000002'];

describe('lock order of PostgreSQL order commands', () => {
  let hosts: Host[] = [];
  afterEach(() => closeHosts(hosts));

  async function setup(): Promise<{
    orders: OrderService;
    matching: MatchingService;
    principal: Principal;
    clock: ManualClock;
  }> {
    const clock = new ManualClock(T0);
    hosts = await openHosts('order_locks', 2, 4);
    const { store } = hosts[0]!;
    await new CatalogService(store.catalog, clock).seed();
    for (const [i, iccid] of ICCIDS.entries()) {
      await store.inventory.recordSim({
        iccid,
        imsi: null,
        msisdn: `+44770090000${i + 1}`,
        country: 'GB',
        operator: 'Vodafone UK',
        imei: `35693803560000${i + 1}`,
        path: `/dev/ttyUSB${i}`,
        at: T0,
      });
      await store.inventory.setSimStatus(iccid, 'ready', T0);
      const health = { signalDbm: -70, registration: 'home', operator: null } as const;
      await store.inventory.recordSimHealth(iccid, health, T0);
    }
    const accounts = new CustomerService(store.customers, clock);
    const customer = await accounts.createCustomer('locks@example.com');
    const { key } = await accounts.createKey(customer.id, {});
    await accounts.credit(customer.id, 100_000);
    return {
      orders: new OrderService(store.orders, clock),
      matching: new MatchingService(store.orders, clock),
      principal: { customerId: customer.id, apiKeyId: key.id },
      clock,
    };
  }

  /**
   * Runs `command` while another connection (the second host's) holds `lockSql`'s row, and
   * checks that the command waits for that lock without holding the customer's balance row.
   */
  async function waitsForRow<T>(
    lockSql: string,
    params: unknown[],
    customerId: string,
    command: () => Promise<T>,
  ): Promise<T> {
    const blocker = await hosts[1]!.db.pool.connect();
    try {
      await blocker.query('BEGIN');
      expect((await blocker.query(lockSql, params)).rowCount).toBe(1);
      let answered = false;
      const running = command().finally(() => (answered = true));
      const waiting = await seenWaitingOnLock(hosts[1]!.db, 'simpool:host-0', () => answered);
      expect(waiting).toBe(true);
      // Waiting for the blocker's row, it holds no lock on the balance row yet.
      const balance = await hosts[1]!.db.query(
        `SELECT 1 FROM balances WHERE customer_id = $1 FOR NO KEY UPDATE NOWAIT`,
        [customerId],
      );
      expect(balance.rowCount).toBe(1);
      await blocker.query('COMMIT');
      return await running;
    } finally {
      blocker.release();
    }
  }

  const LOCK_SIM = 'SELECT 1 FROM sims WHERE iccid = $1 FOR NO KEY UPDATE';

  it('a cancel locks the SIM before refunding, and refunds once it has it', async () => {
    const { orders, principal, clock } = await setup();
    const order = await orders.purchase(principal, { service: 'tg', country: 'GB' });
    await clock.advance(10 * 60_000); // past the hold
    const cancelled = await waitsForRow(LOCK_SIM, [order.simIccid], principal.customerId, () =>
      orders.cancel(principal.customerId, order.id),
    );
    expect(cancelled.order.status).toBe('cancelled');
    expect(cancelled.refundUnits).toBe(order.priceUnits);
  });

  it('a finish locks the SIM it frees', async () => {
    const { orders, matching, principal, clock } = await setup();
    const order = await orders.purchase(principal, { service: 'tg', country: 'GB' });
    await matching.onInboundSms({
      iccid: order.simIccid,
      inboundMessageId: 1,
      sender: 'Telegram',
      text: 'Telegram code: 12345',
      sentAt: clock.now(),
      receivedAt: clock.now(),
    });
    const finished = await waitsForRow(LOCK_SIM, [order.simIccid], principal.customerId, () =>
      orders.finish(principal.customerId, order.id),
    );
    expect(finished.status).toBe('finished');
  });

  it('sells a SIM released a moment ago when it is the only free one, and an older one first otherwise', async () => {
    const { orders, matching, principal, clock } = await setup();
    let inbound = 0;
    /** An SMS, then finish: the SIM is free again at once, its last assignment `now`. */
    const finishNow = async (order: { id: string; simIccid: string }) => {
      const sms = { iccid: order.simIccid, inboundMessageId: ++inbound, sender: 'Telegram' };
      const at = clock.now();
      await matching.onInboundSms({ ...sms, text: 'code 12345', sentAt: at, receivedAt: at });
      await orders.finish(principal.customerId, order.id);
    };
    const first = await orders.purchase(principal, { service: 'tg', country: 'GB' });
    const second = await orders.purchase(principal, { service: 'wa', country: 'GB' });
    await finishNow(first);
    // The only free SIM was assigned this very moment: sold again all the same.
    const again = await orders.purchase(principal, { service: 'go', country: 'GB' });
    expect(again.simIccid).toBe(first.simIccid);
    await clock.advance(10 * 60_000);
    await finishNow(again);
    const renewed = await orders.purchase(principal, { service: 'fb', country: 'GB' });
    expect(renewed.simIccid).toBe(first.simIccid);
    await finishNow(renewed); // free again, assigned a moment ago
    await orders.cancel(principal.customerId, second.id); // free again, assigned 10 min ago
    // Both free: the older assignment first, then the one made a moment ago.
    const older = await orders.purchase(principal, { service: 'ig', country: 'GB' });
    expect(older.simIccid).toBe(second.simIccid);
    const recent = await orders.purchase(principal, { service: 'ig', country: 'GB' });
    expect(recent.simIccid).toBe(first.simIccid);
  });

  it('a purchase waiting for the only free SIM holds no balance lock meanwhile, then gets it', async () => {
    const { orders, principal } = await setup();
    // The first SIM is rented; the second is held by another host's transaction.
    const first = await orders.purchase(principal, { service: 'tg', country: 'GB' });
    const other = ICCIDS.find((iccid) => iccid !== first.simIccid)!;
    const second = await waitsForRow(LOCK_SIM, [other], principal.customerId, () =>
      orders.purchase(principal, { service: 'tg', country: 'GB' }),
    );
    expect(second.simIccid).toBe(other);
  });
});

/**
 * Orders from three hosts sharing PostgreSQL (three pools on one database), through the real
 * OrderPort and the domain services: hundreds of purchases, cancels, swaps, SMS (some reported
 * by two hosts), retries, finishes and expiry sweeps at once, over a few dozen SIMs and
 * customers with limited balances. Afterwards the database must show what one SQLite writer
 * would: no SIM in two rentals at once, no (SIM, service) sold twice or sold past its cancel
 * limit, every balance equal to credits − purchases + refunds with an exact ledger chain, and no
 * error other than a domain refusal. Bursts with more free SIMs than purchases show no purchase
 * refused `no_numbers` while a SIM was free.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CatalogService,
  CustomerService,
  MatchingService,
  OrderService,
  leastRecentlyUsed,
  randomPolicy,
  type AllocationPolicy,
  type Order,
  type Principal,
} from '../../src/domain/index.js';
import { ManualClock, isSimpoolError, type ErrorCode } from '../../src/shared/index.js';
import { expectOrderInvariants } from './order-invariants.js';
import { prng } from '../helpers/prng.js';
import { seenWaitingOnLock } from '../helpers/postgres.js';
import { closeHosts, openHosts, type Host } from './postgres-hosts.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MINUTE = 60_000;
const PRICE = 5000;
const RULES = { maxCancelsPerService: 2, cooldownMs: 0 };
const SERVICES = ['tg', 'wa', 'go', 'fb'];

/** What a command may answer under contention: the domain's refusals, nothing else. */
const REFUSALS: readonly ErrorCode[] = [
  'no_numbers',
  'insufficient_balance',
  'channels_limit',
  'bad_status',
  'too_early',
];

const iccid = (n: number) => `894400000000000${String(n).padStart(4, '0')}`;

interface HostServices {
  readonly orders: OrderService;
  readonly matching: MatchingService;
}

describe('orders from three hosts sharing PostgreSQL', () => {
  let hosts: Host[] = [];
  afterEach(() => closeHosts(hosts));

  let clock = new ManualClock(T0);

  async function setup(
    label: string,
    sims: number,
    customers: { readonly count: number; readonly balance: number; readonly maxOpen: number },
    policy: AllocationPolicy = leastRecentlyUsed,
  ): Promise<{ services: HostServices[]; principals: Principal[] }> {
    clock = new ManualClock(T0);
    hosts = await openHosts(label, 3, 6);
    const first = hosts[0]!;
    await new CatalogService(first.store.catalog, clock).seed();
    // Each host's modems report their SIMs: the pool is the three hosts' SIMs together.
    for (let n = 1; n <= sims; n++) {
      const { inventory } = hosts[n % 3]!.store;
      await inventory.recordSim({
        iccid: iccid(n),
        imsi: null,
        msisdn: `+4477009${String(n).padStart(5, '0')}`,
        country: 'GB',
        operator: 'Vodafone UK',
        imei: `3569380356${String(n).padStart(5, '0')}`,
        path: `/dev/ttyUSB${n}`,
        at: T0,
      });
      await inventory.setSimStatus(iccid(n), 'ready', T0);
      await inventory.recordSimHealth(
        iccid(n),
        { signalDbm: -70, registration: 'home', operator: null },
        T0,
      );
    }
    const accounts = new CustomerService(first.store.customers, clock);
    const principals: Principal[] = [];
    for (let i = 0; i < customers.count; i++) {
      const customer = await accounts.createCustomer(`c${i}@example.com`);
      const { key } = await accounts.createKey(customer.id, { maxOpenOrders: customers.maxOpen });
      await accounts.credit(customer.id, customers.balance);
      principals.push({ customerId: customer.id, apiKeyId: key.id });
    }
    const services = hosts.map((host) => ({
      orders: new OrderService(host.store.orders, clock, { rules: RULES, policy }),
      matching: new MatchingService(host.store.orders, clock, RULES),
    }));
    return { services, principals };
  }

  /** Runs a command; a domain refusal is counted, anything else is kept as an error. */
  function outcomes() {
    const refused = new Map<string, number>();
    const errors: unknown[] = [];
    const run = async <T>(command: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await command();
      } catch (error) {
        if (isSimpoolError(error) && REFUSALS.includes(error.code)) {
          refused.set(error.code, (refused.get(error.code) ?? 0) + 1);
          return undefined;
        }
        errors.push(error);
        return undefined;
      }
    };
    return { refused, errors, run };
  }

  async function rows<T>(sql: string): Promise<T[]> {
    return (await hosts[1]!.db.query(sql)).rows as T[];
  }

  it('keeps SIMs, pairs and money exact under hundreds of mixed commands', async () => {
    // More keys' limits than SIMs, and less money than a customer would spend.
    const credit = 12 * PRICE;
    const { services, principals } = await setup('alloc_mixed', 30, {
      count: 10,
      balance: credit,
      maxOpen: 5,
    });
    // Rentals of five minutes: every SIM is rented, released and rented again many times.
    for (const service of SERVICES) {
      await hosts[0]!.store.catalog.updateService(service, { lifetimeSeconds: 300 }, T0);
    }
    const random = prng(13);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const { refused, errors, run } = outcomes();
    /** Orders as the test last saw them (a concurrent swap may have moved one since). */
    const known = new Map<string, Order>();
    const ownerOf = new Map<string, Principal>();
    let inbound = 0;
    let commands = 0;
    const remember = (order: Order | undefined, principal: Principal) => {
      if (!order) return;
      known.set(order.id, order);
      ownerOf.set(order.id, principal);
    };

    for (let round = 0; round < 48; round++) {
      const work: (() => Promise<unknown>)[] = [];
      for (let i = 0; i < 30; i++) {
        const host = services[(round + i) % 3]!;
        const dice = random();
        const order = known.size > 0 ? pick([...known.values()]) : undefined;
        const owner = order && ownerOf.get(order.id)!;
        if (dice < 0.4 || !order || !owner) {
          const principal = pick(principals);
          work.push(async () =>
            remember(
              await run(() =>
                host.orders.purchase(principal, { service: pick(SERVICES), country: 'GB' }),
              ),
              principal,
            ),
          );
        } else if (dice < 0.55) {
          work.push(() => run(() => host.orders.cancel(owner.customerId, order.id)));
        } else if (dice < 0.65) {
          work.push(async () => {
            const swapped = await run(() => host.orders.swap(owner.customerId, order.id));
            remember(swapped?.order, owner);
          });
        } else if (dice < 0.8) {
          // An SMS for the order's SIM, now and then reported by two hosts at once.
          const sms = {
            iccid: order.simIccid,
            inboundMessageId: ++inbound,
            sender: 'Telegram',
            text: `Telegram code: ${10_000 + inbound}`,
            sentAt: clock.now(),
            receivedAt: clock.now(),
          };
          const reporters = random() < 0.5 ? [host] : [host, services[(round + i + 1) % 3]!];
          for (const reporter of reporters) {
            work.push(() => run(() => reporter.matching.onInboundSms(sms)));
          }
        } else if (dice < 0.92) {
          work.push(() => run(() => host.orders.finish(owner.customerId, order.id)));
        } else {
          work.push(() => run(() => host.orders.retry(owner.customerId, order.id)));
        }
      }
      // Every host sweeps expiry in every round, amid the commands.
      for (const host of services) work.push(() => run(() => host.orders.expireDue()));
      commands += work.length;
      await Promise.all(work.map((command) => command()));
      await clock.advance(MINUTE);
    }
    // The last rentals run out.
    await clock.advance(30 * MINUTE);
    await Promise.all(services.map((host) => run(() => host.orders.expireDue())));

    expect(errors).toEqual([]);
    expect(commands).toBeGreaterThan(1500);
    await expectOrderInvariants(hosts[1]!.db, { credit, maxOpenPerKey: 5, ...RULES });
    // The workload did what it was meant to: sold, refused and closed orders every way.
    const statuses = await rows<{ status: string; n: number }>(
      'SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY status',
    );
    expect(statuses.map((s) => s.status)).toEqual(['cancelled', 'expired', 'finished']);
    expect(Math.min(...statuses.map((s) => s.n))).toBeGreaterThan(5);
    expect(refused.get('insufficient_balance') ?? 0).toBeGreaterThan(0);
    expect(refused.get('bad_status') ?? 0).toBeGreaterThan(0);
    expect(await rows("SELECT 1 FROM order_numbers WHERE release_reason = 'swapped'")).not.toEqual(
      [],
    );
  }, 240_000);

  it('refuses no purchase while free SIMs outnumber the purchases, however hosts interleave', async () => {
    const sims = 24;
    for (const policy of [leastRecentlyUsed, randomPolicy(prng(7))]) {
      const { services, principals } = await setup(`alloc_burst_${policy.name}`, sims, {
        count: 6,
        balance: 100 * PRICE,
        maxOpen: 20,
      });
      const { refused, errors, run } = outcomes();
      let open: { order: Order; principal: Principal }[] = [];
      for (let round = 0; round < 4; round++) {
        // Half the SIMs are bought in each burst while the last burst's orders are cancelled
        // and every host sweeps expiry: at least as many SIMs are free as purchases are made
        // throughout (a cancel only adds one), so none may be refused.
        const buying = sims / 2;
        expect(sims - open.length).toBeGreaterThanOrEqual(buying);
        const service = SERVICES[round % SERVICES.length]!;
        const bought: { order: Order; principal: Principal }[] = [];
        await Promise.all([
          ...Array.from({ length: buying }, async (_, i) => {
            const principal = principals[(round + i) % principals.length]!;
            const order = await run(() =>
              services[i % 3]!.orders.purchase(principal, { service, country: 'GB' }),
            );
            if (order) bought.push({ order, principal });
          }),
          ...open.map(({ order, principal }, i) =>
            run(() => services[(i + 1) % 3]!.orders.cancel(principal.customerId, order.id)),
          ),
          ...services.map((host) => run(() => host.orders.expireDue())),
        ]);
        expect(errors).toEqual([]);
        expect(Object.fromEntries(refused)).toEqual({});
        expect(bought).toHaveLength(buying);
        expect(new Set(bought.map((b) => b.order.simIccid)).size).toBe(buying);
        open = bought;
        await clock.advance(3 * MINUTE); // past the hold: cancellable in the next burst
      }
      await clock.advance(30 * MINUTE);
      await Promise.all(services.map((host) => run(() => host.orders.expireDue())));
      await expectOrderInvariants(hosts[1]!.db, {
        credit: 100 * PRICE,
        maxOpenPerKey: 20,
        ...RULES,
      });
      await closeHosts(hosts);
    }
  }, 240_000);

  it('runs a purchase again, rather than failing it, when it loses a race to the open-order index', async () => {
    const { services, principals } = await setup('alloc_backstop', 2, {
      count: 1,
      balance: 10 * PRICE,
      maxOpen: 10,
    });
    const [intruder, buyer] = [hosts[2]!, services[0]!];
    // A writer that takes SIM 1 without locking its row (as no simpool transaction does), its
    // order not yet committed while a purchase picks SIM 1 and inserts its own open order.
    const { customerId, apiKeyId } = principals[0]!;
    const client = await intruder.db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO orders (id, customer_id, api_key_id, sandbox, service, country, price_units,
           sim_iccid, phone_number, status, created_at, number_assigned_at, hold_until,
           expires_at, updated_at)
         VALUES ('ord_intruder', $1, $2, 0, 'wa', 'GB', 0, $3, '+447700900001', 'waiting', $4, $4,
           $4, $5, $4)`,
        [customerId, apiKeyId, iccid(1), T0, T0 + 20 * MINUTE],
      );
      let answered = false;
      const purchase = buyer.orders
        .purchase(principals[0]!, { service: 'tg', country: 'GB' })
        .finally(() => (answered = true));
      // The purchase waits on the intruder's uncommitted index entry for SIM 1.
      const waiting = await seenWaitingOnLock(hosts[1]!.db, 'simpool:host-0', () => answered);
      expect(waiting).toBe(true);
      await client.query('COMMIT');
      const order = await purchase;
      expect(order.simIccid).toBe(iccid(2));
      expect(order.activationId).toBeGreaterThan(0);
    } finally {
      client.release();
    }
    const open = await rows<{ id: string; sim_iccid: string }>(
      "SELECT id, sim_iccid FROM orders WHERE status = 'waiting' ORDER BY sim_iccid",
    );
    expect(open.map((o) => o.sim_iccid)).toEqual([iccid(1), iccid(2)]);
    expect(await rows("SELECT 1 FROM ledger WHERE type = 'purchase'")).toHaveLength(1);
  });
});

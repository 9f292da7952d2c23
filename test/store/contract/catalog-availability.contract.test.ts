/**
 * CatalogPort on both engines, which SIMs count as available: the eligibility filter purchases
 * share (state, registration, number, country, open orders, per-service usage, blacklist,
 * cooldown, simulated or real), with SIMs, orders and usage seeded by SQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EligibilityRules } from '../../../src/domain/index.js';
import {
  MINUTE,
  SMALL_SEED,
  T0,
  accountPorts,
  addOrder,
  addSim,
  addUsage,
  iccid,
  type AccountPorts,
} from './account-ports.js';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';

const RULES: EligibilityRules = { maxCancelsPerService: 2, cooldownMs: 10 * MINUTE };

for (const engine of ENGINES) {
  describe(`CatalogPort availability on ${engine}`, () => {
    let db: EngineDatabase;
    let ports: AccountPorts;

    beforeEach(async () => {
      db = await openEngineDatabase(engine, 'availability');
      ports = accountPorts(db.current());
      await ports.catalog.seed(SMALL_SEED, T0);
      await ports.catalog.setPrice('tg', 'DE', 4000, T0);
    });
    afterEach(() => db.close());

    const available = (service: string, country = 'GB', now = T0, rules = RULES) =>
      ports.catalog.availability(service, country, rules, now, false);

    /** A customer and key the seeded orders belong to. */
    async function owner(): Promise<{ customerId: string; apiKeyId: string }> {
      const customer = await ports.customers.createCustomer({
        id: 'cus_owner',
        email: 'owner@example.com',
        createdAt: T0,
        bannedUntil: null,
      });
      if (!customer) throw new Error('owner exists');
      const key = await ports.customers.insertKey({
        id: 'key_owner',
        customerId: customer.id,
        prefix: 'sp_live_abcd',
        hash: 'owner-hash',
        scopes: ['orders'],
        sandbox: false,
        maxOpenOrders: null,
        label: null,
        createdAt: T0,
      });
      return { customerId: customer.id, apiKeyId: key.id };
    }

    it('counts ready, enabled, registered SIMs of the country with a known number', async () => {
      await addSim(db, { iccid: iccid(1) });
      await addSim(db, { iccid: iccid(2), registration: 'roaming' });
      await addSim(db, { iccid: iccid(3), registration: 'searching' });
      await addSim(db, { iccid: iccid(4), registration: null });
      await addSim(db, { iccid: iccid(5), status: 'degraded' });
      await addSim(db, { iccid: iccid(6), status: 'offline' });
      await addSim(db, { iccid: iccid(7), msisdn: null });
      await addSim(db, { iccid: iccid(8), msisdn: '' });
      await addSim(db, { iccid: iccid(9), enabled: false });
      await addSim(db, { iccid: iccid(10), country: 'DE' });
      expect(await available('tg')).toBe(2);
      expect(await available('tg', 'DE')).toBe(1);
      expect(await available('tg', 'FR')).toBe(0);
      expect(await ports.catalog.listPrices({ service: 'tg' }, RULES, T0, false)).toEqual([
        { service: 'tg', country: 'DE', priceUnits: 4000, available: 1 },
        { service: 'tg', country: 'GB', priceUnits: 4000, available: 2 },
        { service: 'tg', country: 'US', priceUnits: 4000, available: 0 },
      ]);
    });

    it('skips a SIM in an open order for every service, and one sold for the service', async () => {
      const who = await owner();
      await addSim(db, { iccid: iccid(1) });
      await addSim(db, { iccid: iccid(2) });
      await addSim(db, { iccid: iccid(3) });
      await addOrder(db, {
        ...who,
        id: 'ord_1',
        sim: iccid(1),
        service: 'tg',
        status: 'waiting',
        at: T0,
      });
      await addOrder(db, {
        ...who,
        id: 'ord_2',
        sim: iccid(2),
        service: 'tg',
        status: 'received',
        at: T0,
      });
      expect(await available('tg')).toBe(1);
      expect(await available('wa')).toBe(1);
      await db.exec("UPDATE orders SET status = 'finished' WHERE id = 'ord_2'");
      await addUsage(db, {
        sim: iccid(2),
        service: 'tg',
        outcome: 'sold',
        orderId: 'ord_2',
        at: T0,
      });
      expect(await available('tg')).toBe(1); // SIM 2 was sold for tg: never again
      expect(await available('wa')).toBe(2);
      expect(await ports.catalog.listPrices({ country: 'GB' }, RULES, T0, false)).toEqual([
        { service: 'tg', country: 'GB', priceUnits: 4000, available: 1 },
        { service: 'wa', country: 'GB', priceUnits: 4000, available: 2 },
      ]);
    });

    it('skips a SIM blacklisted for the service until it is taken off the list', async () => {
      await addSim(db, { iccid: iccid(1) });
      await ports.catalog.blacklist(iccid(1), 'tg', 'banned by Telegram', T0);
      await ports.catalog.blacklist(iccid(1), 'tg', 'still banned', T0 + 1);
      expect(
        await db.rows('SELECT sim_iccid, service, reason, created_at FROM sim_service_blacklist'),
      ).toEqual([{ sim_iccid: iccid(1), service: 'tg', reason: 'still banned', created_at: T0 }]);
      expect(await available('tg')).toBe(0);
      expect(await available('wa')).toBe(1);
      expect(await ports.catalog.unblacklist(iccid(1), 'tg')).toBe(true);
      expect(await ports.catalog.unblacklist(iccid(1), 'tg')).toBe(false);
      expect(await available('tg')).toBe(1);
      // A SIM not (yet) in the inventory may be listed too.
      await ports.catalog.blacklist(iccid(99), 'wa', 'ported out', T0);
      expect(await ports.catalog.unblacklist(iccid(99), 'wa')).toBe(true);
    });

    it('skips a SIM cancelled maxCancelsPerService times for the service', async () => {
      await addSim(db, { iccid: iccid(1) });
      await addUsage(db, {
        sim: iccid(1),
        service: 'tg',
        outcome: 'cancelled',
        orderId: 'o1',
        at: T0,
      });
      await addUsage(db, {
        sim: iccid(1),
        service: 'tg',
        outcome: 'expired',
        orderId: 'o2',
        at: T0,
      });
      expect(await available('tg')).toBe(1);
      await addUsage(db, {
        sim: iccid(1),
        service: 'tg',
        outcome: 'cancelled',
        orderId: 'o3',
        at: T0,
      });
      expect(await available('tg')).toBe(0);
      expect(await available('wa')).toBe(1);
      expect(await available('tg', 'GB', T0, { ...RULES, maxCancelsPerService: 3 })).toBe(1);
    });

    it('waits for the cooldown after a rental ends', async () => {
      const who = await owner();
      await addSim(db, { iccid: iccid(1) });
      await addOrder(db, {
        ...who,
        id: 'ord_1',
        sim: iccid(1),
        service: 'tg',
        status: 'cancelled',
        at: T0,
        releasedAt: T0 + 2 * MINUTE,
      });
      const end = T0 + 2 * MINUTE;
      expect(await available('wa', 'GB', end + 10 * MINUTE - 1)).toBe(0);
      expect(await available('wa', 'GB', end + 10 * MINUTE)).toBe(1);
      expect(await available('wa', 'GB', end, { ...RULES, cooldownMs: 0 })).toBe(1);
    });

    it('gives sandbox keys simulated SIMs only, live keys real ones unless liveOnSimulated', async () => {
      await addSim(db, { iccid: iccid(1) });
      await addSim(db, { iccid: iccid(2), path: 'simulated:0' });
      await addSim(db, { iccid: iccid(3), path: 'simulated:1' });
      const count = (sandbox: boolean, liveOnSimulated: boolean) =>
        ports.catalog.availability('tg', 'GB', { ...RULES, liveOnSimulated }, T0, sandbox);
      expect(await count(false, false)).toBe(1);
      expect(await count(true, false)).toBe(2);
      expect(await count(false, true)).toBe(3);
      expect(await count(true, true)).toBe(2);
      const prices = await ports.catalog.listPrices(
        { service: 'tg', country: 'GB' },
        RULES,
        T0,
        true,
      );
      expect(prices).toEqual([{ service: 'tg', country: 'GB', priceUnits: 4000, available: 2 }]);
    });
  });
}

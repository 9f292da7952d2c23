/**
 * CatalogPort on both engines: seed, services, countries, prices, the blacklist, and which SIMs
 * count as available (the eligibility filter purchases share), with SIMs, orders and usage
 * seeded by SQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CatalogService,
  SEED_COUNTRIES,
  SEED_SERVICES,
  type CatalogSeedInput,
  type EligibilityRules,
} from '../../../src/domain/index.js';
import { ManualClock, isSimpoolError } from '../../../src/shared/index.js';
import {
  accountPorts,
  addOrder,
  addSim,
  addUsage,
  iccid,
  type AccountPorts,
} from './account-ports.js';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MINUTE = 60_000;
const RULES: EligibilityRules = { maxCancelsPerService: 2, cooldownMs: 10 * MINUTE };

const SMALL_SEED: CatalogSeedInput = {
  services: [
    { code: 'wa', name: 'WhatsApp', senderPatterns: ['^WhatsApp$'], codePattern: null },
    {
      code: 'tg',
      name: 'Telegram',
      senderPatterns: ['^Telegram$', '^42777$'],
      codePattern: 'code: (?<code>\\d{5})',
      callCodeDigits: 4,
    },
  ],
  countries: [
    {
      activateId: 187,
      iso2: 'us',
      eng: 'USA',
      rus: 'США',
      chn: '美国',
      callingCode: 1,
      mccs: ['310'],
    },
    {
      activateId: 16,
      iso2: 'GB',
      eng: 'United Kingdom',
      rus: 'Англия',
      chn: '英国',
      callingCode: 44,
      mccs: ['234', '235'],
    },
    {
      activateId: 12,
      iso2: 'US',
      eng: 'USA (virtual)',
      rus: 'США (виртуальный)',
      chn: '美国 (虚拟)',
      callingCode: 1,
      mccs: [],
      virtual: true,
    },
  ],
  defaultPriceUnits: 4000,
  defaultHoldSeconds: 90,
  defaultLifetimeSeconds: 900,
};

for (const engine of ENGINES) {
  describe(`CatalogPort on ${engine}`, () => {
    let db: EngineDatabase;
    let ports: AccountPorts;
    const clock = new ManualClock(T0);

    beforeEach(async () => {
      db = await openEngineDatabase(engine, 'catalog');
      ports = accountPorts(db.current());
    });
    afterEach(() => db.close());

    async function reopen(): Promise<void> {
      ports = accountPorts(await db.reopen());
    }

    describe('seed, services and countries', () => {
      it('seeds what is missing, with the given defaults, and reports what it added', async () => {
        expect(await ports.catalog.seed(SMALL_SEED, T0)).toEqual({
          servicesAdded: 2,
          countriesAdded: 3,
          pricesAdded: 4, // 2 services × 2 real countries; the virtual one is never priced
        });
        expect(await ports.catalog.listServices()).toEqual([
          {
            code: 'tg',
            name: 'Telegram',
            senderPatterns: ['^Telegram$', '^42777$'],
            codePattern: 'code: (?<code>\\d{5})',
            holdSeconds: 90,
            lifetimeSeconds: 900,
            enabled: true,
            callCodeDigits: 4,
          },
          {
            code: 'wa',
            name: 'WhatsApp',
            senderPatterns: ['^WhatsApp$'],
            codePattern: null,
            holdSeconds: 90,
            lifetimeSeconds: 900,
            enabled: true,
            callCodeDigits: null,
          },
        ]);
        expect(await ports.catalog.listCountries()).toEqual([
          {
            activateId: 12,
            iso2: 'US',
            eng: 'USA (virtual)',
            rus: 'США (виртуальный)',
            chn: '美国 (虚拟)',
            callingCode: 1,
            mccs: [],
            virtual: true,
            enabled: true,
          },
          {
            activateId: 16,
            iso2: 'GB',
            eng: 'United Kingdom',
            rus: 'Англия',
            chn: '英国',
            callingCode: 44,
            mccs: ['234', '235'],
            virtual: false,
            enabled: true,
          },
          {
            activateId: 187,
            iso2: 'US',
            eng: 'USA',
            rus: 'США',
            chn: '美国',
            callingCode: 1,
            mccs: ['310'],
            virtual: false,
            enabled: true,
          },
        ]);
        expect(await ports.catalog.listPrices({}, RULES, T0, false)).toEqual([
          { service: 'tg', country: 'GB', priceUnits: 4000, available: 0 },
          { service: 'tg', country: 'US', priceUnits: 4000, available: 0 },
          { service: 'wa', country: 'GB', priceUnits: 4000, available: 0 },
          { service: 'wa', country: 'US', priceUnits: 4000, available: 0 },
        ]);

        await ports.catalog.setPrice('tg', 'GB', 7500, T0);
        const more: CatalogSeedInput = {
          ...SMALL_SEED,
          services: [
            ...SMALL_SEED.services,
            { code: 'go', name: 'Google', senderPatterns: [], codePattern: null },
          ],
          defaultPriceUnits: 1,
        };
        expect(await ports.catalog.seed(more, T0 + 1)).toEqual({
          servicesAdded: 1,
          countriesAdded: 0,
          pricesAdded: 2,
        });
        const prices = await ports.catalog.listPrices({}, RULES, T0, false);
        expect(prices.map((p) => [p.service, p.country, p.priceUnits])).toEqual([
          ['go', 'GB', 1],
          ['go', 'US', 1],
          ['tg', 'GB', 7500],
          ['tg', 'US', 4000],
          ['wa', 'GB', 4000],
          ['wa', 'US', 4000],
        ]);
      });

      it('is seeded once with the default price and keeps operator edits on the next start', async () => {
        const catalog = new CatalogService(ports.catalog, clock);
        expect(await catalog.seed()).toEqual({
          servicesAdded: SEED_SERVICES.length,
          countriesAdded: SEED_COUNTRIES.length,
          pricesAdded: SEED_SERVICES.length * SEED_COUNTRIES.filter((c) => !c.virtual).length,
        });
        const services = await catalog.listServices();
        expect(services.find((s) => s.code === 'tg')).toMatchObject({
          name: 'Telegram',
          holdSeconds: 120,
          lifetimeSeconds: 1200,
        });
        const countries = await catalog.listCountries();
        expect((await catalog.resolveCountry('US')).activateId).toBe(187);
        expect((await catalog.resolveCountry('12')).virtual).toBe(true);
        const prices = await catalog.prices({ service: 'tg' });
        expect(prices).toHaveLength(countries.filter((c) => !c.virtual).length);
        expect(prices.every((p) => p.priceUnits === 5000)).toBe(true);

        await catalog.setPrice('tg', 'GB', '0.75');
        await catalog.updateService('tg', {
          holdSeconds: 60,
          codePattern: 'code: (?<code>\\d{5})',
        });
        await reopen();
        const again = new CatalogService(ports.catalog, clock);
        expect(await again.seed()).toEqual({ servicesAdded: 0, countriesAdded: 0, pricesAdded: 0 });
        expect(await again.prices({ service: 'tg', country: '16' })).toEqual([
          { service: 'tg', country: 'GB', priceUnits: 7500, available: 0 },
        ]);
        expect((await again.getService('tg')).holdSeconds).toBe(60);
      });

      it('gives seeded services the configured hold and lifetime, and keeps them on the next start', async () => {
        const first = new CatalogService(ports.catalog, clock, {
          defaultHoldSeconds: 30,
          defaultLifetimeSeconds: 600,
        });
        await first.seed();
        expect(await first.getService('tg')).toMatchObject({
          holdSeconds: 30,
          lifetimeSeconds: 600,
        });
        // Changing the defaults later touches no service already in the database.
        const second = new CatalogService(ports.catalog, clock, { defaultHoldSeconds: 90 });
        await second.seed();
        expect(await second.getService('tg')).toMatchObject({ holdSeconds: 30 });
      });

      it('defaults to API.md hold 120 s and lifetime 20 min', async () => {
        const catalog = new CatalogService(ports.catalog, clock);
        await catalog.seed();
        expect(await catalog.getService('wa')).toMatchObject({
          holdSeconds: 120,
          lifetimeSeconds: 1200,
        });
      });

      it('refuses an invalid pattern or hold, and an unknown service', async () => {
        const catalog = new CatalogService(ports.catalog, clock);
        await catalog.seed();
        await expect(catalog.updateService('tg', { codePattern: '(' })).rejects.toSatisfy((e) =>
          isSimpoolError(e, 'validation_failed'),
        );
        await expect(catalog.updateService('tg', { holdSeconds: -1 })).rejects.toSatisfy((e) =>
          isSimpoolError(e, 'validation_failed'),
        );
        await expect(catalog.getService('zz9')).rejects.toSatisfy((e) =>
          isSimpoolError(e, 'unknown_service'),
        );
      });

      it('updates the fields a patch names and keeps the others', async () => {
        await ports.catalog.seed(SMALL_SEED, T0);
        const updated = await ports.catalog.updateService(
          'tg',
          { enabled: false, senderPatterns: ['^TG$'], callCodeDigits: null },
          T0 + 5,
        );
        const expected = {
          code: 'tg',
          name: 'Telegram',
          senderPatterns: ['^TG$'],
          codePattern: 'code: (?<code>\\d{5})',
          holdSeconds: 90,
          lifetimeSeconds: 900,
          enabled: false,
          callCodeDigits: null,
        };
        expect(updated).toEqual(expected);
        expect(await ports.catalog.getService('tg')).toEqual(expected);
        expect(
          await ports.catalog.updateService('tg', { name: 'Telegram X', codePattern: null }, T0),
        ).toMatchObject({ name: 'Telegram X', codePattern: null, enabled: false });
        expect(await ports.catalog.updateService('zz9', { name: 'x' }, T0)).toBeUndefined();
        expect(await ports.catalog.getService('zz9')).toBeUndefined();
        const rows = await db.rows<{ updated_at: number }>(
          "SELECT updated_at FROM services WHERE code = 'tg'",
        );
        expect(rows).toEqual([{ updated_at: T0 }]);
      });

      it('finds a country by id or ISO code (the real row first) and enables or disables it', async () => {
        await ports.catalog.seed(SMALL_SEED, T0);
        expect((await ports.catalog.findCountry('US'))?.activateId).toBe(187);
        expect((await ports.catalog.findCountry(' us '))?.activateId).toBe(187);
        expect(await ports.catalog.findCountry('12')).toMatchObject({ iso2: 'US', virtual: true });
        expect((await ports.catalog.findCountry('16'))?.iso2).toBe('GB');
        expect(await ports.catalog.findCountry('99')).toBeUndefined();
        expect(await ports.catalog.findCountry('FR')).toBeUndefined();
        expect(await ports.catalog.findCountry('GBR')).toBeUndefined();
        expect(await ports.catalog.findCountry('')).toBeUndefined();

        expect(await ports.catalog.setCountryEnabled(16, false)).toBe(true);
        expect(await ports.catalog.findCountry('GB')).toMatchObject({ enabled: false });
        expect(await ports.catalog.setCountryEnabled(16, true)).toBe(true);
        expect(await ports.catalog.findCountry('16')).toMatchObject({ enabled: true });
        expect(await ports.catalog.setCountryEnabled(999, false)).toBe(false);
      });

      it('sets a price (new or replaced) and filters the price list by service and country', async () => {
        await ports.catalog.seed(SMALL_SEED, T0);
        await ports.catalog.setPrice('wa', 'GB', 12_345, T0 + 1);
        await ports.catalog.setPrice('tg', 'DE', 600, T0 + 1);
        expect(await ports.catalog.listPrices({ service: 'wa' }, RULES, T0, false)).toEqual([
          { service: 'wa', country: 'GB', priceUnits: 12_345, available: 0 },
          { service: 'wa', country: 'US', priceUnits: 4000, available: 0 },
        ]);
        expect(await ports.catalog.listPrices({ country: 'DE' }, RULES, T0, true)).toEqual([
          { service: 'tg', country: 'DE', priceUnits: 600, available: 0 },
        ]);
        expect(
          await ports.catalog.listPrices({ service: 'tg', country: 'GB' }, RULES, T0, false),
        ).toEqual([{ service: 'tg', country: 'GB', priceUnits: 4000, available: 0 }]);
        expect(await ports.catalog.listPrices({ service: 'zz' }, RULES, T0, false)).toEqual([]);
      });
    });

    describe('which SIMs are available', () => {
      beforeEach(async () => {
        await ports.catalog.seed(SMALL_SEED, T0);
        await ports.catalog.setPrice('tg', 'DE', 4000, T0);
      });

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
  });
}

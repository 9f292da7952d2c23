/**
 * CatalogPort on both engines: seed, services, countries and prices (availability and the
 * blacklist: catalog-availability.contract.test.ts).
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
import { MINUTE, SMALL_SEED, T0, accountPorts, type AccountPorts } from './account-ports.js';
import { ENGINES, openEngineDatabase, type EngineDatabase } from './engines.js';

const RULES: EligibilityRules = { maxCancelsPerService: 2, cooldownMs: 10 * MINUTE };

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
  });
}

import type Database from 'better-sqlite3';
import type {
  CatalogPort,
  CatalogSeedInput,
  Country,
  EligibilityRules,
  PriceEntry,
  SeedReport,
  Service,
  ServicePatch,
} from '../../domain/index.js';
import {
  catalogSeedRows,
  countryFromRow,
  parseCountryRef,
  serviceColumns,
  serviceFromRow,
  type CountryTableRow,
  type ServiceTableRow,
} from '../common/catalog-rows.js';
import type { SqliteDatabase } from './database.js';
import { SimEligibility } from './sim-eligibility.js';

interface PriceRow {
  readonly service: string;
  readonly country: string;
  readonly price_units: number;
}

function prepareCatalogStatements(db: SqliteDatabase) {
  return {
    insertService: db.prepare(
      `INSERT INTO services (code, name, sender_patterns, code_pattern, hold_seconds,
         lifetime_seconds, call_code_digits, created_at, updated_at)
       VALUES (@code, @name, @senderPatterns, @codePattern, @hold, @lifetime, @callCodeDigits,
         @now, @now)
       ON CONFLICT (code) DO NOTHING`,
    ),
    insertCountry: db.prepare(
      `INSERT INTO countries (activate_id, iso2, name_eng, name_rus, name_chn, calling_code, mccs,
         virtual)
       VALUES (@activateId, @iso2, @eng, @rus, @chn, @callingCode, @mccs, @virtual)
       ON CONFLICT (activate_id) DO NOTHING`,
    ),
    insertPrice: db.prepare(
      `INSERT INTO prices (service, country, price_units, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (service, country) DO NOTHING`,
    ),
    upsertPrice: db.prepare(
      `INSERT INTO prices (service, country, price_units, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (service, country) DO UPDATE SET price_units = excluded.price_units,
         updated_at = excluded.updated_at`,
    ),
    services: db.prepare<[], ServiceTableRow>('SELECT * FROM services ORDER BY code'),
    service: db.prepare<[string], ServiceTableRow>('SELECT * FROM services WHERE code = ?'),
    updateService: db.prepare(
      `UPDATE services SET name = @name, sender_patterns = @senderPatterns,
         code_pattern = @codePattern, hold_seconds = @hold, lifetime_seconds = @lifetime,
         enabled = @enabled, call_code_digits = @callCodeDigits, updated_at = @now
       WHERE code = @code`,
    ),
    countries: db.prepare<[], CountryTableRow>('SELECT * FROM countries ORDER BY activate_id'),
    countryById: db.prepare<[number], CountryTableRow>(
      'SELECT * FROM countries WHERE activate_id = ?',
    ),
    countryByIso2: db.prepare<[string], CountryTableRow>(
      'SELECT * FROM countries WHERE iso2 = ? ORDER BY virtual LIMIT 1',
    ),
    setCountryEnabled: db.prepare<[number, number]>(
      'UPDATE countries SET enabled = ? WHERE activate_id = ?',
    ),
    prices: db.prepare<{ service: string | null; country: string | null }, PriceRow>(
      `SELECT service, country, price_units FROM prices
        WHERE (@service IS NULL OR service = @service) AND (@country IS NULL OR country = @country)
        ORDER BY service, country`,
    ),
    blacklist: db.prepare(
      `INSERT INTO sim_service_blacklist (sim_iccid, service, reason, created_at)
       VALUES (?, ?, ?, ?) ON CONFLICT (sim_iccid, service) DO UPDATE SET reason = excluded.reason`,
    ),
    unblacklist: db.prepare<[string, string]>(
      'DELETE FROM sim_service_blacklist WHERE sim_iccid = ? AND service = ?',
    ),
  };
}

/** Services, countries, prices and the per-(SIM, service) blacklist. */
export class SqliteCatalogRepository implements CatalogPort {
  private readonly s: ReturnType<typeof prepareCatalogStatements>;
  private readonly eligibility: SimEligibility;
  private readonly seedTx: Database.Transaction<
    (input: CatalogSeedInput, now: number) => SeedReport
  >;

  constructor(private readonly db: SqliteDatabase) {
    this.s = prepareCatalogStatements(db);
    this.eligibility = new SimEligibility(db);
    this.seedTx = db.transaction((input: CatalogSeedInput, now: number) => {
      const rows = catalogSeedRows(input);
      let servicesAdded = 0;
      let countriesAdded = 0;
      let pricesAdded = 0;
      for (const service of rows.services) {
        servicesAdded += this.s.insertService.run({ ...service, now }).changes;
      }
      for (const country of rows.countries) {
        countriesAdded += this.s.insertCountry.run(country).changes;
      }
      for (const price of rows.prices) {
        pricesAdded += this.s.insertPrice.run(
          price.service,
          price.country,
          input.defaultPriceUnits,
          now,
        ).changes;
      }
      return { servicesAdded, countriesAdded, pricesAdded };
    });
  }

  seed(input: CatalogSeedInput, now: number): Promise<SeedReport> {
    return Promise.resolve(this.seedTx.immediate(input, now));
  }

  listServices(): Promise<Service[]> {
    return Promise.resolve(this.s.services.all().map(serviceFromRow));
  }

  getService(code: string): Promise<Service | undefined> {
    return Promise.resolve(this.getServiceSync(code));
  }

  /** For the order transactions, which must read inside their own transaction. */
  getServiceSync(code: string): Service | undefined {
    const row = this.s.service.get(code);
    return row ? serviceFromRow(row) : undefined;
  }

  updateService(code: string, patch: ServicePatch, now: number): Promise<Service | undefined> {
    const row = this.s.service.get(code);
    if (!row) return Promise.resolve(undefined);
    const next: Service = { ...serviceFromRow(row), ...patch };
    this.s.updateService.run({ code, ...serviceColumns(next), now });
    return Promise.resolve(next);
  }

  listCountries(): Promise<Country[]> {
    return Promise.resolve(this.s.countries.all().map(countryFromRow));
  }

  findCountry(ref: string): Promise<Country | undefined> {
    return Promise.resolve(this.findCountrySync(ref));
  }

  /** Digits: sms-activate id; letters: ISO-2 (the real-SIM row when a virtual one shares it). */
  findCountrySync(ref: string): Country | undefined {
    const parsed = parseCountryRef(ref);
    const row =
      parsed === undefined
        ? undefined
        : 'activateId' in parsed
          ? this.s.countryById.get(parsed.activateId)
          : this.s.countryByIso2.get(parsed.iso2);
    return row ? countryFromRow(row) : undefined;
  }

  setCountryEnabled(activateId: number, enabled: boolean): Promise<boolean> {
    return Promise.resolve(this.s.setCountryEnabled.run(enabled ? 1 : 0, activateId).changes > 0);
  }

  setPrice(service: string, iso2: string, priceUnits: number, now: number): Promise<void> {
    this.s.upsertPrice.run(service, iso2, priceUnits, now);
    return Promise.resolve();
  }

  listPrices(
    filter: { readonly service?: string; readonly country?: string },
    rules: EligibilityRules,
    now: number,
    sandbox: boolean,
  ): Promise<PriceEntry[]> {
    // One read transaction: every count sees the same snapshot.
    const read = this.db.transaction(() =>
      this.s.prices
        .all({ service: filter.service ?? null, country: filter.country ?? null })
        .map((row) => ({
          service: row.service,
          country: row.country,
          priceUnits: row.price_units,
          available: this.eligibility.count(row.service, row.country, rules, now, sandbox),
        })),
    );
    return Promise.resolve(read.deferred());
  }

  availability(
    service: string,
    iso2: string,
    rules: EligibilityRules,
    now: number,
    sandbox: boolean,
  ): Promise<number> {
    return Promise.resolve(this.eligibility.count(service, iso2, rules, now, sandbox));
  }

  blacklist(iccid: string, service: string, reason: string, now: number): Promise<void> {
    this.s.blacklist.run(iccid, service, reason, now);
    return Promise.resolve();
  }

  unblacklist(iccid: string, service: string): Promise<boolean> {
    return Promise.resolve(this.s.unblacklist.run(iccid, service).changes > 0);
  }
}

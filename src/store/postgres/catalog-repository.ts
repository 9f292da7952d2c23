/**
 * Services, countries, prices and the per-(SIM, service) blacklist on PostgreSQL: the twin of
 * src/store/sqlite/catalog-repository.ts (row mapping and seed rows in src/store/common).
 *
 * For the order transactions, `readService(client, code)` and `readCountry(client, ref)` read
 * inside the caller's transaction (SQLite's getServiceSync / findCountrySync).
 */
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
import { eligibilityParams } from '../common/sim-eligibility.js';
import type { PostgresDatabase, Queryable } from './database.js';
import {
  eligibilitySql,
  eligibilityValues,
  type PostgresSimEligibility,
} from './sim-eligibility.js';

const SQL = {
  // Seeds insert set-wise (one statement per table, not one per row); ON CONFLICT DO NOTHING
  // lets hosts seeding at once add each row once.
  insertServices: `
    INSERT INTO services (code, name, sender_patterns, code_pattern, call_code_digits,
      hold_seconds, lifetime_seconds, created_at, updated_at)
    SELECT code, name, sender_patterns, code_pattern, call_code_digits, $6, $7, $8, $8
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
        AS t(code, name, sender_patterns, code_pattern, call_code_digits)
    ON CONFLICT (code) DO NOTHING`,
  insertCountries: `
    INSERT INTO countries (activate_id, iso2, name_eng, name_rus, name_chn, calling_code, mccs,
      virtual)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
      $6::bigint[], $7::text[], $8::smallint[])
    ON CONFLICT (activate_id) DO NOTHING`,
  insertPrices: `
    INSERT INTO prices (service, country, price_units, updated_at)
    SELECT service, country, $3, $4 FROM unnest($1::text[], $2::text[]) AS t(service, country)
    ON CONFLICT (service, country) DO NOTHING`,
  upsertPrice: `
    INSERT INTO prices (service, country, price_units, updated_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (service, country) DO UPDATE SET price_units = EXCLUDED.price_units,
      updated_at = EXCLUDED.updated_at`,
  // COLLATE "C": SQLite's order (bytes), whatever the database's collation.
  services: 'SELECT * FROM services ORDER BY code COLLATE "C"',
  service: 'SELECT * FROM services WHERE code = $1',
  serviceForUpdate: 'SELECT * FROM services WHERE code = $1 FOR UPDATE',
  updateService: `
    UPDATE services SET name = $2, sender_patterns = $3, code_pattern = $4, hold_seconds = $5,
      lifetime_seconds = $6, enabled = $7, call_code_digits = $8, updated_at = $9
     WHERE code = $1`,
  countries: 'SELECT * FROM countries ORDER BY activate_id',
  countryById: 'SELECT * FROM countries WHERE activate_id = $1',
  countryByIso2: 'SELECT * FROM countries WHERE iso2 = $1 ORDER BY virtual LIMIT 1',
  setCountryEnabled: 'UPDATE countries SET enabled = $1 WHERE activate_id = $2',
  // Each price row's availability counted by the shared filter, with the row's own service and
  // country: one statement, so every count sees the same snapshot (and one round trip).
  prices: `
    SELECT p.service, p.country, p.price_units,
      (SELECT COUNT(*) FROM sims s
        WHERE ${eligibilitySql({ service: 'p.service', country: 'p.country' })}) AS available
      FROM prices p
     WHERE ($1::text IS NULL OR p.service = $1::text) AND ($2::text IS NULL OR p.country = $2::text)
     ORDER BY p.service COLLATE "C", p.country COLLATE "C"`,
  // Blacklisting takes a SIM away from a service: it touches the SIM's row (a lock), as every
  // change of eligibility does, so a purchase claiming that SIM meanwhile is seen or waited for.
  lockSim: 'SELECT 1 FROM sims WHERE iccid = $1 FOR NO KEY UPDATE',
  blacklist: `
    INSERT INTO sim_service_blacklist (sim_iccid, service, reason, created_at)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT (sim_iccid, service) DO UPDATE SET reason = EXCLUDED.reason`,
  unblacklist: 'DELETE FROM sim_service_blacklist WHERE sim_iccid = $1 AND service = $2',
} as const;

interface PriceRow {
  readonly service: string;
  readonly country: string;
  readonly price_units: number;
  readonly available: number;
}

export class PostgresCatalogRepository implements CatalogPort {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly eligibility: PostgresSimEligibility,
  ) {}

  seed(input: CatalogSeedInput, now: number): Promise<SeedReport> {
    const rows = catalogSeedRows(input);
    return this.db.transaction(async (client) => {
      const services = await client.query(SQL.insertServices, [
        rows.services.map((s) => s.code),
        rows.services.map((s) => s.name),
        rows.services.map((s) => s.senderPatterns),
        rows.services.map((s) => s.codePattern),
        rows.services.map((s) => s.callCodeDigits),
        input.defaultHoldSeconds,
        input.defaultLifetimeSeconds,
        now,
      ]);
      const countries = await client.query(SQL.insertCountries, [
        rows.countries.map((c) => c.activateId),
        rows.countries.map((c) => c.iso2),
        rows.countries.map((c) => c.eng),
        rows.countries.map((c) => c.rus),
        rows.countries.map((c) => c.chn),
        rows.countries.map((c) => c.callingCode),
        rows.countries.map((c) => c.mccs),
        rows.countries.map((c) => c.virtual),
      ]);
      const prices = await client.query(SQL.insertPrices, [
        rows.prices.map((p) => p.service),
        rows.prices.map((p) => p.country),
        input.defaultPriceUnits,
        now,
      ]);
      return {
        servicesAdded: services.rowCount ?? 0,
        countriesAdded: countries.rowCount ?? 0,
        pricesAdded: prices.rowCount ?? 0,
      };
    });
  }

  async listServices(): Promise<Service[]> {
    return (await this.db.query<ServiceTableRow>(SQL.services)).rows.map(serviceFromRow);
  }

  getService(code: string): Promise<Service | undefined> {
    return this.readService(this.db, code);
  }

  /** For the order transactions, which must read inside their own transaction. */
  async readService(db: Queryable, code: string): Promise<Service | undefined> {
    const row = (await db.query<ServiceTableRow>(SQL.service, [code])).rows[0];
    return row ? serviceFromRow(row) : undefined;
  }

  /** The row locked while the patch is applied: two edits of one service never lose either. */
  updateService(code: string, patch: ServicePatch, now: number): Promise<Service | undefined> {
    return this.db.transaction(async (client) => {
      const row = (await client.query<ServiceTableRow>(SQL.serviceForUpdate, [code])).rows[0];
      if (!row) return undefined;
      const next: Service = { ...serviceFromRow(row), ...patch };
      const c = serviceColumns(next);
      await client.query(SQL.updateService, [
        code,
        c.name,
        c.senderPatterns,
        c.codePattern,
        c.hold,
        c.lifetime,
        c.enabled,
        c.callCodeDigits,
        now,
      ]);
      return next;
    });
  }

  async listCountries(): Promise<Country[]> {
    return (await this.db.query<CountryTableRow>(SQL.countries)).rows.map(countryFromRow);
  }

  findCountry(ref: string): Promise<Country | undefined> {
    return this.readCountry(this.db, ref);
  }

  /** Digits: sms-activate id; letters: ISO-2 (the real-SIM row when a virtual one shares it). */
  async readCountry(db: Queryable, ref: string): Promise<Country | undefined> {
    const parsed = parseCountryRef(ref);
    if (parsed === undefined) return undefined;
    const result =
      'activateId' in parsed
        ? await db.query<CountryTableRow>(SQL.countryById, [parsed.activateId])
        : await db.query<CountryTableRow>(SQL.countryByIso2, [parsed.iso2]);
    const row = result.rows[0];
    return row ? countryFromRow(row) : undefined;
  }

  async setCountryEnabled(activateId: number, enabled: boolean): Promise<boolean> {
    const result = await this.db.query(SQL.setCountryEnabled, [enabled ? 1 : 0, activateId]);
    return (result.rowCount ?? 0) > 0;
  }

  async setPrice(service: string, iso2: string, priceUnits: number, now: number): Promise<void> {
    await this.db.query(SQL.upsertPrice, [service, iso2, priceUnits, now]);
  }

  async listPrices(
    filter: { readonly service?: string; readonly country?: string },
    rules: EligibilityRules,
    now: number,
    sandbox: boolean,
  ): Promise<PriceEntry[]> {
    // $1, $2: the filter (null: all); $3…$7: the eligibility rules ($1, $2 are per row there).
    const rulesValues = eligibilityValues(eligibilityParams('', '', rules, now, sandbox, ''));
    const result = await this.db.query<PriceRow>(SQL.prices, [
      filter.service ?? null,
      filter.country ?? null,
      ...rulesValues.slice(2),
    ]);
    return result.rows.map((row) => ({
      service: row.service,
      country: row.country,
      priceUnits: row.price_units,
      available: row.available,
    }));
  }

  availability(
    service: string,
    iso2: string,
    rules: EligibilityRules,
    now: number,
    sandbox: boolean,
  ): Promise<number> {
    return this.eligibility.count(this.db, service, iso2, rules, now, sandbox);
  }

  async blacklist(iccid: string, service: string, reason: string, now: number): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query(SQL.lockSim, [iccid]);
      await client.query(SQL.blacklist, [iccid, service, reason, now]);
    });
  }

  async unblacklist(iccid: string, service: string): Promise<boolean> {
    const result = await this.db.query(SQL.unblacklist, [iccid, service]);
    return (result.rowCount ?? 0) > 0;
  }
}

/** Catalog use cases: seeding, operator edits, prices and availability. */
import { SimpoolError, type Clock } from '../shared/index.js';
import { CALL_CODE_DIGITS } from './calls.js';
import type { EligibilityRules } from './allocation.js';
import type { Country, PriceEntry, SeedReport, Service, ServicePatch } from './catalog.js';
import { SEED_COUNTRIES, SEED_SERVICES } from './catalog-seed.js';
import { usdToUnits } from './money.js';
import { DEFAULT_ORDER_RULES } from './order-rules.js';
import type { CatalogPort } from './ports.js';
import { refusalError } from './refusals.js';
import { requireInteger, requirePattern, requireText, validationError } from './validation.js';

export interface CatalogServiceOptions {
  /** Price of every (service, country) pair at first start. Default 0.50 USD. */
  readonly defaultPriceUnits?: number;
  /** Hold and lifetime of services the seed adds (API.md defaults: 120 s, 20 min). */
  readonly defaultHoldSeconds?: number;
  readonly defaultLifetimeSeconds?: number;
  readonly eligibility?: EligibilityRules;
}

export const DEFAULT_PRICE_UNITS = usdToUnits('0.50');
const MAX_SECONDS = 7 * 24 * 3600;

export class CatalogService {
  private readonly defaultPriceUnits: number;
  private readonly defaultHoldSeconds: number;
  private readonly defaultLifetimeSeconds: number;
  private readonly eligibility: EligibilityRules;

  constructor(
    private readonly port: CatalogPort,
    private readonly clock: Clock,
    options: CatalogServiceOptions = {},
  ) {
    this.defaultPriceUnits = options.defaultPriceUnits ?? DEFAULT_PRICE_UNITS;
    this.defaultHoldSeconds = options.defaultHoldSeconds ?? 120;
    this.defaultLifetimeSeconds = options.defaultLifetimeSeconds ?? 1200;
    this.eligibility = options.eligibility ?? DEFAULT_ORDER_RULES;
  }

  /** Idempotent: run at every start; adds what is missing, keeps the operator's edits. */
  seed(): Promise<SeedReport> {
    return this.port.seed(
      {
        services: SEED_SERVICES,
        countries: SEED_COUNTRIES,
        defaultPriceUnits: this.defaultPriceUnits,
        defaultHoldSeconds: this.defaultHoldSeconds,
        defaultLifetimeSeconds: this.defaultLifetimeSeconds,
      },
      this.clock.now(),
    );
  }

  listServices(): Promise<Service[]> {
    return this.port.listServices();
  }

  async getService(code: string): Promise<Service> {
    const service = await this.port.getService(code);
    if (!service) throw refusalError({ code: 'unknown_service', service: code });
    return service;
  }

  listCountries(): Promise<Country[]> {
    return this.port.listCountries();
  }

  async resolveCountry(ref: string): Promise<Country> {
    const country = await this.port.findCountry(ref);
    if (!country) throw refusalError({ code: 'unknown_country', country: ref });
    return country;
  }

  async updateService(code: string, patch: ServicePatch): Promise<Service> {
    const checked: ServicePatch = {
      ...patch,
      ...(patch.name !== undefined ? { name: requireText('name', patch.name) } : {}),
      ...(patch.holdSeconds !== undefined
        ? { holdSeconds: requireInteger('holdSeconds', patch.holdSeconds, 0, MAX_SECONDS) }
        : {}),
      ...(patch.lifetimeSeconds !== undefined
        ? {
            lifetimeSeconds: requireInteger(
              'lifetimeSeconds',
              patch.lifetimeSeconds,
              1,
              MAX_SECONDS,
            ),
          }
        : {}),
    };
    if (patch.callCodeDigits !== undefined && patch.callCodeDigits !== null) {
      const { min, max } = CALL_CODE_DIGITS;
      requireInteger('callCodeDigits', patch.callCodeDigits, min, max);
    }
    patch.senderPatterns?.forEach((p) => requirePattern('senderPatterns', p));
    if (typeof patch.codePattern === 'string') requirePattern('codePattern', patch.codePattern);
    const updated = await this.port.updateService(code, checked, this.clock.now());
    if (!updated) throw refusalError({ code: 'unknown_service', service: code });
    return updated;
  }

  async setCountryEnabled(ref: string, enabled: boolean): Promise<void> {
    const country = await this.resolveCountry(ref);
    await this.port.setCountryEnabled(country.activateId, enabled);
  }

  /** Sets the price of a pair (USD string/number or units via `usdToUnits` first). */
  async setPrice(service: string, country: string, price: number | string): Promise<void> {
    const units = usdToUnits(price);
    if (units < 0) throw validationError('price', 'must not be negative');
    await this.getService(service);
    const found = await this.resolveCountry(country);
    if (found.virtual) throw validationError('country', 'virtual countries cannot be priced');
    await this.port.setPrice(service, found.iso2, units, this.clock.now());
  }

  /** `sandbox`: the asking key's mode; sandbox keys are served by simulated SIMs only. */
  async prices(
    filter: { service?: string; country?: string } = {},
    sandbox = false,
  ): Promise<PriceEntry[]> {
    const iso2 =
      filter.country === undefined ? undefined : (await this.resolveCountry(filter.country)).iso2;
    return this.port.listPrices(
      {
        ...(filter.service !== undefined ? { service: filter.service } : {}),
        ...(iso2 !== undefined ? { country: iso2 } : {}),
      },
      this.eligibility,
      this.clock.now(),
      sandbox,
    );
  }

  /** How many SIMs a purchase of this pair with a key of this mode could get now. */
  async availability(service: string, country: string, sandbox = false): Promise<number> {
    const found = await this.resolveCountry(country);
    return this.port.availability(service, found.iso2, this.eligibility, this.clock.now(), sandbox);
  }

  async blacklist(iccid: string, service: string, reason: string): Promise<void> {
    await this.getService(service);
    await this.port.blacklist(requireText('iccid', iccid), service, reason, this.clock.now());
  }

  async unblacklist(iccid: string, service: string): Promise<void> {
    if (!(await this.port.unblacklist(iccid, service))) {
      throw new SimpoolError('not_found', 'that SIM is not blacklisted for this service');
    }
  }
}

/** Catalog records: what can be bought, where, and for how much. */
import type { SeedCountry, SeedService } from './catalog-seed.js';

/** A seeded service as the operator runs it. */
export interface Service extends SeedService {
  /** No cancel or swap before created_at + hold (API.md: default 120 s). */
  readonly holdSeconds: number;
  /** The order expires at created_at + lifetime (default 20 min). */
  readonly lifetimeSeconds: number;
  readonly enabled: boolean;
  /** Verifies by a missed call: the code is the caller's last N digits. Null: it does not. */
  readonly callCodeDigits: number | null;
}

/** A seeded country as the operator runs it; `iso2` is the `sims.country` of SIMs sold in it. */
export interface Country extends Omit<SeedCountry, 'virtual'> {
  /** sms-activate's "USA (virtual)": listed for clients, never priced, never sold. */
  readonly virtual: boolean;
  readonly enabled: boolean;
}

export interface PriceEntry {
  readonly service: string;
  /** ISO-2 of a non-virtual country. */
  readonly country: string;
  readonly priceUnits: number;
  /** SIMs a purchase could get right now. */
  readonly available: number;
}

export interface ServicePatch {
  readonly name?: string;
  readonly senderPatterns?: readonly string[];
  readonly codePattern?: string | null;
  readonly holdSeconds?: number;
  readonly lifetimeSeconds?: number;
  readonly enabled?: boolean;
  readonly callCodeDigits?: number | null;
}

export interface CatalogSeedInput {
  readonly services: readonly SeedService[];
  readonly countries: readonly SeedCountry[];
  readonly defaultPriceUnits: number;
  readonly defaultHoldSeconds: number;
  readonly defaultLifetimeSeconds: number;
}

export interface SeedReport {
  readonly servicesAdded: number;
  readonly countriesAdded: number;
  readonly pricesAdded: number;
}

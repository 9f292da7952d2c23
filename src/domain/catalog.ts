/** Catalog records: what can be bought, where, and for how much. */

export interface Service {
  /** sms-activate's short code (`tg`, `wa` …). */
  readonly code: string;
  readonly name: string;
  readonly senderPatterns: readonly string[];
  readonly codePattern: string | null;
  /** No cancel or swap before created_at + hold (API.md: default 120 s). */
  readonly holdSeconds: number;
  /** The order expires at created_at + lifetime (default 20 min). */
  readonly lifetimeSeconds: number;
  readonly enabled: boolean;
}

export interface Country {
  readonly activateId: number;
  /** ISO 3166-1 alpha-2, upper case; the same as `sims.country` of SIMs sold in it. */
  readonly iso2: string;
  readonly eng: string;
  readonly rus: string;
  readonly chn: string;
  readonly callingCode: number;
  readonly mccs: readonly string[];
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
}

export interface CatalogSeedInput {
  readonly services: readonly {
    readonly code: string;
    readonly name: string;
    readonly senderPatterns: readonly string[];
    readonly codePattern: string | null;
  }[];
  readonly countries: readonly {
    readonly activateId: number;
    readonly iso2: string;
    readonly eng: string;
    readonly rus: string;
    readonly chn: string;
    readonly callingCode: number;
    readonly mccs: readonly string[];
    readonly virtual?: boolean;
  }[];
  readonly defaultPriceUnits: number;
  readonly defaultHoldSeconds: number;
  readonly defaultLifetimeSeconds: number;
}

export interface SeedReport {
  readonly servicesAdded: number;
  readonly countriesAdded: number;
  readonly pricesAdded: number;
}

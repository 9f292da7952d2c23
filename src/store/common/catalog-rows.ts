import type { CatalogSeedInput, Country, Service } from '../../domain/index.js';

export interface ServiceTableRow {
  readonly code: string;
  readonly name: string;
  readonly sender_patterns: string;
  readonly code_pattern: string | null;
  readonly hold_seconds: number;
  readonly lifetime_seconds: number;
  readonly enabled: number;
  readonly call_code_digits: number | null;
}

export interface CountryTableRow {
  readonly activate_id: number;
  readonly iso2: string;
  readonly name_eng: string;
  readonly name_rus: string;
  readonly name_chn: string;
  readonly calling_code: number;
  readonly mccs: string;
  readonly virtual: number;
  readonly enabled: number;
}

function stringArray(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function serviceFromRow(row: ServiceTableRow): Service {
  return {
    code: row.code,
    name: row.name,
    senderPatterns: stringArray(row.sender_patterns),
    codePattern: row.code_pattern,
    holdSeconds: row.hold_seconds,
    lifetimeSeconds: row.lifetime_seconds,
    enabled: row.enabled === 1,
    callCodeDigits: row.call_code_digits,
  };
}

export function countryFromRow(row: CountryTableRow): Country {
  return {
    activateId: row.activate_id,
    iso2: row.iso2,
    eng: row.name_eng,
    rus: row.name_rus,
    chn: row.name_chn,
    callingCode: row.calling_code,
    mccs: stringArray(row.mccs),
    virtual: row.virtual === 1,
    enabled: row.enabled === 1,
  };
}

/** A service row as seeded (JSON text for the patterns); keys are the SQLite statements' names. */
export interface ServiceSeedRow {
  readonly code: string;
  readonly name: string;
  readonly senderPatterns: string;
  readonly codePattern: string | null;
  readonly callCodeDigits: number | null;
  readonly hold: number;
  readonly lifetime: number;
}

export interface CountrySeedRow {
  readonly activateId: number;
  readonly iso2: string;
  readonly eng: string;
  readonly rus: string;
  readonly chn: string;
  readonly callingCode: number;
  readonly mccs: string;
  readonly virtual: number;
}

export interface PriceSeedRow {
  readonly service: string;
  readonly country: string;
}

/**
 * The rows a seed inserts where missing. Every (service, real country) pair gets the default
 * price, inserted only where never priced: an operator's price is never overwritten.
 */
export function catalogSeedRows(input: CatalogSeedInput): {
  services: ServiceSeedRow[];
  countries: CountrySeedRow[];
  prices: PriceSeedRow[];
} {
  const services = input.services.map((service) => ({
    code: service.code,
    name: service.name,
    senderPatterns: JSON.stringify(service.senderPatterns),
    codePattern: service.codePattern,
    callCodeDigits: service.callCodeDigits ?? null,
    hold: input.defaultHoldSeconds,
    lifetime: input.defaultLifetimeSeconds,
  }));
  const countries = input.countries.map((c) => ({
    activateId: c.activateId,
    iso2: c.iso2.toUpperCase(),
    eng: c.eng,
    rus: c.rus,
    chn: c.chn,
    callingCode: c.callingCode,
    mccs: JSON.stringify(c.mccs),
    virtual: c.virtual === true ? 1 : 0,
  }));
  const prices = input.services.flatMap((service) =>
    input.countries
      .filter((c) => c.virtual !== true)
      .map((c) => ({ service: service.code, country: c.iso2.toUpperCase() })),
  );
  return { services, countries, prices };
}

/** A service's editable columns as stored; keys are the SQLite statement's names. */
export function serviceColumns(service: Service) {
  return {
    name: service.name,
    senderPatterns: JSON.stringify(service.senderPatterns),
    codePattern: service.codePattern,
    hold: service.holdSeconds,
    lifetime: service.lifetimeSeconds,
    enabled: service.enabled ? 1 : 0,
    callCodeDigits: service.callCodeDigits,
  };
}

/** Digits: sms-activate id; letters: ISO-2 (the real-SIM row when a virtual one shares it). */
export function parseCountryRef(
  ref: string,
): { readonly activateId: number } | { readonly iso2: string } | undefined {
  const text = ref.trim();
  if (/^\d{1,6}$/.test(text)) return { activateId: Number(text) };
  if (/^[A-Za-z]{2}$/.test(text)) return { iso2: text.toUpperCase() };
  return undefined;
}

import type { Country, Service } from '../../domain/index.js';

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

/**
 * Domain layer: the rules of number rental (catalog, customers, ledger, orders, matching, code
 * extraction). Other layers import only from here.
 */
export { extractCode, explainCode, extractGeneric } from './code-extraction.js';
export type { CodeExtraction, ExtractCodeOptions } from './code-extraction.js';
export {
  SEED_SERVICES,
  SEED_COUNTRIES,
  countryForMcc,
  serviceByCode,
  countryByActivateId,
  countryByIso2,
} from './catalog-seed.js';
export type { SeedService, SeedCountry } from './catalog-seed.js';

/**
 * Domain layer: the rules of number rental (catalog, customers, ledger, orders, matching, code
 * extraction). Other layers import only from here.
 */
export { extractCode, explainCode, extractGeneric } from './code-extraction.js';
export type { CodeExtraction, ExtractCodeOptions } from './code-extraction.js';

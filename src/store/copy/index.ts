/**
 * Copying an existing appliance (SQLite) into an empty PostgreSQL database:
 * `simpool migrate --from FILE.db --database postgres://…` (copy-appliance.ts explains the steps).
 */
export { copyApplianceToPostgres } from './copy-appliance.js';
export type { CopyApplianceOptions, CopyReport, TableCopied } from './copy-appliance.js';

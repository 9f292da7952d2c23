export { loadConfig, ConfigSchema, DEFAULT_MODEMS } from './config.js';
export type { Config, ConfigFile, ConfigOverrides } from './config.js';
export { checkConfig, onlySimulatedModems } from './config.js';
export type {
  ConfigCheck,
  DatabaseConfig,
  PostgresDatabaseConfig,
  SqliteDatabaseConfig,
  ApiSettings,
  MessagingConfig,
  OrdersConfig,
  ThrottleConfig,
  WebhooksConfig,
} from './config.js';
export { CONFIG_FILE_VARIABLE, ENVIRONMENT_FIELDS, START_FLAGS } from './config-env.js';
export { API_LISTEN, SIMULATOR_LISTEN, listenFailure } from './start-failures.js';
export { describeDatabase, passwordSource, readDatabasePassword } from './config-database.js';
export { openConfiguredSqlite, openConfiguredStore } from './store-open.js';
export type { OpenStoreOptions } from './store-open.js';
export { trustProxyFromText } from './config-env.js';
export { startDaemon } from './daemon.js';
export type { Daemon, DaemonOptions } from './daemon.js';
export { startAdmin, configSummary, simpoolVersion } from './admin.js';
export type { Admin } from './admin.js';
export {
  ensureAdminCredential,
  rotateAdminCredential,
  adminCredentialPath,
  ADMIN_CREDENTIAL_FILE,
} from './admin-credential.js';
export type { AdminCredential } from './admin-credential.js';
export { ensureDemoCustomer, DEMO_EMAIL } from './demo-customer.js';
export type { DemoCustomer } from './demo-customer.js';

export { loadConfig, ConfigSchema, DEFAULT_MODEMS } from './config.js';
export type { Config, ConfigFile, ConfigOverrides } from './config.js';
export { startDaemon } from './daemon.js';
export type { Daemon, DaemonOptions } from './daemon.js';

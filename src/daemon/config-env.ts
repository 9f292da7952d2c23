/**
 * SIMPOOL_* environment variables, for systemd's EnvironmentFile and containers. They override
 * the config file; command-line options override them. The README "Configuration" section and
 * systemd/simpool.env.example list the same variables.
 */

/** The variable naming the config file (when no --config is given). */
export const CONFIG_FILE_VARIABLE = 'SIMPOOL_CONFIG';

const asNumber = (value: string): unknown => (/^\d+$/.test(value) ? Number(value) : value);
const asList = (value: string): unknown =>
  value
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m.length > 0);
const asText = (value: string): unknown => value;

/** `true`, `false`, or a comma-separated list of proxies (SIMPOOL_TRUST_PROXY, --trust-proxy). */
export function trustProxyFromText(value: string): boolean | string[] {
  const text = value.trim();
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  return text
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m.length > 0);
}

/** Variable → the top-level config field it sets, and how its text becomes a value. */
export const ENVIRONMENT_FIELDS: ReadonlyArray<{
  readonly variable: string;
  readonly field: string;
  readonly parse: (value: string) => unknown;
}> = [
  { variable: 'SIMPOOL_DATA_DIR', field: 'dataDir', parse: asText },
  { variable: 'SIMPOOL_DATABASE', field: 'database', parse: asText },
  { variable: 'SIMPOOL_DATABASE_PASSWORD_FILE', field: 'databasePasswordFile', parse: asText },
  { variable: 'SIMPOOL_HOST_ID', field: 'hostId', parse: asText },
  { variable: 'SIMPOOL_HOST_LEASE_TTL_MS', field: 'hostLeaseTtlMs', parse: asNumber },
  { variable: 'SIMPOOL_HOST', field: 'host', parse: asText },
  { variable: 'SIMPOOL_PORT', field: 'port', parse: asNumber },
  { variable: 'SIMPOOL_TRUST_PROXY', field: 'trustProxy', parse: trustProxyFromText },
  { variable: 'SIMPOOL_LOG_LEVEL', field: 'logLevel', parse: asText },
  { variable: 'SIMPOOL_MODEMS', field: 'modems', parse: asList },
  { variable: 'SIMPOOL_POWER_CYCLE_COMMAND', field: 'powerCycleCommand', parse: asText },
  { variable: 'SIMPOOL_SIMULATOR_PORT', field: 'simulatorControlPort', parse: asNumber },
];

/**
 * The `simpool start` flag of each top-level field that has one (src/cli/start.ts and
 * src/cli/common.ts declare them), so start-up errors name every way to change a setting.
 */
export const START_FLAGS: Readonly<Record<string, string>> = {
  dataDir: '--data-dir',
  database: '--database',
  databasePasswordFile: '--database-password-file',
  hostId: '--host-id',
  host: '--host',
  port: '--port',
  trustProxy: '--trust-proxy',
  modems: '--modems',
  simulatorControlPort: '--simulator-port',
};

/**
 * How an operator changes a top-level setting, for messages: `--port, SIMPOOL_PORT`; a field
 * without a flag is also named by its config-file key (`SIMPOOL_DATABASE, "database" in …`).
 */
export function waysToSet(field: string): string {
  const flag = START_FLAGS[field];
  const variable = ENVIRONMENT_FIELDS.find((e) => e.field === field)?.variable;
  const file = flag === undefined ? `"${field}" in the config file` : undefined;
  return [flag, variable, file].filter((w): w is string => w !== undefined).join(', ');
}

export interface EnvironmentValues {
  /** Config fields set from the environment. */
  readonly values: Record<string, unknown>;
  /** field → the variable that set it, to name it when its value is refused. */
  readonly origins: Record<string, string>;
}

/** The config fields the environment sets; empty variables count as unset. */
export function fromEnvironment(env: NodeJS.ProcessEnv): EnvironmentValues {
  const values: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  for (const { variable, field, parse } of ENVIRONMENT_FIELDS) {
    const raw = env[variable];
    if (raw === undefined || raw.trim() === '') continue;
    values[field] = parse(raw.trim());
    origins[field] = variable;
  }
  return { values, origins };
}

/** The config file to read: the one given, else $SIMPOOL_CONFIG, else none (defaults). */
export function configFilePath(
  given: string | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (given !== undefined && given !== '') return given;
  const fromEnv = env[CONFIG_FILE_VARIABLE]?.trim();
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

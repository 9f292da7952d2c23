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

/** Variable → the top-level config field it sets, and how its text becomes a value. */
export const ENVIRONMENT_FIELDS: ReadonlyArray<{
  readonly variable: string;
  readonly field: string;
  readonly parse: (value: string) => unknown;
}> = [
  { variable: 'SIMPOOL_DATA_DIR', field: 'dataDir', parse: asText },
  { variable: 'SIMPOOL_DATABASE', field: 'database', parse: asText },
  { variable: 'SIMPOOL_HOST', field: 'host', parse: asText },
  { variable: 'SIMPOOL_PORT', field: 'port', parse: asNumber },
  { variable: 'SIMPOOL_LOG_LEVEL', field: 'logLevel', parse: asText },
  { variable: 'SIMPOOL_MODEMS', field: 'modems', parse: asList },
  { variable: 'SIMPOOL_POWER_CYCLE_COMMAND', field: 'powerCycleCommand', parse: asText },
];

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

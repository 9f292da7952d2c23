/**
 * Start-up failures in words an operator can act on: the setting, its value and every way to
 * change it (`api port 8080 (--port, SIMPOOL_PORT) is in use`), never a bare `listen EADDRINUSE`
 * or `SQLITE_CANTOPEN`. The daemon stops what it had started before these reach the command line.
 */
import { SimpoolError, describeError, isSimpoolError } from '../shared/index.js';
import { describeDatabase, type PostgresDatabaseConfig } from './config-database.js';
import { waysToSet } from './config-env.js';

/** A server the daemon listens with, and the config fields of its address. */
export interface ListenSetting {
  /** How messages call it: `api`, `simulator control`. */
  readonly label: string;
  /** The config field of its port (`port`, `simulatorControlPort`). */
  readonly portField: string;
  /** The config field of its host, when it has one (the simulator's is always 127.0.0.1). */
  readonly hostField?: string;
}

export const API_LISTEN: ListenSetting = { label: 'api', portField: 'port', hostField: 'host' };
export const SIMULATOR_LISTEN: ListenSetting = {
  label: 'simulator control',
  portField: 'simulatorControlPort',
};

/** Node's system error code (`EADDRINUSE` …), if the value carries one. */
function systemCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A failed `listen` as a `listen_failed` error naming the setting to change. */
export function listenFailure(
  setting: ListenSetting,
  address: { readonly host: string; readonly port: number },
  cause: unknown,
): SimpoolError {
  const { label, portField, hostField } = setting;
  const { host, port } = address;
  const portName = `${label} port ${port} (${waysToSet(portField)})`;
  const hostName = hostField ? `${label} host ${host} (${waysToSet(hostField)})` : undefined;
  const code = systemCode(cause);
  let message: string;
  if (code === 'EADDRINUSE') {
    message = `${portName} is in use on ${host}: stop the program holding it or choose another port`;
  } else if (code === 'EACCES') {
    message = `${portName} needs privileges on ${host}: choose a port from 1024 up`;
  } else if (
    hostName &&
    (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
  ) {
    message = `${hostName} is not an address of this machine`;
  } else {
    const ways = [hostField && `host: ${waysToSet(hostField)}`, `port: ${waysToSet(portField)}`];
    const where = `${host}:${port} (${ways.filter(Boolean).join('; ')})`;
    message = `${label} cannot listen on ${where}: ${describeError(cause)}`;
  }
  return new SimpoolError('listen_failed', message, {
    cause,
    details: { setting: portField, host, port, reason: code ?? describeError(cause) },
  });
}

/**
 * A database that cannot be opened (unwritable or missing directory, a file that is not a
 * database): the file, the reason, and the settings that place it. A schema from a newer
 * simpool is a version problem, not a setting: it passes unchanged.
 */
export function databaseFailure(file: string, error: unknown): unknown {
  if (isSimpoolError(error, 'store_schema_too_new')) return error;
  const cause = isSimpoolError(error) && error.cause !== undefined ? error.cause : error;
  const message =
    `cannot open the database ${file}: ${describeError(cause)} ` +
    `(data directory: ${waysToSet('dataDir')}; database file: ${waysToSet('database')})`;
  return new SimpoolError('store_open_failed', message, { cause, details: { file } });
}

/**
 * A PostgreSQL URL given to a build without the PostgreSQL engine: the URL (password masked)
 * and the settings that choose the database.
 */
export function postgresUnavailable(database: PostgresDatabaseConfig): SimpoolError {
  const url = describeDatabase(database);
  const message =
    `the database is PostgreSQL (${url}), but PostgreSQL support is not available in this ` +
    `build of simpool: give a SQLite file instead (${waysToSet('database')})`;
  return new SimpoolError('store_engine_unavailable', message, {
    details: { engine: database.engine, database: url },
  });
}

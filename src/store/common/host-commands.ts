/**
 * Engine-neutral pieces of the host-command repositories (table `host_commands`, migration 13):
 * the row as both engines return it, its domain form, and how outcomes are written.
 */
import {
  HOST_UNAVAILABLE,
  newId,
  type HostCommand,
  type HostCommandAction,
  type HostCommandOutcome,
  type HostCommandParams,
  type HostCommandResult,
  type HostCommandStatus,
  type NewHostCommand,
} from '../../domain/index.js';

/** NOTIFY channel of new commands; the payload is the host that is to carry them out. */
export const HOST_COMMANDS_CHANNEL = 'simpool_host_commands';
/** NOTIFY channel of finished commands; the payload is the command's id. */
export const HOST_COMMAND_DONE_CHANNEL = 'simpool_host_command_done';

export interface HostCommandRow {
  readonly id: string;
  readonly host_id: string;
  readonly modem_imei: string;
  readonly action: string;
  readonly params: string;
  readonly status: string;
  readonly result: string | null;
  readonly error_code: string | null;
  readonly error_message: string | null;
  readonly requested_by_host: string;
  readonly created_at: number;
  readonly started_at: number | null;
  readonly finished_at: number | null;
}

/** The columns written by `request`, in the order both engines' INSERTs list them. */
export function newCommandValues(
  command: NewHostCommand,
): [string, string, string, string, string, string, number] {
  return [
    newId('cmd', command.now),
    command.hostId,
    command.modemImei,
    command.action,
    JSON.stringify(command.params),
    command.requestedByHost,
    command.now,
  ];
}

/** What `complete` writes: status, result (JSON), error code and message. */
export function outcomeValues(
  outcome: HostCommandOutcome,
): [HostCommandStatus, string | null, string | null, string | null] {
  if ('result' in outcome) return ['succeeded', JSON.stringify(outcome.result), null, null];
  return ['failed', null, outcome.errorCode, outcome.errorMessage];
}

/** The message of an expired command; `||` concatenates on both engines. */
export const EXPIRED_MESSAGE_SQL = `'host ' || host_id || ' did not take the command in time: is it running?'`;

export const EXPIRED_CODE = HOST_UNAVAILABLE;

/**
 * The message of a command failed by the reaper (same code as an expired one): its host's lease
 * ran out before it finished, so nobody will carry it out or report on it.
 */
export function reapedCommandMessage(hostId: string): string {
  return `host ${hostId} stopped answering (its lease ran out) before it finished the command`;
}

export function hostCommandFromRow(row: HostCommandRow): HostCommand {
  return {
    id: row.id,
    hostId: row.host_id,
    modemImei: row.modem_imei,
    action: row.action as HostCommandAction,
    params: parseParams(row.params),
    status: row.status as HostCommandStatus,
    result: parseResult(row.result),
    errorCode: row.error_code,
    errorMessage: row.error_message,
    requestedByHost: row.requested_by_host,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

function parseParams(text: string): HostCommandParams {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string') params[key] = value;
  }
  return params;
}

function parseResult(text: string | null): HostCommandResult {
  if (text === null) return null;
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'string' ? parsed : null;
}

/** Claimed commands in the order they were asked (RETURNING has no order of its own). */
export function oldestFirst(a: HostCommand, b: HostCommand): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Calls one watcher of the table: its failure is its own, and must neither fail the write that
 * woke it nor keep the others from being called (watchers poll as well).
 */
export function callWatcher(watcher: () => void): void {
  try {
    watcher();
  } catch {
    // ignored, as said
  }
}

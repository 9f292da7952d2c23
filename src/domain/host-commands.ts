/**
 * Modem actions asked on one host for a modem another host drives (docs/several-hosts.md): the
 * asking host writes a command to `host_commands`, the owning host claims it, carries it out on
 * its own driver and writes the outcome, which the asking host was waiting for. A host that never
 * picks its commands up (down, cut off) has them expire as `host_unavailable`.
 */
import type { ErrorCode } from '../shared/index.js';

/** What can be asked of another host's modem: the admin page's modem actions. */
export type HostCommandAction = 'reset' | 'ussd' | 'test_sms';

export type HostCommandStatus = 'pending' | 'running' | 'succeeded' | 'failed';

/** The action's arguments: `{}` for reset, `{code}` for USSD, `{to, body}` for a test SMS. */
export type HostCommandParams = Readonly<Record<string, string>>;

/** What the action answered: the network's USSD reply, the test SMS's message id, null (reset). */
export type HostCommandResult = string | null;

export interface HostCommand {
  readonly id: string;
  /** The host that drives the modem and carries the command out. */
  readonly hostId: string;
  readonly modemImei: string;
  readonly action: HostCommandAction;
  readonly params: HostCommandParams;
  readonly status: HostCommandStatus;
  /** Set once `succeeded`. */
  readonly result: HostCommandResult;
  /** Set once `failed`: the SimpoolError code and message, as the owning host saw them. */
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly requestedByHost: string;
  readonly createdAt: number;
  /** When the owning host claimed it. */
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

export interface NewHostCommand {
  readonly hostId: string;
  readonly modemImei: string;
  readonly action: HostCommandAction;
  readonly params: HostCommandParams;
  readonly requestedByHost: string;
  readonly now: number;
}

export type HostCommandOutcome =
  | { readonly result: HostCommandResult }
  | { readonly errorCode: string; readonly errorMessage: string };

/** The code a command fails with when its host never picked it up. */
export const HOST_UNAVAILABLE = 'host_unavailable' satisfies ErrorCode;

/** Storage of host commands, the same on both engines. */
export interface HostCommandPort {
  /** Queues a command for `hostId` (waking that host's workers); resolves with its id. */
  request(command: NewHostCommand): Promise<string>;
  /**
   * Up to `limit` of `hostId`'s pending commands, oldest first, now `running`: each is handed
   * to exactly one caller, however many workers of that host claim at once.
   */
  claimPending(hostId: string, now: number, limit: number): Promise<HostCommand[]>;
  /**
   * Writes a running command's outcome (waking whoever waits for it). False when the command is
   * not running (unknown, or finished already).
   */
  complete(id: string, outcome: HostCommandOutcome, now: number): Promise<boolean>;
  get(id: string): Promise<HostCommand | undefined>;
  /**
   * Fails, as `host_unavailable`, every command still pending that was requested at or before
   * `olderThan`: its host is not taking commands. Resolves with their ids.
   */
  expirePending(olderThan: number, now: number): Promise<string[]>;
  /** The host a modem was last recorded under ('' for rows of before hosts), by IMEI. */
  modemHost(imei: string): Promise<string | undefined>;
  /**
   * Calls `listener` whenever commands for `hostId` may be pending (one was requested, or wake-ups
   * may have been missed). Resolves, with the function that stops it, once it is listening.
   */
  watchRequests(hostId: string, listener: () => void): Promise<() => void>;
  /**
   * Calls `listener(id)` when command `id` finished, and `listener(undefined)` when any may have
   * finished unheard. Resolves, with the function that stops it, once it is listening.
   */
  watchCompletions(listener: (id: string | undefined) => void): Promise<() => void>;
}

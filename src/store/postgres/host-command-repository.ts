/**
 * Host commands on PostgreSQL (HostCommandPort), for hosts sharing one database. A request
 * NOTIFYs the owning host (payload: its id) and a completion the askers (payload: the command's
 * id), in the writing transaction, so both sides wake at commit whatever host they are on. Each
 * worker claims with FOR UPDATE SKIP LOCKED: two workers never take one command.
 *
 * Listening is lazy: the first watch LISTENs on the process's shared listener (or one of this
 * repository's own, closed by close()). After a lost connection, watchers are told to re-read.
 */
import type {
  HostCommand,
  HostCommandOutcome,
  HostCommandPort,
  NewHostCommand,
} from '../../domain/index.js';
import {
  EXPIRED_CODE,
  EXPIRED_MESSAGE_SQL,
  HOST_COMMAND_DONE_CHANNEL,
  HOST_COMMANDS_CHANNEL,
  callWatcher,
  hostCommandFromRow,
  newCommandValues,
  oldestFirst,
  outcomeValues,
  type HostCommandRow,
} from '../common/host-commands.js';
import type { PostgresDatabase } from './database.js';
import { PostgresListener, notify } from './listener.js';

export interface PostgresHostCommandOptions {
  /** The process's LISTEN connection; without one, the repository starts its own when watched. */
  readonly listener?: PostgresListener;
}

type Channel = typeof HOST_COMMANDS_CHANNEL | typeof HOST_COMMAND_DONE_CHANNEL;

export class PostgresHostCommandRepository implements HostCommandPort {
  private readonly requestWatchers = new Set<{ hostId: string; listener: () => void }>();
  private readonly completionWatchers = new Set<(id: string | undefined) => void>();
  private readonly listening = new Map<Channel, Promise<void>>();
  private ownListener: Promise<PostgresListener> | undefined;
  private readonly unlistens: (() => Promise<void>)[] = [];
  private closed = false;

  constructor(
    private readonly db: PostgresDatabase,
    private readonly options: PostgresHostCommandOptions = {},
  ) {}

  request(command: NewHostCommand): Promise<string> {
    const values = newCommandValues(command);
    return this.db.transaction(async (client) => {
      await client.query(
        `INSERT INTO host_commands
           (id, host_id, modem_imei, action, params, requested_by_host, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        values,
      );
      await notify(client, HOST_COMMANDS_CHANNEL, command.hostId);
      return values[0];
    });
  }

  async claimPending(hostId: string, now: number, limit: number): Promise<HostCommand[]> {
    // SKIP LOCKED answers "none" only for rows another worker of this host is claiming, or
    // that an expiry is failing: either way they are not this worker's to run, and waiting for
    // their lock could only find them gone.
    const { rows } = await this.db.query<HostCommandRow>(
      `UPDATE host_commands SET status = 'running', started_at = $1
        WHERE id IN (SELECT id FROM host_commands WHERE host_id = $2 AND status = 'pending'
                      ORDER BY created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [now, hostId, limit],
    );
    return rows.map(hostCommandFromRow).sort(oldestFirst);
  }

  complete(id: string, outcome: HostCommandOutcome, now: number): Promise<boolean> {
    return this.db.transaction(async (client) => {
      const { rowCount } = await client.query(
        `UPDATE host_commands SET status = $1, result = $2, error_code = $3, error_message = $4,
           finished_at = $5
          WHERE id = $6 AND status = 'running'`,
        [...outcomeValues(outcome), now, id],
      );
      if (!rowCount) return false;
      await notify(client, HOST_COMMAND_DONE_CHANNEL, id);
      return true;
    });
  }

  async get(id: string): Promise<HostCommand | undefined> {
    const { rows } = await this.db.query<HostCommandRow>(
      'SELECT * FROM host_commands WHERE id = $1',
      [id],
    );
    return rows[0] ? hostCommandFromRow(rows[0]) : undefined;
  }

  async expirePending(olderThan: number, now: number): Promise<string[]> {
    // Every host's worker runs this each pass: one statement, and no wait on rows being claimed.
    const { rows } = await this.db.query<{ id: string }>(
      `WITH expired AS (
         UPDATE host_commands SET status = 'failed', error_code = $1,
           error_message = ${EXPIRED_MESSAGE_SQL}, finished_at = $2
          WHERE id IN (SELECT id FROM host_commands WHERE status = 'pending' AND created_at <= $3
                        ORDER BY created_at, id FOR UPDATE SKIP LOCKED)
          RETURNING id)
       SELECT id, pg_notify('${HOST_COMMAND_DONE_CHANNEL}', id) FROM expired`,
      [EXPIRED_CODE, now, olderThan],
    );
    return rows.map((row) => row.id);
  }

  async modemHost(imei: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ host_id: string }>(
      'SELECT host_id FROM modems WHERE imei = $1',
      [imei],
    );
    return rows[0]?.host_id;
  }

  async watchRequests(hostId: string, listener: () => void): Promise<() => void> {
    const watcher = { hostId, listener };
    this.requestWatchers.add(watcher);
    await this.listenOn(HOST_COMMANDS_CHANNEL);
    return () => this.requestWatchers.delete(watcher);
  }

  async watchCompletions(listener: (id: string | undefined) => void): Promise<() => void> {
    const watcher = (id: string | undefined) => listener(id);
    this.completionWatchers.add(watcher);
    await this.listenOn(HOST_COMMAND_DONE_CHANNEL);
    return () => this.completionWatchers.delete(watcher);
  }

  /** Stops listening (closing its own listener, if it started one). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.requestWatchers.clear();
    this.completionWatchers.clear();
    await Promise.allSettled(this.listening.values());
    for (const unlisten of this.unlistens.splice(0)) await unlisten().catch(() => undefined);
    if (this.ownListener) await (await this.ownListener).close();
  }

  /** LISTENs on a channel once per repository; later watchers share it. */
  private listenOn(channel: Channel): Promise<void> {
    let listening = this.listening.get(channel);
    if (!listening) {
      listening = this.listen(channel);
      this.listening.set(channel, listening);
    }
    return listening;
  }

  private async listen(channel: Channel): Promise<void> {
    if (this.closed) return;
    const listener = await this.listener();
    const unlisten = await listener.listen(channel, {
      onNotification: (payload) => this.deliver(channel, payload),
      // Notifications sent while the connection was down are gone: everyone re-reads.
      onReconnect: () => this.deliver(channel, undefined),
    });
    this.unlistens.push(unlisten);
  }

  private listener(): Promise<PostgresListener> {
    if (this.options.listener) return Promise.resolve(this.options.listener);
    this.ownListener ??= PostgresListener.start(this.db);
    return this.ownListener;
  }

  /** `payload` undefined: anything may have happened unheard. */
  private deliver(channel: Channel, payload: string | undefined): void {
    if (channel === HOST_COMMANDS_CHANNEL) {
      for (const watcher of [...this.requestWatchers]) {
        if (payload === undefined || payload === watcher.hostId) callWatcher(watcher.listener);
      }
      return;
    }
    for (const watcher of [...this.completionWatchers]) callWatcher(() => watcher(payload));
  }
}

/**
 * Host commands on SQLite (HostCommandPort). One appliance is one host, so asker and worker are
 * in this process: wake-ups are calls to this object's watchers, and every statement is one
 * autocommit write, atomic under SQLite's single writer. The worker's passes read first and
 * write only when there is something to claim or expire: an idle appliance takes no write lock.
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
  callWatcher,
  hostCommandFromRow,
  newCommandValues,
  oldestFirst,
  outcomeValues,
  type HostCommandRow,
} from '../common/host-commands.js';
import type { SqliteDatabase } from './database.js';

export class SqliteHostCommandRepository implements HostCommandPort {
  private readonly requestWatchers = new Map<string, Set<() => void>>();
  private readonly completionWatchers = new Set<(id: string | undefined) => void>();
  private readonly statements;

  constructor(db: SqliteDatabase) {
    this.statements = {
      insert: db.prepare(
        `INSERT INTO host_commands
           (id, host_id, modem_imei, action, params, requested_by_host, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      anyPending: db.prepare<[string], { id: string }>(
        `SELECT id FROM host_commands WHERE host_id = ? AND status = 'pending' LIMIT 1`,
      ),
      claim: db.prepare<[number, string, number], HostCommandRow>(
        `UPDATE host_commands SET status = 'running', started_at = ?
          WHERE id IN (SELECT id FROM host_commands WHERE host_id = ? AND status = 'pending'
                        ORDER BY created_at, id LIMIT ?)
          RETURNING *`,
      ),
      complete: db.prepare<[string, string | null, string | null, string | null, number, string]>(
        `UPDATE host_commands SET status = ?, result = ?, error_code = ?, error_message = ?,
           finished_at = ?
          WHERE id = ? AND status = 'running'`,
      ),
      get: db.prepare<[string], HostCommandRow>('SELECT * FROM host_commands WHERE id = ?'),
      anyExpired: db.prepare<[number], { id: string }>(
        `SELECT id FROM host_commands WHERE status = 'pending' AND created_at <= ? LIMIT 1`,
      ),
      expire: db.prepare<[string, number, number], { id: string }>(
        `UPDATE host_commands SET status = 'failed', error_code = ?,
           error_message = ${EXPIRED_MESSAGE_SQL}, finished_at = ?
          WHERE status = 'pending' AND created_at <= ?
          RETURNING id`,
      ),
      modemHost: db.prepare<[string], { host_id: string }>(
        'SELECT host_id FROM modems WHERE imei = ?',
      ),
    };
  }

  request(command: NewHostCommand): Promise<string> {
    const values = newCommandValues(command);
    this.statements.insert.run(...values);
    for (const watcher of [...(this.requestWatchers.get(command.hostId) ?? [])])
      callWatcher(watcher);
    return Promise.resolve(values[0]);
  }

  claimPending(hostId: string, now: number, limit: number): Promise<HostCommand[]> {
    if (!this.statements.anyPending.get(hostId)) return Promise.resolve([]);
    const rows = this.statements.claim.all(now, hostId, limit);
    return Promise.resolve(rows.map(hostCommandFromRow).sort(oldestFirst));
  }

  complete(id: string, outcome: HostCommandOutcome, now: number): Promise<boolean> {
    const done = this.statements.complete.run(...outcomeValues(outcome), now, id).changes > 0;
    if (done) this.finished(id);
    return Promise.resolve(done);
  }

  get(id: string): Promise<HostCommand | undefined> {
    const row = this.statements.get.get(id);
    return Promise.resolve(row ? hostCommandFromRow(row) : undefined);
  }

  expirePending(olderThan: number, now: number): Promise<string[]> {
    if (!this.statements.anyExpired.get(olderThan)) return Promise.resolve([]);
    const ids = this.statements.expire.all(EXPIRED_CODE, now, olderThan).map((row) => row.id);
    for (const id of ids) this.finished(id);
    return Promise.resolve(ids);
  }

  modemHost(imei: string): Promise<string | undefined> {
    return Promise.resolve(this.statements.modemHost.get(imei)?.host_id);
  }

  watchRequests(hostId: string, listener: () => void): Promise<() => void> {
    let watchers = this.requestWatchers.get(hostId);
    if (!watchers) this.requestWatchers.set(hostId, (watchers = new Set()));
    const own = watchers;
    const watcher = () => listener();
    own.add(watcher);
    return Promise.resolve(() => {
      own.delete(watcher);
      if (own.size === 0 && this.requestWatchers.get(hostId) === own) {
        this.requestWatchers.delete(hostId);
      }
    });
  }

  watchCompletions(listener: (id: string | undefined) => void): Promise<() => void> {
    const watcher = (id: string | undefined) => listener(id);
    this.completionWatchers.add(watcher);
    return Promise.resolve(() => this.completionWatchers.delete(watcher));
  }

  private finished(id: string): void {
    for (const watcher of [...this.completionWatchers]) callWatcher(() => watcher(id));
  }
}

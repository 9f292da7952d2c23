/**
 * The host registry on SQLite (src/domain/hosts.ts explains leases, epochs and reaping; the
 * PostgreSQL twin is src/store/postgres/host-registry.ts). A SQLite database normally has one
 * host, but the same rules hold: a second daemon with the same host id on the same file is
 * refused (by the lock file, src/store/sqlite/host-lock-file.ts), and a process whose epoch was
 * reaped by another host is fenced.
 *
 * Times come from the injected clock: every process on a SQLite file runs on one machine, so the
 * process clock is the database's clock.
 */
import type {
  AdoptedRows,
  HostInfo,
  HostRegistryPort,
  HostStartRequest,
  ReapedHost,
} from '../../domain/index.js';
import { systemClock, type Clock } from '../../shared/index.js';
import {
  LIST_HOSTS_SQL,
  hostFromRow,
  hostIdInUse,
  requireHostId,
  sessionCurrentSql,
  type HostListRow,
} from '../common/hosts.js';
import { LeasedHostSession, type StartedHost } from '../common/host-session.js';
import type { SqliteDatabase } from './database.js';
import { settled } from './settled.js';
import { HostLockFile } from './host-lock-file.js';
import { SqliteHostReaper } from './host-reaper.js';
import type { OutboxWriter } from './outbox-writer.js';

export interface SqliteHostRegistryOptions {
  /** The clock of leases (default the system clock). */
  readonly clock?: Clock;
}

interface StartParams {
  id: string;
  version: string;
  apiUrl: string | null;
  at: number;
  ttl: number;
  lockHeld: number;
}

type SessionKey = { id: string; epoch: number };

function prepareHostStatements(db: SqliteDatabase) {
  return {
    // A new host starts at epoch 1. A known one takes a new epoch when its lock was obtained
    // (the previous process is gone), or when its lease ended (stopped or expired; only an
    // in-memory database, which has no lock file, gets here without the lock). Otherwise
    // nothing is written and nothing returned: refused.
    start: db.prepare<StartParams, { epoch: number; lease_until: number; started_at: number }>(
      `INSERT INTO hosts (id, epoch, lease_until, started_at, renewed_at, stopped_at, version,
         api_url)
       VALUES (@id, 1, @at + @ttl, @at, @at, NULL, @version, @apiUrl)
       ON CONFLICT (id) DO UPDATE SET
         epoch = hosts.epoch + 1, lease_until = excluded.lease_until,
         started_at = excluded.started_at, renewed_at = excluded.renewed_at, stopped_at = NULL,
         version = excluded.version, api_url = excluded.api_url
       WHERE @lockHeld = 1 OR hosts.stopped_at IS NOT NULL OR hosts.lease_until <= @at
       RETURNING epoch, lease_until, started_at`,
    ),
    leaseOf: db.prepare<[string], number>('SELECT lease_until FROM hosts WHERE id = ?').pluck(),
    otherHost: db.prepare<[string], number>('SELECT 1 FROM hosts WHERE id != ? LIMIT 1').pluck(),
    // A slot of this host also recorded under '' since: the '' row is the newer view (see
    // adopt), so the older one makes way for it.
    dropShadowedSlots: db.prepare<[string]>(
      `DELETE FROM slots WHERE host_id = ?
          AND path IN (SELECT path FROM slots WHERE host_id = '')`,
    ),
    adoptSlots: db.prepare<[string]>(`UPDATE slots SET host_id = ? WHERE host_id = ''`),
    adoptModems: db.prepare<[string]>(`UPDATE modems SET host_id = ? WHERE host_id = ''`),
    adoptSims: db.prepare<[string]>(`UPDATE sims SET host_id = ? WHERE host_id = ''`),
    adoptPlacements: db.prepare<[string]>(
      `UPDATE sim_placements SET host_id = ? WHERE host_id = ''`,
    ),
    renew: db
      .prepare<SessionKey & { at: number; ttl: number }, number>(
        `UPDATE hosts SET lease_until = @at + @ttl, renewed_at = @at
          WHERE id = @id AND epoch = @epoch AND ${sessionCurrentSql()}
         RETURNING lease_until`,
      )
      .pluck(),
    stop: db.prepare<SessionKey & { at: number }>(
      `UPDATE hosts SET stopped_at = @at, lease_until = MIN(lease_until, @at)
        WHERE id = @id AND epoch = @epoch AND stopped_at IS NULL`,
    ),
    setApiUrl: db.prepare<SessionKey & { url: string | null }>(
      'UPDATE hosts SET api_url = @url WHERE id = @id AND epoch = @epoch',
    ),
    list: db.prepare<[], HostListRow>(LIST_HOSTS_SQL),
  };
}

type HostStatements = ReturnType<typeof prepareHostStatements>;

export class SqliteHostRegistry implements HostRegistryPort {
  private readonly s: HostStatements;
  private readonly reaper: SqliteHostReaper;
  private readonly clock: Clock;
  private readonly startTx: (
    params: StartParams,
  ) => { epoch: number; leaseUntil: number; startedAt: number; adopted: AdoptedRows } | undefined;

  constructor(
    private readonly db: SqliteDatabase,
    outbox: OutboxWriter,
    options: SqliteHostRegistryOptions = {},
  ) {
    this.s = prepareHostStatements(db);
    this.reaper = new SqliteHostReaper(db, outbox);
    this.clock = options.clock ?? systemClock;
    const tx = db.transaction((params: StartParams) => {
      const row = this.s.start.get(params);
      if (!row) return undefined;
      return {
        epoch: row.epoch,
        leaseUntil: row.lease_until,
        startedAt: row.started_at,
        adopted: this.adopt(params.id),
      };
    });
    this.startTx = (params) => tx.immediate(params);
  }

  start(request: HostStartRequest): Promise<SqliteHostSession> {
    return settled(() => {
      requireHostId(request.hostId);
      const lockFile = HostLockFile.pathFor(this.db.name, request.hostId);
      const lock = lockFile === undefined ? undefined : HostLockFile.tryAcquire(lockFile);
      // Every process on a SQLite file runs on this machine, whose kernel frees the lock the
      // moment its holder dies: a held lock is a live process (perhaps stopped or hung, but
      // still holding the modems' ports), whatever its lease says. Refused at once. (PostgreSQL
      // cannot tell a cut-off host from a dead one by its lock; there the lease decides.)
      if (lockFile !== undefined && lock === undefined) {
        throw hostIdInUse(request.hostId, this.s.leaseOf.get(request.hostId));
      }
      try {
        const started = this.startTx({
          id: request.hostId,
          version: request.version,
          apiUrl: request.apiUrl,
          at: this.clock.now(),
          ttl: request.leaseTtlMs,
          lockHeld: lock ? 1 : 0,
        });
        if (!started) throw hostIdInUse(request.hostId, this.s.leaseOf.get(request.hostId));
        return new SqliteHostSession(
          { s: this.s, reaper: this.reaper, clock: this.clock, lock },
          { hostId: request.hostId, ttl: request.leaseTtlMs, ...started },
        );
      } catch (error) {
        lock?.release();
        throw error;
      }
    });
  }

  listHosts(): Promise<HostInfo[]> {
    return settled(() => {
      const now = this.clock.now();
      return this.s.list.all().map((row) => hostFromRow(row, now));
    });
  }

  /**
   * Rows from before hosts existed (host id '') belong to "this appliance": the first host to
   * start on the database takes them, and so does a host restarting while it is still the only
   * one (writers that do not name a host yet keep adding '' rows). Once a second host exists,
   * '' rows are nobody's to guess.
   */
  private adopt(hostId: string): AdoptedRows {
    if (this.s.otherHost.get(hostId) !== undefined) {
      return { modems: 0, sims: 0, simPlacements: 0, slots: 0 };
    }
    this.s.dropShadowedSlots.run(hostId);
    return {
      slots: this.s.adoptSlots.run(hostId).changes,
      modems: this.s.adoptModems.run(hostId).changes,
      sims: this.s.adoptSims.run(hostId).changes,
      simPlacements: this.s.adoptPlacements.run(hostId).changes,
    };
  }
}

export class SqliteHostSession extends LeasedHostSession {
  /** @internal Made by SqliteHostRegistry.start. */
  constructor(
    private readonly deps: {
      readonly s: HostStatements;
      readonly reaper: SqliteHostReaper;
      readonly clock: Clock;
      readonly lock: HostLockFile | undefined;
    },
    started: StartedHost,
  ) {
    super(started);
  }

  private get key(): SessionKey {
    return { id: this.hostId, epoch: this.epoch };
  }

  protected extendLease(): Promise<number | undefined> {
    return settled(() =>
      this.deps.s.renew.get({ ...this.key, at: this.deps.clock.now(), ttl: this.ttl }),
    );
  }

  protected lockHeld(): boolean {
    return this.deps.lock?.held ?? false;
  }

  protected releaseLock(): Promise<void> {
    return settled(() => this.deps.lock?.release());
  }

  protected recordStop(): Promise<void> {
    return settled(() => void this.deps.s.stop.run({ ...this.key, at: this.deps.clock.now() }));
  }

  protected reap(): Promise<ReapedHost[]> {
    return settled(() => this.deps.reaper.reap(this.hostId, this.deps.clock.now()));
  }

  setApiUrl(apiUrl: string | null): Promise<void> {
    return settled(() => void this.deps.s.setApiUrl.run({ ...this.key, url: apiUrl }));
  }
}

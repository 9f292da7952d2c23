/**
 * The host registry on PostgreSQL (src/domain/hosts.ts explains leases, epochs and reaping; the
 * SQLite twin is src/store/sqlite/host-registry.ts). Lease times are the database server's clock
 * (DB_NOW_MS): hosts' own clocks may drift apart, the server's is one.
 *
 * Fencing: the pool-side repositories call `session.assertCurrent(client)` (or
 * `assertCurrentEpoch`) inside each transaction that writes this host's work. It takes a FOR KEY
 * SHARE lock on the host's row, which a new start of the same host id (FOR UPDATE of the row
 * before it raises the epoch) waits for: every write of the old epoch either commits before the
 * new epoch exists, or finds the new epoch and is refused (`host_fenced`). A new start therefore
 * never overlaps a write of the process it replaces.
 *
 * KEY SHARE, not SHARE: the renewal (an UPDATE of non-key columns, FOR NO KEY UPDATE) must not
 * wait for the host's own writes. Under load a host always has some open, and share lockers keep
 * arriving: a renewal queued behind them missed its lease by seconds (cluster test, 2 cores),
 * and the other hosts reaped a live host. The reaper (FOR UPDATE … SKIP LOCKED) still leaves a
 * host with writes in flight to its next pass, as before.
 */
import type {
  AdoptedRows,
  HostInfo,
  HostRegistryPort,
  HostStartRequest,
  ReapedHost,
} from '../../domain/index.js';
import {
  LIST_HOSTS_SQL,
  hostFenced,
  hostFromRow,
  hostIdInUse,
  requireHostId,
  sessionCurrentSql,
  type HostListRow,
} from '../common/hosts.js';
import type { PostgresDatabase, Queryable } from './database.js';
import type { Fencing } from './fencing.js';
import { DB_NOW_MS } from './db-clock.js';
import { PostgresHostLock } from './host-lock.js';
import { LeasedHostSession, type StartedHost } from '../common/host-session.js';
import { reapDeadHosts } from './host-reaper.js';
import type { PostgresClient } from './transaction.js';
import { HOST_ADOPTION_LOCK_KEY } from './advisory-locks.js';

// A new host starts at epoch 1. A known one takes a new epoch when its lock was obtained (the
// previous process is gone), or when its lease ended (stopped, or expired: a holder that stopped
// renewing is dead to the cluster whatever lock the server still keeps for it). Otherwise no row
// is returned: refused.
const START = `
INSERT INTO hosts AS h (id, epoch, lease_until, started_at, renewed_at, stopped_at, version,
                        api_url)
SELECT $1::text, 1, c.now + $4::bigint, c.now, c.now, NULL, $2::text, $3::text
  FROM (SELECT ${DB_NOW_MS} AS now) c
    ON CONFLICT (id) DO UPDATE SET
       epoch = h.epoch + 1, lease_until = excluded.lease_until,
       started_at = excluded.started_at, renewed_at = excluded.renewed_at, stopped_at = NULL,
       version = excluded.version, api_url = excluded.api_url
 WHERE $5::boolean OR h.stopped_at IS NOT NULL OR h.lease_until <= excluded.started_at
RETURNING epoch, lease_until, started_at`;

const CURRENT = `id = $1 AND epoch = $2 AND ${sessionCurrentSql()}`;

const RENEW = `
UPDATE hosts SET lease_until = c.now + $3::bigint, renewed_at = c.now
  FROM (SELECT ${DB_NOW_MS} AS now) c
 WHERE ${CURRENT}
RETURNING lease_until`;

const STOP = `
UPDATE hosts SET stopped_at = c.now, lease_until = LEAST(lease_until, c.now)
  FROM (SELECT ${DB_NOW_MS} AS now) c
 WHERE id = $1 AND epoch = $2 AND stopped_at IS NULL`;

const ASSERT_CURRENT = `SELECT 1 FROM hosts WHERE ${CURRENT} FOR KEY SHARE`;

/** Waits for the writes in flight of the epoch a start may replace (their FOR KEY SHARE). */
const LOCK_FOR_START = 'SELECT 1 FROM hosts WHERE id = $1 FOR UPDATE';

/**
 * Refuses (`host_fenced`) a transaction writing for `hostId` at `epoch` once that epoch is no
 * longer current; call it inside the transaction, before its writes. Its FOR KEY SHARE lock holds
 * off a new start of the host id until the transaction ends.
 */
export async function assertCurrentEpoch(
  client: Queryable,
  hostId: string,
  epoch: number,
): Promise<void> {
  const current = await client.query(ASSERT_CURRENT, [hostId, epoch]);
  if (current.rowCount === 0) throw hostFenced(hostId, epoch);
}

export class PostgresHostRegistry implements HostRegistryPort {
  /**
   * `fencing`: the store's modem-side writes, bound to each session this registry starts (the
   * daemon starts one; a command that never starts one writes unfenced).
   */
  constructor(
    private readonly db: PostgresDatabase,
    private readonly fencing?: Fencing,
  ) {}

  async start(request: HostStartRequest): Promise<PostgresHostSession> {
    requireHostId(request.hostId);
    const lock = await PostgresHostLock.attempt(this.db, request.hostId);
    try {
      const started = await this.db.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [HOST_ADOPTION_LOCK_KEY]);
        await client.query(LOCK_FOR_START, [request.hostId]);
        const row = (
          await client.query<{ epoch: number; lease_until: number; started_at: number }>(START, [
            request.hostId,
            request.version,
            request.apiUrl,
            request.leaseTtlMs,
            lock.held,
          ])
        ).rows[0];
        if (row === undefined) return undefined;
        return {
          epoch: row.epoch,
          leaseUntil: row.lease_until,
          startedAt: row.started_at,
          adopted: await adopt(client, request.hostId),
        };
      });
      if (started === undefined) {
        const lease = await this.db.query<{ lease_until: number }>(
          'SELECT lease_until FROM hosts WHERE id = $1',
          [request.hostId],
        );
        throw hostIdInUse(request.hostId, lease.rows[0]?.lease_until);
      }
      const session = new PostgresHostSession(this.db, lock, {
        hostId: request.hostId,
        ttl: request.leaseTtlMs,
        ...started,
      });
      this.fencing?.bind(session);
      return session;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  async listHosts(): Promise<HostInfo[]> {
    const now = await this.db.query<{ now: number }>(`SELECT ${DB_NOW_MS} AS now`);
    const rows = await this.db.query<HostListRow>(LIST_HOSTS_SQL);
    const at = now.rows[0]?.now ?? Date.now();
    return rows.rows.map((row) => hostFromRow(row, at));
  }
}

/**
 * Rows from before hosts existed (host id '') belong to "this appliance" (a database copied from
 * a SQLite appliance): the first host to start takes them, and so does a host restarting while
 * it is still the only one. Once a second host exists, '' rows are nobody's to guess. A slot of
 * this host also recorded under '' since makes way for the '' row, the newer view.
 */
async function adopt(client: PostgresClient, hostId: string): Promise<AdoptedRows> {
  const others = await client.query('SELECT 1 FROM hosts WHERE id <> $1 LIMIT 1', [hostId]);
  if ((others.rowCount ?? 0) > 0) return { modems: 0, sims: 0, simPlacements: 0, slots: 0 };
  await client.query(
    `DELETE FROM slots WHERE host_id = $1
        AND path IN (SELECT path FROM slots WHERE host_id = '')`,
    [hostId],
  );
  const adopt = async (table: string): Promise<number> =>
    (await client.query(`UPDATE ${table} SET host_id = $1 WHERE host_id = ''`, [hostId]))
      .rowCount ?? 0;
  return {
    slots: await adopt('slots'),
    modems: await adopt('modems'),
    sims: await adopt('sims'),
    simPlacements: await adopt('sim_placements'),
  };
}

/** A host's hold on its id on PostgreSQL: the HostSession, and the fencing check of its epoch. */
export class PostgresHostSession extends LeasedHostSession {
  /** @internal Made by PostgresHostRegistry.start. */
  constructor(
    private readonly db: PostgresDatabase,
    private readonly lock: PostgresHostLock,
    started: StartedHost,
  ) {
    super(started);
  }

  /** Refuses (`host_fenced`) the caller's transaction when this session's epoch is over. */
  assertCurrent(client: PostgresClient): Promise<void> {
    return assertCurrentEpoch(client, this.hostId, this.epoch);
  }

  protected async extendLease(): Promise<number | undefined> {
    // A lock connection that was lost (server restart, network) is taken again meanwhile.
    this.lock.ensure();
    const renewed = await this.db.query<{ lease_until: number }>(RENEW, [
      this.hostId,
      this.epoch,
      this.ttl,
    ]);
    return renewed.rows[0]?.lease_until;
  }

  protected lockHeld(): boolean {
    return this.lock.held;
  }

  protected releaseLock(): Promise<void> {
    return this.lock.release();
  }

  protected async recordStop(): Promise<void> {
    await this.db.query(STOP, [this.hostId, this.epoch]);
  }

  protected reap(): Promise<ReapedHost[]> {
    return reapDeadHosts(this.db, this.hostId);
  }

  async setApiUrl(apiUrl: string | null): Promise<void> {
    await this.db.query('UPDATE hosts SET api_url = $3 WHERE id = $1 AND epoch = $2', [
      this.hostId,
      this.epoch,
      apiUrl,
    ]);
  }
}
